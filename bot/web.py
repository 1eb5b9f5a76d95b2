"""The ASGI app `linli serve` hosts: the WeChat and Telegram webhooks, plus /healthz."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging

from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.app import App
from bot.channels.telegram import TelegramChannel
from bot.channels.wechat import SUCCESS, Envelope, WebhookError, WeChatWebhook
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import Outbox
from bot.types import Incoming, Outcome

logger = logging.getLogger(__name__)
_DRAIN = 16 * 1024 * 1024


class WeChatEndpoint:
    """GET: URL verification. POST: a message, answered within the budget or by the outbox."""

    def __init__(self, app: App, webhook: WeChatWebhook):
        self.app = app
        self.webhook = webhook
        self._late: set[str] = set()  # messages whose answer goes by the outbox

    async def get(self, request: Request) -> Response:
        try:
            return PlainTextResponse(self.webhook.verify_url(request.query_params))
        except WebhookError as exc:
            logger.warning("wechat verification refused (%s): %s", exc.status, exc)
            return Response(status_code=exc.status)

    async def post(self, request: Request) -> Response:
        try:
            body = await _read_capped(request, self.app.settings.wechat.max_body_bytes)
            envelope = self.webhook.open(request.query_params, body)
            incoming = self.webhook.incoming(envelope)
        except WebhookError as exc:
            logger.warning("wechat request refused (%s): %s", exc.status, exc)
            return Response(status_code=exc.status)
        if incoming is None:
            return Response(SUCCESS)
        return await self._answer(envelope, incoming)

    async def _answer(self, envelope: Envelope, incoming: Incoming) -> Response:
        task = asyncio.ensure_future(asyncio.to_thread(self.app.dispatcher.handle, incoming))
        budget = self.app.settings.wechat.reply_budget_seconds
        done, _ = await asyncio.wait({task}, timeout=budget)
        if not done:
            # No database work here: on SQLite the slow transaction holds the lock.
            self._late.add(_late_key(incoming))
            task.add_done_callback(lambda t: self._send_late(incoming, t))
            return Response(SUCCESS)
        outcome = task.result()
        late = _late_key(incoming) in self._late
        if late or await asyncio.to_thread(self._reply_is_late, incoming):
            return Response(SUCCESS)  # an earlier copy ran out of time: the outbox answers
        return Response(self.webhook.reply(envelope, outcome), media_type="application/xml")

    def _send_late(self, incoming: Incoming, task: asyncio.Future[Outcome]) -> None:
        """The work finished after WeChat stopped waiting: queue its answer, once."""
        if task.cancelled() or task.exception() is not None:
            logger.error("late wechat reply failed for a %s message", incoming.kind)
            return
        replies = [{"text": r.as_text()} for r in task.result().replies]
        with session_scope(self.app.engine) as session:
            if _late_row(session, incoming) is None and replies:
                now = self.app.dispatcher.clock()
                user = resolve_user(session, incoming.channel, incoming.user_key, now)
                session.add(Outbox(
                    user_id=user.id or 0, kind="late_reply", dedupe_key=_late_key(incoming),
                    payload={"replies": replies}, next_attempt_at=now, created_at=now,
                ))  # fmt: skip

    def _reply_is_late(self, incoming: Incoming) -> bool:
        with session_scope(self.app.engine) as session:
            return _late_row(session, incoming) is not None


class TelegramEndpoint:
    """Telegram's webhook: the secret token checked, then the update handled by PTB."""

    def __init__(self, app: App):
        self.secret = app.settings.telegram.secret_token
        self.channel = TelegramChannel(app.settings.telegram, app.dispatcher)

    async def post(self, request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        # an empty secret is refused at start too (config): never compare two empty strings
        if not self.secret or not hmac.compare_digest(given.encode(), self.secret.encode()):
            logger.warning("telegram update refused: wrong or missing secret token")
            return Response(status_code=403)
        try:
            data = json.loads(await _read_capped(request, 1024 * 1024))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            await self.channel.process(data)
        except WebhookError as exc:
            logger.warning("telegram update refused (%s): %s", exc.status, exc)
            return Response(status_code=exc.status)
        except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested JSON
            logger.warning("telegram update refused: %s: %s", exc.__class__.__name__, exc)
            return Response(status_code=400)
        return Response("ok")


def create_web_app(app: App) -> Starlette:
    """Routes for the configured channels."""
    routes = [Route("/healthz", _health, methods=["GET"])]
    telegram = app.settings.telegram
    if telegram.enabled and telegram.mode == "webhook":
        routes.append(Route(telegram.path, TelegramEndpoint(app).post, methods=["POST"]))
    settings = app.settings.wechat
    if settings.enabled:
        endpoint = WeChatEndpoint(app, WeChatWebhook(settings))
        routes += [
            Route(settings.path, endpoint.get, methods=["GET"]),
            Route(settings.path, endpoint.post, methods=["POST"]),
            Route(settings.path, _not_allowed, methods=["PUT", "PATCH", "DELETE", "OPTIONS"]),
        ]
    return Starlette(routes=routes)


async def _not_allowed(request: Request) -> Response:
    """405, after reading the body: closing on unread data would reset the connection."""
    with contextlib.suppress(WebhookError):
        await _read_capped(request, 0)
    return Response(status_code=405, headers={"Allow": "GET, POST"})


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, or 413 when it is over `limit`. An oversized body is still read (and thrown
    away, up to _DRAIN) so the client gets its 413 instead of a dropped connection."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > _DRAIN:
            break
    if size > limit:
        raise WebhookError(413, "body too large")
    return b"".join(chunks)


def _late_key(incoming: Incoming) -> str:
    return f"late-reply:{incoming.channel}:{incoming.msg_id}"


def _late_row(session: Session, incoming: Incoming) -> Outbox | None:
    return session.exec(select(Outbox).where(Outbox.dedupe_key == _late_key(incoming))).first()
