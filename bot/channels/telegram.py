"""The Telegram channel on python-telegram-bot: updates (webhook or polling) go through the
same dispatcher; numbered choices become inline buttons; long answers are split; MarkdownV2
is escaped. Outbound notices go through `TelegramSender` within Telegram's limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
import warnings
from collections.abc import Coroutine, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
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

from bot.config import TelegramSettings
from bot.dispatcher import Dispatcher
from bot.errors import ChannelError, Undeliverable
from bot.models import ChannelIdentity
from bot.types import Incoming, Outcome, Reply

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
_LIMIT = 4000  # Telegram allows 4096 characters; escaping adds a few


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
        app = self.application
        app.add_handler(CommandHandler("start", self._on_start))
        app.add_handler(CommandHandler("help", self._on_command("帮助")))
        app.add_handler(CommandHandler("cancel", self._on_command("算了")))
        app.add_handler(CallbackQueryHandler(self._on_tap))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._on_text))

    async def process(self, data: dict[str, Any]) -> None:
        """Handle one webhook update (raises ValueError when it is not an update)."""
        await self._ensure_started()
        update = Update.de_json(data, self.application.bot)
        if update is None or update.update_id is None:
            raise ValueError("not a Telegram update")
        await self.application.process_update(update)

    async def _ensure_started(self) -> None:
        async with self._ready:
            if not self._started:
                await self.application.initialize()
                self._started = True

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        await self._handle(update.effective_chat.id, message.text or "", f"u{update.update_id}")

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        payload = context.args[0] if context.args else None
        incoming = Incoming(
            CHANNEL, str(update.effective_chat.id), "", kind="event:subscribe",
            event_key=payload, msg_id=f"u{update.update_id}",
        )  # fmt: skip
        await self.render(update.effective_chat.id, await self._dispatch(incoming))

    def _on_command(self, text: str) -> Any:
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            if update.effective_chat is not None:
                await self._handle(update.effective_chat.id, text, f"u{update.update_id}")

        return handler

    async def _on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or update.effective_chat is None:
            return
        await query.answer()
        await self._handle(update.effective_chat.id, query.data or "", f"u{update.update_id}")

    async def _handle(self, chat_id: int, text: str, msg_id: str) -> None:
        incoming = Incoming(CHANNEL, str(chat_id), text, msg_id=msg_id)
        await self.render(chat_id, await self._dispatch(incoming))

    async def _dispatch(self, incoming: Incoming) -> Outcome:
        return await asyncio.to_thread(self.dispatcher.handle, incoming)

    async def render(self, chat_id: int, outcome: Outcome) -> None:
        """Send the replies: text split under the limit, options as buttons on the last part."""
        for reply in outcome.replies:
            parts = split(escape_markdown(_body(reply), version=2))
            for n, part in enumerate(parts, 1):
                markup = keyboard(reply) if n == len(parts) else None
                await self.application.bot.send_message(
                    chat_id, part, parse_mode=ParseMode.MARKDOWN_V2, reply_markup=markup
                )


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

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        """Send to one chat, waiting for its per-chat slot."""
        chat = identity.external_id
        wait = self._last.get(chat, 0.0) + self.settings.per_chat_seconds - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            if not self._ready:
                self._run(self.bot.initialize())
                self._ready = True
            for part in split(escape_markdown("\n\n".join(texts), version=2)):
                self._run(self.bot.send_message(int(chat), part, parse_mode=ParseMode.MARKDOWN_V2))
        except RetryAfter as exc:
            raise ChannelError("telegram asked us to slow down", _wait_of(exc)) from exc
        except Forbidden as exc:
            raise Undeliverable("the resident blocked the bot") from exc
        except BadRequest as exc:
            raise Undeliverable(f"telegram refused the message: {exc.message}") from exc
        except (TimedOut, NetworkError) as exc:
            raise ChannelError(f"telegram unreachable ({exc.__class__.__name__})") from exc
        finally:
            self._last[chat] = time.monotonic()
        return self.channel

    def _run(self, call: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(call, self._loop).result(timeout=60)


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
