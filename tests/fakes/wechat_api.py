"""A fake of the WeChat official-account HTTP API (cgi-bin/...), served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes import LocalServer

Json = dict[str, Any]
Handler = Callable[[dict[str, str], Json], Json]

ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43004: "require subscribe",
    44002: "empty post data",
    44003: "empty news data",
    44004: "empty content",
    45008: "article size out of limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    46003: "menu no exist",
    47001: "data format error",
}
CUSTOM_MSGTYPES = {"text", "news", "image", "voice", "video", "music", "mpnews", "msgmenu"}
# A `\uXXXX` escape preceded by an even number of backslashes, i.e. a real JSON escape.
_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u")


class WeChatError(Exception):
    """Raised inside the fake to answer with a WeChat errcode."""

    def __init__(self, errcode: int) -> None:
        super().__init__(errcode)
        self.errcode = errcode


def error_body(errcode: int) -> Json:
    """The JSON WeChat answers for an errcode (0 is success)."""
    return {"errcode": errcode, "errmsg": ERRMSG.get(errcode, "fake error")}


@dataclass(frozen=True)
class ApiCall:
    """One request the fake answered, for asserting retries and ordering."""

    endpoint: str
    params: dict[str, str]
    body: bytes
    errcode: int | None  # None when an HTTP error status was injected
    http_status: int


@dataclass(frozen=True)
class _Fault:
    errcode: int | None
    http_status: int | None


class FakeWeChatAPI:
    """The cgi-bin endpoints Linli uses, with WeChat's errcodes and fault injection.

    Recording happens under a lock on the server thread; read the public lists from the test
    after the call under test has returned.

    Every issued access_token stays valid until `invalidate_tokens()` (then 40001) or until
    `token_ttl` passes or `expire_tokens()` is called (then 42001, as real WeChat answers).
    With `literal_unicode_escapes` (the default) a POST body written with `\\uXXXX` escapes
    is taken literally, as WeChat shows such text to users: send raw UTF-8 JSON.
    """

    def __init__(
        self,
        appid: str = "wxtest",
        secret: str = "s3cret",
        token_ttl: int = 7200,
        literal_unicode_escapes: bool = True,
    ) -> None:
        self.appid, self.secret, self.token_ttl = appid, secret, token_ttl
        self.literal_unicode_escapes = literal_unicode_escapes
        self.unsubscribed: set[str] = set()  # sends to these openids → 43004
        self.outside_window: set[str] = set()  # custom sends to these openids → 45015
        self.templates: set[str] = set()  # known template ids; empty = accept any
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._routes: dict[str, tuple[str, Handler]] = {
            "token": ("GET", self._issue),
            "message/custom/send": ("POST", self._custom_send),
            "message/template/send": ("POST", self._template_send),
            "menu/create": ("POST", self._menu_create),
            "menu/get": ("GET", self._menu_get),
            "qrcode/create": ("POST", self._qrcode_create),
        }
        self.reset()
        app = Starlette(
            routes=[Route("/cgi-bin/{endpoint:path}", self._dispatch, methods=["GET", "POST"])]
        )
        self._server = LocalServer(app)
        self.base_url = f"http://127.0.0.1:{self._server.port}/cgi-bin/"

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing.set()
        self._server.stop()

    # --- control and inspection, from the test thread ---

    def reset(self) -> None:
        """Forget tokens, messages, the menu, faults and per-openid rules."""
        with self._lock:
            self.token_fetches = 0  # calls of the token endpoint, failed ones included
            # Accepted messages: the JSON body plus the "access_token" used (and "msgid").
            self.custom_messages: list[Json] = []
            self.template_messages: list[Json] = []
            self.calls: list[ApiCall] = []  # every answered request, in order
            self.menu: Json | None = None  # stored by menu/create
            self.qrcodes: list[Json] = []  # qrcode/create bodies, with the ticket issued
            self.accepted_at: list[float] = []  # monotonic time of each accepted message
            self._tokens: dict[str, float] = {}  # token → monotonic expiry
            self._faults: defaultdict[str, deque[_Fault]] = defaultdict(deque)
            self._delays: defaultdict[str, deque[float]] = defaultdict(deque)
            self._msgids = itertools.count(1000)
        for rule in (self.unsubscribed, self.outside_window, self.templates):
            rule.clear()

    def issue_token(self) -> str:
        """A valid access_token without an HTTP call (not counted in token_fetches)."""
        token = secrets.token_urlsafe(96)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
        return token

    def invalidate_tokens(self) -> None:
        """Every token issued so far answers 40001 from now on."""
        with self._lock:
            self._tokens.clear()

    def expire_tokens(self) -> None:
        """Every token issued so far answers 42001 from now on."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def fail_next(
        self,
        endpoint: str,
        errcode: int | None = None,
        *,
        times: int = 1,
        http_status: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `endpoint` with `errcode` or an HTTP error status."""
        self._check_endpoint(endpoint)
        if (errcode is None) == (http_status is None):
            raise ValueError("give exactly one of errcode and http_status")
        with self._lock:
            self._faults[endpoint].extend([_Fault(errcode, http_status)] * times)

    def delay_next(self, endpoint: str, seconds: float, *, times: int = 1) -> None:
        """Hold the answer to the next `times` calls of `endpoint` for `seconds`."""
        self._check_endpoint(endpoint)
        with self._lock:
            self._delays[endpoint].extend([seconds] * times)

    def _check_endpoint(self, endpoint: str) -> None:
        if endpoint not in self._routes:
            raise ValueError(f"unknown endpoint {endpoint!r}; known: {sorted(self._routes)}")

    # --- the HTTP side, on the server thread ---

    async def _dispatch(self, request: Request) -> Response:
        endpoint = request.path_params["endpoint"]
        if endpoint not in self._routes:
            return PlainTextResponse("Not Found", status_code=404)
        params, raw = dict(request.query_params), await request.body()
        delay, fault = self._take_faults(endpoint)
        await self._hold(delay)
        if fault is not None and fault.http_status is not None:
            self._record(ApiCall(endpoint, params, raw, None, fault.http_status))
            return PlainTextResponse("Service Unavailable", status_code=fault.http_status)
        try:
            if fault is not None and fault.errcode is not None:
                raise WeChatError(fault.errcode)
            answer = self._answer(endpoint, request.method, params, raw)
        except WeChatError as exc:
            answer = error_body(exc.errcode)
        self._record(ApiCall(endpoint, params, raw, answer.get("errcode", 0), 200))
        return JSONResponse(answer)

    async def _hold(self, seconds: float) -> None:
        # Wait on an event, not a bare sleep, so a held request ends when the fake closes
        # instead of being cancelled by uvicorn with a traceback in the log.
        if seconds > 0:
            await asyncio.to_thread(self._closing.wait, seconds)

    def _take_faults(self, endpoint: str) -> tuple[float, _Fault | None]:
        with self._lock:
            if endpoint == "token":
                self.token_fetches += 1
            delays, faults = self._delays[endpoint], self._faults[endpoint]
            return (delays.popleft() if delays else 0.0), (faults.popleft() if faults else None)

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self.calls.append(call)

    def _answer(self, endpoint: str, method: str, params: dict[str, str], raw: bytes) -> Json:
        expected, handler = self._routes[endpoint]
        if method != expected:
            raise WeChatError(43001 if expected == "GET" else 43002)
        if endpoint != "token":
            self._check_token(params.get("access_token"))
        return handler(params, self._parse_body(raw) if expected == "POST" else {})

    def _check_token(self, token: str | None) -> None:
        if not token:
            raise WeChatError(41001)
        with self._lock:
            expires_at = self._tokens.get(token)
        if expires_at is None:
            raise WeChatError(40001)
        if expires_at <= time.monotonic():
            raise WeChatError(42001)

    def _parse_body(self, raw: bytes) -> Json:
        if not raw.strip():
            raise WeChatError(44002)
        try:
            text = raw.decode("utf-8")
            if self.literal_unicode_escapes:
                text = _UNICODE_ESCAPE.sub(r"\1\\\\u", text)
            body = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WeChatError(47001) from exc
        if not isinstance(body, dict):
            raise WeChatError(47001)
        return body

    def _issue(self, params: dict[str, str], body: Json) -> Json:
        if params.get("grant_type") != "client_credential":
            raise WeChatError(40002)
        if params.get("appid") != self.appid:
            raise WeChatError(40013)
        if params.get("secret") != self.secret:
            raise WeChatError(40125)
        return {"access_token": self.issue_token(), "expires_in": self.token_ttl}

    def _recipient(self, body: Json) -> str:
        touser = body.get("touser")
        if not isinstance(touser, str) or not touser:
            raise WeChatError(40003)
        if touser in self.unsubscribed:
            raise WeChatError(43004)
        return touser

    def _custom_send(self, params: dict[str, str], body: Json) -> Json:
        if self._recipient(body) in self.outside_window:
            raise WeChatError(45015)
        _check_custom_content(body)
        with self._lock:
            self.custom_messages.append({**body, "access_token": params["access_token"]})
            self.accepted_at.append(time.monotonic())
        return error_body(0)

    def _template_send(self, params: dict[str, str], body: Json) -> Json:
        self._recipient(body)
        template_id = body.get("template_id")
        if not isinstance(template_id, str) or (
            self.templates and template_id not in self.templates
        ):
            raise WeChatError(40037)
        with self._lock:
            msgid = next(self._msgids)
            record = {**body, "access_token": params["access_token"], "msgid": msgid}
            self.template_messages.append(record)
            self.accepted_at.append(time.monotonic())
        return {**error_body(0), "msgid": msgid}

    def _menu_create(self, params: dict[str, str], body: Json) -> Json:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise WeChatError(40016)
        with self._lock:
            self.menu = body
        return error_body(0)

    def busiest_second(self) -> int:
        """The most messages accepted within any one second (a sliding window)."""
        with self._lock:
            times = sorted(self.accepted_at)
        most, first = 0, 0
        for last, moment in enumerate(times):
            while moment - times[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    def _qrcode_create(self, params: dict[str, str], body: Json) -> Json:
        scene = _inner(body, "action_info", "scene")
        if body.get("action_name") not in ("QR_STR_SCENE", "QR_LIMIT_STR_SCENE") or not (
            isinstance(scene, dict) and isinstance(scene.get("scene_str"), str)
        ):
            raise WeChatError(47001)
        expire = int(body.get("expire_seconds", 60))
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            self.qrcodes.append({**body, "ticket": ticket})
        return {
            "ticket": ticket,
            "expire_seconds": expire,
            "url": f"http://weixin.qq.com/q/{ticket}",
        }

    def _menu_get(self, params: dict[str, str], body: Json) -> Json:
        with self._lock:
            menu = self.menu
        if menu is None:
            raise WeChatError(46003)
        return {"menu": menu}


def _check_custom_content(body: Json) -> None:
    """WeChat's checks on a customer-service message body (one news article at most)."""
    msgtype = body.get("msgtype")
    if msgtype not in CUSTOM_MSGTYPES:
        raise WeChatError(40008)
    if msgtype == "text" and not _inner(body, "text", "content"):
        raise WeChatError(44004)
    if msgtype == "news":
        articles = _inner(body, "news", "articles")
        if not isinstance(articles, list) or not articles:
            raise WeChatError(44003)
        if len(articles) > 1:
            raise WeChatError(45008)


def _inner(body: Json, outer: str, name: str) -> Any:
    """body[outer][name], or None when either level is missing or not an object."""
    section = body.get(outer)
    return section.get(name) if isinstance(section, dict) else None
