"""Talking to WeChat's API: one shared access_token for every process, customer-service
messages inside the 48-hour window and quota, template messages outside it, and every
errcode turned into retry-later, refresh-the-token or not-deliverable."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.channels.models import AccessToken
from bot.clock import Clock, utcnow
from bot.config import WeChatSettings
from bot.db import session_scope
from bot.errors import ChannelError, Undeliverable
from bot.models import ChannelIdentity
from bot.outbox.models import Outbox

logger = logging.getLogger(__name__)
_MARGIN = dt.timedelta(minutes=5)  # refresh this long before the token expires
_TOKEN_ERRORS = {40001, 40014, 42001}  # invalid / not a token / expired
_WINDOW_ERRORS = {45015, 45047}  # outside the 48 hours / over the quota
_UNSUBSCRIBED = 43004
TEMPLATE_ROUTE = "wechat-template"


class TokenStore:
    """The access_token, shared through the database: one process refreshes it (the row is
    locked while it does), the others read the new one."""

    def __init__(self, engine: Engine, settings: WeChatSettings, http: httpx.Client,
                 clock: Clock = utcnow):  # fmt: skip
        self.engine, self.settings, self.http, self.clock = engine, settings, http, clock
        # the token last read or fetched here, and its expiry: an announcement's every message
        # need not read the row (one refreshed elsewhere meanwhile is met by a token error,
        # and `refresh(stale=...)` then reads the new one)
        self._held: tuple[str, dt.datetime] | None = None

    def get(self) -> str:
        """A valid token, fetched only when the stored one is missing or about to expire."""
        held = self._held
        if held is not None and held[1] - _MARGIN > self.clock():
            return held[0]
        with Session(self.engine) as session:
            row = session.get(AccessToken, self.settings.app_id)
        if row is not None and row.token and row.expires_at - _MARGIN > self.clock():
            self._held = (row.token, row.expires_at)
            return row.token
        return self.refresh()

    def refresh(self, stale: str | None = None) -> str:
        """Fetch a new token unless another process already replaced `stale` (or the stored
        one is still good)."""
        self._ensure_row()
        with session_scope(self.engine) as session:
            row = session.exec(
                select(AccessToken)
                .where(AccessToken.app_id == self.settings.app_id)
                .with_for_update()
            ).one()
            fresh = row.token and row.token != stale and row.expires_at - _MARGIN > self.clock()
            if not fresh:
                token, lifetime = self._fetch()
                row.token, row.expires_at = token, self.clock() + dt.timedelta(seconds=lifetime)
                row.fetches += 1
                session.add(row)
            self._held = (row.token, row.expires_at)
            return row.token

    def _ensure_row(self) -> None:
        try:
            with session_scope(self.engine) as session:
                if session.get(AccessToken, self.settings.app_id) is None:
                    session.add(AccessToken(app_id=self.settings.app_id, expires_at=self.clock()))
        except IntegrityError:
            pass  # created by another process at the same moment

    def _fetch(self) -> tuple[str, int]:
        params = {
            "grant_type": "client_credential",
            "appid": self.settings.app_id,
            "secret": self.settings.app_secret,
        }
        data = _call(lambda: self.http.get(self.settings.api_base + "token", params=params))
        if "access_token" not in data:
            raise ChannelError(f"token refused: errcode {data.get('errcode')}")
        logger.info("fetched a new wechat access_token")  # the token itself is never logged
        return str(data["access_token"]), int(data.get("expires_in", 7200))


class WeChatAPI:
    """POSTs to the API with the shared token; an invalid token is refreshed once."""

    def __init__(self, settings: WeChatSettings, tokens: TokenStore, http: httpx.Client):
        self.settings, self.tokens, self.http = settings, tokens, http

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The response of a call that succeeded (errcode 0).

        Raises:
            ChannelError: try later. Undeliverable: never for this user. WindowClosed.
        """
        token = self.tokens.get()
        data = self._post(path, payload, token)
        if data.get("errcode") in _TOKEN_ERRORS:
            data = self._post(path, payload, self.tokens.refresh(stale=token))
        code = int(data.get("errcode", 0))
        if code == 0:
            return data
        if code in _WINDOW_ERRORS:
            raise WindowClosed(code)
        if code == _UNSUBSCRIBED:
            raise Undeliverable("the resident unfollowed the account (43004)")
        if code == -1 or code in _TOKEN_ERRORS:
            raise ChannelError(f"wechat busy or token refused (errcode {code})")
        raise Undeliverable(f"wechat refused the message (errcode {code})")

    def get(self, path: str) -> dict[str, Any]:
        """A GET call with the token (menu/get)."""
        token = self.tokens.get()
        return _call(
            lambda: self.http.get(self.settings.api_base + path, params={"access_token": token})
        )

    def _post(self, path: str, payload: dict[str, Any], token: str) -> dict[str, Any]:
        url = self.settings.api_base + path
        # raw UTF-8: WeChat shows \uXXXX escapes to residents literally
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return _call(
            lambda: self.http.post(
                url, params={"access_token": token}, content=body, headers=headers
            )
        )


