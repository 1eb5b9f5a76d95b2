"""A fake of the Telegram Bot API (bot<token>/<method>), served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.request import HTTPXRequest

from tests.fakes import LocalServer

Json = dict[str, Any]
Handler = Callable[[Json, float], Any]

MAX_TEXT = 4096  # characters after entity parsing
MAX_CALLBACK_DATA = 64  # bytes
BOT_NAME, BOT_USERNAME = "邻里", "linli_test_bot"
GROUP_MEMBER_ID = 1001  # the sender in group updates when no user_id is given
# Form values are strings; these fields are JSON, numbers or booleans once decoded.
_JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "link_preview_options", "reply_parameters"}
    | {"allowed_updates", "commands", "scope"}
)
_INT_FIELDS = frozenset(
    {"chat_id", "message_id", "message_thread_id", "offset", "limit", "timeout", "cache_time"}
)
_BOOL_FIELDS = frozenset(
    {"disable_notification", "protect_content", "show_alert", "drop_pending_updates"}
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_MENTION = re.compile(r"(?<![A-Za-z0-9_@])@[A-Za-z0-9_]{5,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MARKERS = {"||": "Spoiler", "__": "Underline", "*": "Bold", "_": "Italic", "~": "Strikethrough"}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active;"
    " use deleteWebhook to delete the webhook first"
)


class BotAPIError(Exception):
    """Raised inside the fake to answer with a Bot API error (HTTP status = error_code)."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> Json:
        """The JSON Telegram answers for this error."""
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def too_many_requests(retry_after: int) -> BotAPIError:
    """Telegram's flood-control answer."""
    return BotAPIError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def bad_request(detail: str) -> BotAPIError:
    """A 400 with Telegram's "Bad Request: ..." description."""
    return BotAPIError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class ApiCall:
    """One request the fake answered, for asserting retries and ordering."""

    method: str  # canonical camelCase, or the name as requested when unknown
    params: Json  # decoded: chat_id an int, reply_markup a dict
    status: int
    at: float  # time.monotonic() when the request arrived


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits, enforced strictly (the real ones allow short bursts)."""

    per_chat_per_second: float
    overall_per_second: float
    per_group_per_minute: float


def local_request(**kwargs: Any) -> HTTPXRequest:
    """An HTTPXRequest that ignores *_PROXY variables, so calls to the fake stay on 127.0.0.1."""
    return HTTPXRequest(httpx_kwargs={"trust_env": False}, **kwargs)


class FakeBotAPI:
    """The Bot API methods Linli uses, with Telegram's errors, flood limits and fault injection.

    Handlers run on the server thread under a lock; read the public lists from the test after
    the call under test has returned. Push updates in increasing update_id order.
    """

    def __init__(self, token: str = "123:ABC", long_poll_cap: float = 1.0) -> None:
        self.token, self.long_poll_cap = token, long_poll_cap
        bot_id = token.split(":", 1)[0]
        self.me: Json = {"id": int(bot_id) if bot_id.isdigit() else 1, "is_bot": True}
        self.me |= {"first_name": BOT_NAME, "username": BOT_USERNAME, "can_join_groups": True}
        self.blocked: set[int | str] = set()  # sends to these chats → 403
        # people who never opened a private chat with the bot (seen only in groups) → 403
        self.strangers: set[int] = set()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._routes: dict[str, Handler] = {
            "getMe": lambda params, at: self.me,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": self._answer_callback_query,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "setMyCommands": self._set_my_commands,
        }
        # Telegram matches method names case-insensitively.
        self._canonical = {name.lower(): name for name in [*self._routes, "getUpdates"]}
        self.reset()
        routes = [Route("/bot{token}/{method}", self._dispatch, methods=["GET", "POST"])]
        self._server = LocalServer(Starlette(routes=routes))
        root = f"http://127.0.0.1:{self._server.port}"
        self.base_url, self.file_url = f"{root}/bot", f"{root}/file/bot"

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing.set()  # ends a pending getUpdates at once
        self._server.stop()

    # --- control and inspection, from the test thread ---

    def reset(self) -> None:
        """Forget messages, updates, the webhook, faults, limits and blocked chats."""
        with self._lock:
            # Accepted requests: the decoded params plus "at" (and "message_id" for sends).
            self.sent: list[Json] = []
            self.edited: list[Json] = []
            self.answered_callbacks: list[Json] = []
            self.calls: list[ApiCall] = []  # every answered request, failed ones included
            self.violations: list[Json] = []  # strict-mode sends answered 429
            self.webhook: Json | None = None  # the setWebhook params while one is set
            self.commands: list[Json] = []  # from the last setMyCommands
            self._updates: deque[Json] = deque()
            self._messages: dict[tuple[Any, int], tuple[str, Any]] = {}
            self._message_ids = itertools.count(1)
            self._faults: defaultdict[str, deque[BotAPIError]] = defaultdict(deque)
            self._limits: Limits | None = None
            self._recent_sends: deque[tuple[float, Any]] = deque()
        self.blocked.clear()
        self.strangers.clear()

    def push_update(self, update: Json) -> None:
        """Queue an update (e.g. from `text_update`) for getUpdates."""
        with self._lock:
            self._updates.append(update)

    def rate_limit(self, retry_after: int = 2, times: int = 1) -> None:
        """Answer the next `times` sendMessage calls with 429 and `retry_after` seconds."""
        if retry_after < 1:  # PTB raises RetryAfter only for a truthy retry_after
            raise ValueError("retry_after must be at least 1 second")
        with self._lock:
            self._faults["sendMessage"].extend([too_many_requests(retry_after)] * times)

    def fail_next(
        self, method: str, status: int = 502, times: int = 1, description: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with an HTTP error `status`."""
        if method not in self._canonical.values():
            raise ValueError(f"unknown method {method!r}; known: {sorted(self._canonical)}")
        error = BotAPIError(status, description or HTTPStatus(status).phrase)
        with self._lock:
            self._faults[method].extend([error] * times)

    def enforce_limits(
        self,
        per_chat_per_second: float = 1,
        overall_per_second: float = 30,
        per_group_per_minute: float = 20,
    ) -> None:
        """From now on a sendMessage over a flood limit answers 429 and lands in `violations`."""
        with self._lock:
            self._limits = Limits(per_chat_per_second, overall_per_second, per_group_per_minute)

    # --- the HTTP side, on the server thread ---

    async def _dispatch(self, request: Request) -> Response:
        at = time.monotonic()
        name = request.path_params["method"]
        method, params = self._canonical.get(name.lower(), name), {}
        try:
            params = await _read_params(request)
            result = await self._answer(request.path_params["token"], method, params, at)
        except BotAPIError as exc:
            self._record(ApiCall(method, params, exc.status, at))
            return JSONResponse(exc.body(), status_code=exc.status)
        self._record(ApiCall(method, params, 200, at))
        return JSONResponse({"ok": True, "result": result})

    async def _answer(self, token: str, method: str, params: Json, at: float) -> Any:
        if token != self.token:
            raise BotAPIError(401, "Unauthorized")
        if method not in self._canonical.values():
            raise BotAPIError(404, "Not Found")
        with self._lock:
            faults = self._faults[method]
            fault = faults.popleft() if faults else None
        if fault is not None:
            raise fault
        if method == "getUpdates":
            return await self._get_updates(params)
        with self._lock:
            return self._routes[method](params, at)

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self.calls.append(call)

    def _send_message(self, params: Json, at: float) -> Json:
        chat_id = _required(params, "chat_id", "chat_id is empty")
        text, markup = _checked_text(params), _checked_markup(params)
        self._check_blocked(chat_id)
        self._check_limits(chat_id, at)
        message_id = next(self._message_ids)
        self._messages[(chat_id, message_id)] = (text, markup)
        self.sent.append({**params, "message_id": message_id, "at": at})
        return self._message(chat_id, message_id, text, markup)

    def _edit_message_text(self, params: Json, at: float) -> Json | bool:
        text, markup = _checked_text(params), _checked_markup(params)
        if params.get("inline_message_id"):
            self.edited.append({**params, "at": at})
            return True
        chat_id = _required(params, "chat_id", "chat_id is empty")
        message_id = _required(params, "message_id", "message identifier is not specified")
        self._check_blocked(chat_id)
        # A message the fake never sent is taken as one sent before it started.
        if self._messages.get((chat_id, message_id)) == (text, markup):
            raise bad_request(NOT_MODIFIED)
        self._messages[(chat_id, message_id)] = (text, markup)
        self.edited.append({**params, "at": at})
        return {**self._message(chat_id, message_id, text, markup), "edit_date": int(time.time())}

    def _answer_callback_query(self, params: Json, at: float) -> bool:
        query_id = params.get("callback_query_id")
        answered = {call["callback_query_id"] for call in self.answered_callbacks}
        if not query_id or query_id in answered:  # Telegram takes one answer per query
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.answered_callbacks.append({**params, "at": at})
        return True

    def _set_webhook(self, params: Json, at: float) -> bool:
        url, secret = str(params.get("url", "")), params.get("secret_token")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise bad_request("bad webhook: Secret token contains unallowed characters")
        return self._delete_webhook(params, at, keep=params if url else None)

    def _delete_webhook(self, params: Json, at: float, keep: Json | None = None) -> bool:
        self.webhook = keep  # setWebhook with an empty url removes the webhook, as in Telegram
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_my_commands(self, params: Json, at: float) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND.fullmatch(command.get("command", "")):
                raise bad_request("BOT_COMMAND_INVALID")
        self.commands = commands
        return True

    async def _get_updates(self, params: Json) -> list[Json]:
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 100))
        # Long polling is honoured but capped, so a polling Application never stalls a test.
        deadline = time.monotonic() + min(float(params.get("timeout", 0)), self.long_poll_cap)
        while True:
            with self._lock:
                if self.webhook is not None:
                    raise BotAPIError(409, WEBHOOK_CONFLICT)
                batch = self._confirm_and_take(offset, max(1, min(limit, 100)))
            if batch or self._closing.is_set() or time.monotonic() >= deadline:
                return batch
            await asyncio.sleep(0.02)

    def _confirm_and_take(self, offset: int, limit: int) -> list[Json]:
        # Telegram forgets every update before `offset`; a negative offset keeps the last -offset.
        while self._updates and (
            len(self._updates) > -offset if offset < 0 else self._updates[0]["update_id"] < offset
        ):
            self._updates.popleft()
        return list(itertools.islice(self._updates, limit))

    def _check_blocked(self, chat_id: int | str) -> None:
        if chat_id in self.strangers:
            raise BotAPIError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat_id in self.blocked:
            group = isinstance(chat_id, int) and chat_id < 0
            who = "kicked from the group chat" if group else "blocked by the user"
            raise BotAPIError(403, f"Forbidden: bot was {who}")

    def _check_limits(self, chat_id: int | str, at: float) -> None:
        limits, recent = self._limits, self._recent_sends
        if limits is None:
            return
        while recent and at - recent[0][0] >= 60:
            recent.popleft()
        to_chat = [sent_at for sent_at, to in recent if to == chat_id]
        checks = [
            ("per_chat", [t for t in to_chat if at - t < 1], limits.per_chat_per_second, 1.0),
            ("overall", [t for t, _ in recent if at - t < 1], limits.overall_per_second, 1.0),
        ]
        if isinstance(chat_id, int) and chat_id < 0:
            checks.append(("per_group", to_chat, limits.per_group_per_minute, 60.0))
        for rule, times, allowed, window in checks:
            if len(times) >= allowed:
                retry_after = max(1, math.ceil(window - (at - times[0])))
                self.violations.append(
                    {"rule": rule, "chat_id": chat_id, "at": at, "retry_after": retry_after}
                )
                raise too_many_requests(retry_after)
        recent.append((at, chat_id))

    def _message(self, chat_id: int | str, message_id: int, text: str, markup: Any) -> Json:
        bot = {key: self.me[key] for key in ("id", "is_bot", "first_name", "username")}
        message = {"message_id": message_id, "from": bot, "date": int(time.time()), "text": text}
        message["chat"] = _chat(chat_id)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message


