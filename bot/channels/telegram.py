"""The Telegram channel on python-telegram-bot: updates (webhook or polling) go through the
same dispatcher; numbered choices become inline buttons; long answers are split; MarkdownV2
is escaped. Outbound notices go through `TelegramSender` within Telegram's limits.

A person is their Telegram user id (`from.id`), which is also the id of their private chat
with the bot, and only private chats reach the dispatcher. In a group or supergroup the bot
answers only what is addressed to it (a command that names no other bot, an @mention of it, a
reply to one of its messages), and always with one short note asking the person to talk to it
privately: sign-ups, names, phones, codes and lists are never shown in a group. Channel posts
and edited messages are left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import threading
import time
import warnings
from collections.abc import Coroutine, Sequence
from typing import Any

from sqlmodel import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.helpers import escape_markdown
from telegram.request import HTTPXRequest

from bot.channels.telegram_updates import addressed_to, go_private, read_update
from bot.config import TelegramSettings
from bot.db import session_scope
from bot.dispatcher import Dispatcher
from bot.errors import ChannelError, Undeliverable
from bot.identity import resolve_user
from bot.models import ChannelIdentity
from bot.outbox.models import Outbox
from bot.types import Attachment, Incoming, Outcome, Reply

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
_REFERENCE_MAX = 512  # a file_id kept for a photo, as WeChat's MediaId
_LIMIT = 4000  # Telegram allows 4096 characters; escaping adds a few
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
# one rendered message: MarkdownV2 text and the buttons it carries
Part = tuple[str, InlineKeyboardMarkup | None]


class TelegramChannel:
    """Turns Telegram updates into Incoming messages and Outcomes into Telegram messages."""

    def __init__(self, settings: TelegramSettings, dispatcher: Dispatcher, polling: bool = False):
        builder = Application.builder().token(settings.token).request(_request(settings))
        if settings.api_base:
            base = settings.api_base.rstrip("/")
            builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
        if not polling:
            builder = builder.updater(None)
        self.application = builder.build()
        self.dispatcher = dispatcher
        self._ready = asyncio.Lock()
        self._started = False
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & filters.TEXT
        app = self.application
        app.add_handler(CommandHandler("start", self._on_start, filters=private))
        app.add_handler(CommandHandler("help", self._on_command("帮助"), filters=private))
        app.add_handler(CommandHandler("cancel", self._on_command("算了"), filters=private))
        app.add_handler(CallbackQueryHandler(self._on_tap))
        app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self._on_text))
        app.add_handler(MessageHandler(private & filters.PHOTO, self._on_photo))
        app.add_handler(MessageHandler(private & filters.LOCATION, self._on_location))
        app.add_handler(MessageHandler(groups, self._on_group))

    async def process(self, data: dict[str, Any]) -> None:
        """Handle one webhook update (raises ValueError when it is not an update)."""
        await self._ensure_started()
        await self.application.process_update(read_update(data, self.application.bot))

    async def _ensure_started(self) -> None:
        async with self._ready:
            if not self._started:
                await self.application.initialize()
                self._started = True

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None:
            await self._handle(update, update.message.text or "")

    async def _on_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A picture: its largest size's file_id only (the bytes are never fetched; a file
        link would hold the bot's token), with its caption as the text."""
        message = update.message
        if message is not None and message.photo:
            largest = message.photo[-1]
            got = Attachment(media_id=largest.file_id[:_REFERENCE_MAX])
            await self._handle(update, message.caption or "", kind="image", attachment=got)

    async def _on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared point (a venue's title and address as its label)."""
        message = update.message
        if message is None or message.location is None:
            return
        where = message.location
        venue = message.venue
        label = " ".join(p for p in (venue.title, venue.address) if p) if venue else ""
        got = Attachment(latitude=where.latitude, longitude=where.longitude, label=label[:200])
        await self._handle(update, label, kind="location", attachment=got)

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = context.args[0] if context.args else None
        await self._handle(update, "", kind="event:subscribe", event_key=payload)

    def _on_command(self, text: str) -> Any:
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await self._handle(update, text)

        return handler

    async def _on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = update.effective_chat
        # a BadRequest here: the tap was answered already (a re-delivered update)
        if chat is None or chat.type != ChatType.PRIVATE:  # an old button in a group
            with contextlib.suppress(BadRequest):  # only the tapper sees this
                await query.answer(go_private(self.application.bot), show_alert=True)
            return
        with contextlib.suppress(BadRequest):
            await query.answer()
        await self._handle(update, query.data or "")

    async def _on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or not addressed_to(message, self.application.bot):
            return
        try:
            await message.reply_text(go_private(self.application.bot))
        except RetryAfter:
            logger.warning("telegram group note dropped: flood control")

    async def _handle(
        self, update: Update, text: str, kind: str = "text", event_key: str | None = None,
        attachment: Attachment | None = None,
    ) -> None:  # fmt: skip
        """Dispatch a private chat's message as its sender's and send the answer there."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return  # nobody to answer (no sender on the update)
        incoming = Incoming(
            CHANNEL, str(user.id), text, kind=kind, event_key=event_key,
            msg_id=f"u{update.update_id}", attachment=attachment,
        )  # fmt: skip
        outcome = await asyncio.to_thread(self.dispatcher.handle, incoming)
        await self.render(chat.id, outcome, incoming)

    async def render(self, chat_id: int, outcome: Outcome, incoming: Incoming) -> None:
        """Send the replies: text split under the limit, options as buttons on the last part.

        A re-delivered update's outcome was sent the first time and is not sent again. What
        Telegram refuses with a 429 goes to the outbox, due when Telegram said.
        """
        if outcome.replayed:
            logger.info("telegram update %s answered before: not sent again", incoming.msg_id)
            return
        parts = [part for reply in outcome.replies for part in _parts(reply)]
        for n, (text, markup) in enumerate(parts):
            try:
                await self.application.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.MARKDOWN_V2, reply_markup=markup
                )
            except RetryAfter as exc:
                await asyncio.to_thread(self._queue, incoming, parts[n:], _wait_of(exc))
                return

    def _queue(self, incoming: Incoming, parts: Sequence[Part], wait: float) -> None:
        """The parts Telegram refused, as one outbox row due after `wait` seconds (once)."""
        key = f"late-reply:{CHANNEL}:{incoming.msg_id}"
        with session_scope(self.dispatcher.engine) as session:
            if session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).first():
                return
            now = self.dispatcher.clock()
            user = resolve_user(session, CHANNEL, incoming.user_key, now)
            session.add(Outbox(
                user_id=user.id or 0, kind="late_reply", dedupe_key=key,
                payload={"replies": [{"text": _plain(*part)} for part in parts]},
                next_attempt_at=now + dt.timedelta(seconds=wait), created_at=now,
            ))  # fmt: skip
        logger.warning("telegram reply %s hit flood control: queued", incoming.msg_id)


def _parts(reply: Reply) -> list[Part]:
    """One reply as the messages that carry it; its buttons go on the last one."""
    texts = split(escape_markdown(_body(reply), version=2))
    return [(text, keyboard(reply) if n == len(texts) else None) for n, text in enumerate(texts, 1)]


def _plain(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """A rendered part as plain text for the outbox (its sender escapes again), buttons as
    numbered lines."""
    lines = [_ESCAPED.sub(r"\1", text)]
    if markup is not None:
        lines += [button.text for row in markup.inline_keyboard for button in row]
    return "\n".join(lines)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """One button per numbered option; tapping it sends the number."""
    if not reply.options:
        return None
    rows = [
        [InlineKeyboardButton(f"{o.number}. {o.label}"[:60], callback_data=str(o.number))]
        for o in reply.options
    ]
    return InlineKeyboardMarkup(rows)


def split(text: str, limit: int = _LIMIT) -> list[str]:
    """Parts under `limit`, cut at line ends where possible (never inside an escape)."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        while cut > 0 and text[cut - 1] == "\\":  # keep "\." together
            cut -= 1
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*parts, text] if text else parts