class WindowClosed(Exception):
    """WeChat refused a customer-service message: outside 48 hours, or over the quota."""


class WeChatSender:
    """Sends outbox messages to WeChat users: customer-service text inside the window and
    quota, else the notice kind's template, else recorded as not deliverable."""

    channel = "wechat"

    def __init__(self, engine: Engine, settings: WeChatSettings, api: WeChatAPI,
                 clock: Clock = utcnow):  # fmt: skip
        self.engine, self.settings, self.api, self.clock = engine, settings, api, clock
        self.per_second = settings.per_second
        # resident → (when they last wrote, customer-service messages since): see `prepare`
        self._used: dict[int, tuple[dt.datetime | None, int]] = {}

    def prepare(self, identities: Sequence[ChannelIdentity]) -> None:
        """Before a delivery batch: how many customer-service messages each resident inside
        the window has had since they last wrote, read in one query (the batch's own sends
        count on from there), instead of one count a message."""
        seen = {i.user_id: at for i in identities if (at := i.last_seen_at) and self._recent(at)}
        # replaced whole: a batch's users are each sent to by one lane, so the counts of
        # one user are only ever touched by one thread
        self._used = {user_id: (seen[user_id], n) for user_id, n in self._count(seen).items()}

    def _count(self, seen: dict[int, dt.datetime]) -> dict[int, int]:
        """Each resident's customer-service messages sent since `seen[resident]`."""
        used = dict.fromkeys(seen, 0)
        if not seen:
            return used
        table = Outbox.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as connection:  # core: one read, no ORM
            rows = connection.execute(
                select(table.c.user_id, table.c.sent_at).where(
                    table.c.user_id.in_(seen), table.c.channel == self.channel,
                    table.c.sent_at >= min(seen.values()),
                )
            )  # fmt: skip
            for user_id, sent_at in rows:
                used[user_id] += sent_at >= seen[user_id]
        return used

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        """Send; returns the route taken ("wechat" or "wechat-template")."""
        if identity.unsubscribed_at is not None:
            raise Undeliverable("the resident unfollowed the account")
        used = self._window_used(identity)
        if used is not None and used < self.settings.service_quota:
            try:
                self.api.post("message/custom/send", _text(identity.external_id, texts))
                self._used[identity.user_id] = (identity.last_seen_at, used + 1)
                return self.channel
            except WindowClosed:
                pass
        template = self.settings.templates.get(kind)
        if template is None:
            raise Undeliverable("outside the 48-hour window and no template for this notice")
        self.api.post("message/template/send", _template(identity.external_id, template, texts))
        return TEMPLATE_ROUTE

    def _recent(self, seen: dt.datetime) -> bool:
        window = dt.timedelta(hours=self.settings.service_window_hours)
        return self.clock() - seen <= window

    def _window_used(self, identity: ChannelIdentity) -> int | None:
        """Customer-service messages this resident has had since they last wrote, or None
        outside the 48-hour window: what `prepare` read for this batch, else one count."""
        seen = identity.last_seen_at
        if seen is None or not self._recent(seen):
            return None
        prepared = self._used.get(identity.user_id)
        if prepared is not None and prepared[0] == seen:
            return prepared[1]
        return self._count({identity.user_id: seen})[identity.user_id]


def _text(openid: str, texts: Sequence[str]) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": "\n\n".join(texts)}}


def _template(openid: str, template: str, texts: Sequence[str]) -> dict[str, Any]:
    body = "\n".join(texts)
    return {
        "touser": openid,
        "template_id": template,
        "data": {"first": {"value": body[:200]}, "remark": {"value": "详情请在公众号里发消息问我"}},
    }


def _call(request: Callable[[], httpx.Response]) -> dict[str, Any]:
    try:
        response = request()
    except httpx.HTTPError as exc:
        raise ChannelError(f"wechat unreachable ({exc.__class__.__name__})") from exc
    if response.status_code >= 500:
        raise ChannelError(f"wechat answered {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise ChannelError("wechat answered something that is not JSON") from exc
    if not isinstance(data, dict):
        raise ChannelError("wechat answered an unexpected shape")
    return data