async def _read_params(request: Request) -> Json:
    """The call's parameters from the query, a form, multipart or JSON body, decoded."""
    fields: Json = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body.strip():
        fields.update(_json_object(body))
    elif kind == "multipart/form-data":
        fields.update(_multipart_fields(body, content_type))
    elif body:
        fields.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return {name: _decode(name, value) for name, value in fields.items()}


def _json_object(body: bytes) -> Json:
    try:
        decoded = json.loads(body)
    except ValueError as exc:
        raise bad_request("can't parse JSON request body") from exc
    if not isinstance(decoded, dict):
        raise bad_request("can't parse JSON request body")
    return decoded


def _multipart_fields(body: bytes, content_type: str) -> dict[str, str]:
    # The stdlib email parser reads multipart/form-data well enough; uploaded files are
    # recorded by name only.
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        fields[name] = f"<file {filename}>" if filename else raw.decode("utf-8", "replace")
    return fields


def _decode(name: str, value: Any) -> Any:
    """A form value as Telegram reads it: JSON for nested fields, ints for ids (not text)."""
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(f"can't parse {name} JSON object") from exc
    if name in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if name in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def _required(params: Json, name: str, detail: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise bad_request(detail)
    return value


def _checked_text(params: Json) -> str:
    """The text Telegram would show, after the checks it makes on `text` and `parse_mode`."""
    text, parse_mode = params.get("text"), str(params.get("parse_mode") or "").lower()
    if not isinstance(text, str):
        raise bad_request("message text is empty")
    if parse_mode not in ("", "html", "markdown", "markdownv2"):
        raise bad_request("unsupported parse_mode")
    # HTML and legacy Markdown are taken as they are; Linli sends MarkdownV2 or plain text.
    shown = markdown_v2_plain(text) if parse_mode == "markdownv2" else text
    if not shown.strip():
        raise bad_request("message text is empty")
    if len(shown) > MAX_TEXT:
        raise bad_request("message is too long")
    return shown


def _checked_markup(params: Json) -> Any:
    markup = params.get("reply_markup")
    if markup is not None and not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if len(str(button.get("callback_data", "")).encode()) > MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def markdown_v2_plain(text: str) -> str:
    """The text Telegram shows for MarkdownV2 `text`; raises BotAPIError(400) where it would.

    Knows escapes, the bold/italic/underline/strike/spoiler markers, `code`, ```pre```,
    [links](url) and `>` quotes at a line start: enough to catch an unescaped reserved character
    or an unclosed entity, not a full parser (nesting rules are not checked).
    """
    shown: list[str] = []
    opened: dict[str, int] = {}  # marker → where it opened
    link_at: int | None = None
    i = 0
    while i < len(text):
        char, marker = text[i], next((m for m in _MARKERS if text.startswith(m, i)), None)
        if char == "\\":
            shown.append(text[i + 1 : i + 2])
            i += 2
        elif char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = _closing(text, i + len(fence), fence, "Pre" if fence == "```" else "Code", i)
            shown.append(re.sub(r"\\(.)", r"\1", text[i + len(fence) : end], flags=re.DOTALL))
            i = end + len(fence)
        elif marker is not None:
            if opened.pop(marker, None) is None:
                opened[marker] = i
            i += len(marker)
        elif char == "[" and link_at is None:
            link_at, i = i, i + 1
        elif char == "]" and link_at is not None and text.startswith("(", i + 1):
            i = _closing(text, i + 2, ")", "TextUrl", link_at) + 1
            link_at = None
        elif char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
        elif char in _RESERVED:
            raise _entity_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            shown.append(char)
            i += 1
    if link_at is not None:
        opened["["] = link_at
    if opened:
        marker, at = min(opened.items(), key=lambda item: item[1])
        entity = _MARKERS.get(marker, "TextUrl")
        raise _entity_error(f"Can't find end of {entity} entity at byte offset {_bytes(text, at)}")
    return "".join(shown)


def _closing(text: str, start: int, end: str, entity: str, opened_at: int) -> int:
    """Where the unescaped `end` of an entity opened at `opened_at` is."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(end, i):
            return i
        else:
            i += 1
    raise _entity_error(
        f"Can't find end of {entity} entity at byte offset {_bytes(text, opened_at)}"
    )


def _bytes(text: str, index: int) -> int:
    return len(text[:index].encode())


def _entity_error(detail: str) -> BotAPIError:
    return bad_request(f"can't parse entities: {detail}")


# --- updates as Telegram sends them, for getUpdates and for posting to a webhook ---


def _chat(chat_id: int | str, first_name: str = "测试") -> Json:
    if isinstance(chat_id, str):  # "@channelusername"
        return {"id": -1001, "type": "channel", "username": chat_id.lstrip("@")}
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "测试小区群"}


def _user(chat_id: int, user_id: int | None, first_name: str = "测试") -> Json:
    sender = user_id if user_id is not None else (chat_id if chat_id > 0 else GROUP_MEMBER_ID)
    return {"id": sender, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}


def text_update(
    update_id: int,
    chat_id: int,
    text: str,
    user_id: int | None = None,
    first_name: str = "测试",
    reply_to: int | None = None,
) -> Json:
    """A text message update; the message_id is the update_id. `@username`s get the mention
    entities Telegram adds; `reply_to` makes it a reply to the bot's message of that id."""
    message: Json = {
        "message_id": update_id,
        "from": _user(chat_id, user_id, first_name),
        "chat": _chat(chat_id, first_name),
        "date": int(time.time()),
        "text": text,
    }
    mentions = [_entity(text, "mention", m.start(), m.end()) for m in _MENTION.finditer(text)]
    if mentions:
        message["entities"] = mentions
    if reply_to is not None:
        bot = {"id": 123, "is_bot": True, "first_name": BOT_NAME, "username": BOT_USERNAME}
        message["reply_to_message"] = {
            "message_id": reply_to, "from": bot, "chat": message["chat"],
            "date": message["date"], "text": "（机器人的消息）",
        }  # fmt: skip
    return {"update_id": update_id, "message": message}


def photo_update(update_id: int, chat_id: int, file_id: str, caption: str | None = None) -> Json:
    """A picture as Telegram sends it: several sizes, the largest last, each with its ids."""
    sizes = [
        {"file_id": f"{file_id}-{side}", "file_unique_id": f"u-{file_id}-{side}",
         "width": side, "height": side * 3 // 4, "file_size": side * 90}
        for side in (90, 320, 1280)
    ]  # fmt: skip
    message: Json = {
        "message_id": update_id, "from": _user(chat_id, None, "测试"),
        "chat": _chat(chat_id, "测试"), "date": int(time.time()), "photo": sizes,
    }  # fmt: skip
    if caption:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


def location_update(
    update_id: int, chat_id: int, latitude: float, longitude: float, venue: str | None = None
) -> Json:
    """A shared location; with `venue`, a place picked from the map (title and address)."""
    point = {"latitude": latitude, "longitude": longitude}
    message: Json = {
        "message_id": update_id, "from": _user(chat_id, None, "测试"),
        "chat": _chat(chat_id, "测试"), "date": int(time.time()), "location": point,
    }  # fmt: skip
    if venue:
        message["venue"] = {"location": point, "title": venue, "address": ""}
    return {"update_id": update_id, "message": message}


def _entity(text: str, kind: str, start: int, end: int) -> Json:
    """An entity over text[start:end]; Telegram counts offsets in UTF-16 code units."""
    offset = len(text[:start].encode("utf-16-le")) // 2
    length = len(text[start:end].encode("utf-16-le")) // 2
    return {"type": kind, "offset": offset, "length": length}


def command_update(
    update_id: int,
    chat_id: int,
    command: str,
    payload: str | None = None,
    user_id: int | None = None,
) -> Json:
    """`/command payload` with the bot_command entity Telegram adds (CommandHandler needs it)."""
    head = "/" + command.lstrip("/")
    update = text_update(update_id, chat_id, f"{head} {payload}" if payload else head, user_id)
    update["message"]["entities"] = [_entity(head, "bot_command", 0, len(head))]
    return update


def callback_update(
    update_id: int, chat_id: int, data: str, message_id: int = 1, user_id: int | None = None
) -> Json:
    """A tap on an inline keyboard button of the bot's message `message_id`."""
    bot = {"id": 123, "is_bot": True, "first_name": BOT_NAME, "username": BOT_USERNAME}
    message = {
        "message_id": message_id,
        "from": bot,
        "chat": _chat(chat_id),
        "date": int(time.time()),
        "text": "请选择",
    }
    query = {
        "id": f"cb{update_id}",
        "from": _user(chat_id, user_id),
        "chat_instance": f"ci{chat_id}",
        "message": message,
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}
