"""The ASGI app `linli serve` hosts: the WeChat and Telegram webhooks, the probes and metrics
(bot/channels/health.py), Open311 GeoReport v2 when enabled (bot/channels/open311.py), and
what the wiring mounts beside them (the staff console at /admin)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.channels.health import Probes, timed
from bot.channels.open311 import open311_routes
from bot.channels.telegram import TelegramChannel
from bot.channels.wechat import SUCCESS, WebhookError, WeChatWebhook
from bot.channels.wechat_answer import Responder
from bot.channels.wechat_replay import Claimer, NonceLedger

logger = logging.getLogger(__name__)
_DRAIN = 16 * 1024 * 1024
# Threads for WeChat's database work. On SQLite writes take turns anyway; on PostgreSQL this
# many messages are worked on at once (the engine's pool has 5 + 10 connections).
WECHAT_THREADS = 8


class WeChatEndpoint:
    """GET: URL verification. POST: a message, answered within the budget or by the outbox."""

    def __init__(self, app: App, webhook: WeChatWebhook, responder: Responder):
        self.app = app
        self.webhook = webhook
        self.responder = responder

    async def get(self, request: Request) -> Response:
        try:
            return PlainTextResponse(self.webhook.verify_url(request.query_params))
        except WebhookError as exc:
            logger.warning("wechat verification refused (%s): %s", exc.status, exc)
            return Response(status_code=exc.status)

    async def post(self, request: Request) -> Response:
        settings = self.app.settings.wechat
        deadline = asyncio.get_running_loop().time() + settings.reply_budget_seconds
        try:
            body = await _read_capped(request, settings.max_body_bytes)
            envelope = self.webhook.open(request.query_params, body)
            answer = await self.responder.answer(
                envelope, self.webhook.incoming(envelope), deadline
            )
        except WebhookError as exc:
            logger.warning("wechat request refused (%s): %s", exc.status, exc)
            return Response(status_code=exc.status)
        if answer == SUCCESS:
            return Response(SUCCESS)
        return Response(answer, media_type="application/xml")


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


Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def create_web_app(
    app: App, mounts: Sequence[BaseRoute] = (), leader: Callable[[], bool] | None = None,
    lifespan: Lifespan | None = None,
) -> Starlette:  # fmt: skip
    """Routes for the configured channels, the probes and /metrics, and `mounts` (the staff
    console) beside them. `leader` says whether this process runs the scheduler now
    (`linli serve` hands in its service's); `lifespan` runs around the server (a worker
    process's scheduler service)."""
    lease = app.settings.scheduler.lease_seconds
    routes: list[BaseRoute] = [
        *Probes(app.engine, app.metrics, lease, leader, app.dispatcher.clock).routes(),
        *mounts,
        *open311_routes(app),
    ]
    telegram = app.settings.telegram
    if telegram.enabled and telegram.mode == "webhook":
        post = timed(app.metrics, "telegram", TelegramEndpoint(app).post)
        routes.append(Route(telegram.path, post, methods=["POST"]))
    settings = app.settings.wechat
    if settings.enabled:
        endpoint = _wechat_endpoint(app)
        routes += [
            Route(settings.path, timed(app.metrics, "wechat", endpoint.get), methods=["GET"]),
            Route(settings.path, timed(app.metrics, "wechat", endpoint.post), methods=["POST"]),
            Route(settings.path, _not_allowed, methods=["PUT", "PATCH", "DELETE", "OPTIONS"]),
        ]
    return Starlette(routes=routes, lifespan=lifespan)


def _wechat_endpoint(app: App) -> WeChatEndpoint:
    settings = app.settings.wechat
    if not settings.encoding_aes_key:
        logger.warning(
            "wechat is in plain mode (no encoding_aes_key): the signature does not cover the "
            "message body, so a captured URL can carry a forged message; use plain mode for "
            "development only and configure safe mode in production"
        )
    webhook = WeChatWebhook(settings)
    ledger = NonceLedger(app.engine, settings.timestamp_tolerance_seconds)
    pool = ThreadPoolExecutor(WECHAT_THREADS, thread_name_prefix="wechat")
    responder = Responder(app.dispatcher, app.engine, webhook, Claimer(ledger, pool), pool)
    return WeChatEndpoint(app, webhook, responder)


async def _not_allowed(request: Request) -> Response:
    """405, after reading the body: closing on unread data would reset the connection."""
    with contextlib.suppress(WebhookError):
        await _read_capped(request, 0)
    return Response(status_code=405, headers={"Allow": "GET, POST"})


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