def _body(reply: Reply) -> str:
    return "\n".join(part for part in (reply.text, reply.note) if part)


class TelegramSender:
    """Delivers outbox messages to Telegram chats: ~30 a second overall (the delivery job's
    bucket), one a second per chat (here), Telegram's RetryAfter honoured, a blocked bot
    recorded as not deliverable."""

    channel = CHANNEL

    def __init__(self, settings: TelegramSettings):
        self.settings = settings
        self.per_second = settings.per_second
        base = (
            settings.api_base.rstrip("/") if settings.api_base else "https://api.telegram.org/bot"
        )
        self.bot = Bot(settings.token, base_url=base, request=_request(settings))
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="telegram-send", daemon=True).start()
        self._last: dict[str, float] = {}
        self._ready = False

    def prepare(self, identities: Sequence[ChannelIdentity]) -> None:
        """Nothing to read ahead: a chat's slot is kept here, in memory."""

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        """Send to one person's private chat, waiting for its per-chat slot."""
        chat = identity.external_id
        target = _private_chat(chat)
        wait = self._last.get(chat, 0.0) + self.settings.per_chat_seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            if not self._ready:
                self._run(self.bot.initialize())
                self._ready = True
            for part in split(escape_markdown("\n\n".join(texts), version=2)):
                self._run(self.bot.send_message(target, part, parse_mode=ParseMode.MARKDOWN_V2))
        except RetryAfter as exc:
            raise ChannelError("telegram asked us to slow down", _wait_of(exc)) from exc
        except Forbidden as exc:
            raise Undeliverable(_refusal(exc)) from exc
        except BadRequest as exc:
            raise Undeliverable(f"telegram refused the message: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise ChannelError(f"telegram unreachable ({exc.__class__.__name__})") from exc
        finally:
            self._last[chat] = time.monotonic()
        return self.channel

    def _run(self, call: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(call, self._loop).result(timeout=60)


def _private_chat(external_id: str) -> int:
    """The person's private chat (their user id). Before identities were per sender a group
    could be a "user" (a negative id; a channel is "@name"): notices never go there."""
    if not (external_id.isascii() and external_id.isdigit()):
        raise Undeliverable("a group or channel chat, not a person: notices go to private chats")
    return int(external_id)


def _refusal(exc: Forbidden) -> str:
    """Why Telegram will not let us write to this person, for the outbox record."""
    if "initiate conversation" in exc.message.lower():
        return "the person never opened a private chat with the bot (seen only in a group)"
    if "blocked" in exc.message.lower():
        return "the resident blocked the bot"
    return f"telegram refused the message: {exc.message}"


def _request(settings: TelegramSettings) -> HTTPXRequest:
    """HTTP for PTB: an explicit proxy if configured, never one picked up from the environment."""
    return HTTPXRequest(proxy=settings.proxy or None, httpx_kwargs={"trust_env": False})


def _wait_of(exc: RetryAfter) -> float:
    """RetryAfter's delay in seconds (an int today, a timedelta in PTB's next major version)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: int | float | dt.timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def poll(settings: TelegramSettings, dispatcher: Dispatcher, stop: threading.Event) -> None:
    """Polling mode (no public URL needed): run until `stop` is set. Blocks; run in a thread."""

    async def main() -> None:
        channel = TelegramChannel(settings, dispatcher, polling=True)
        app = channel.application
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling()
        await app.start()
        await asyncio.to_thread(stop.wait)  # the serve process says when to stop
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    asyncio.run(main())
