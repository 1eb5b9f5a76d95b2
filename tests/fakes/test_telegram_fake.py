"""The Telegram fake itself: python-telegram-bot v22 talks to it as to the real Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram_api import (
    BotAPIError,
    FakeBotAPI,
    callback_update,
    command_update,
    local_request,
    markdown_v2_plain,
    text_update,
)

TOKEN = "123:ABC"
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on int periods (RetryAfter.retry_after) unless told to give timedeltas."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(token=TOKEN) as fake:
        yield fake


def with_bot(api: FakeBotAPI, action: Callable[[Bot], Awaitable[T]], token: str = TOKEN) -> T:
    """Run `action` with an initialized Bot pointed at the fake."""

    async def main() -> T:
        bot = Bot(
            token,
            base_url=api.base_url,
            base_file_url=api.file_url,
            request=local_request(),
            get_updates_request=local_request(),
        )
        async with bot:  # initialize() calls getMe
            return await action(bot)

    return asyncio.run(main())


def test_bot_gets_me_and_sends_a_message(api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("报名", callback_data="signup:3")]])
    before = time.monotonic()

    async def act(bot: Bot) -> tuple[str, int, str]:
        message = await bot.send_message(42, "你好，邻居", reply_markup=keyboard)
        return bot.username, message.chat_id, message.text or ""

    assert with_bot(api, act) == ("linli_test_bot", 42, "你好，邻居")
    [sent] = api.sent
    assert sent["chat_id"] == 42
    assert sent["text"] == "你好，邻居"
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "报名", "callback_data": "signup:3"}]]
    }
    assert before <= sent["at"] <= time.monotonic()
    assert [(call.method, call.status) for call in api.calls] == [
        ("getMe", 200),
        ("sendMessage", 200),
    ]


def test_rate_limit_raises_retry_after_with_the_delay(api: FakeBotAPI) -> None:
    api.rate_limit(retry_after=2, times=1)

    async def act(bot: Bot) -> RetryAfter:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "停水通知")
        await bot.send_message(42, "停水通知")  # the fault is spent
        return caught.value

    assert with_bot(api, act).retry_after == dt.timedelta(seconds=2)
    assert [call.status for call in api.calls] == [200, 429, 200]
    assert len(api.sent) == 1


def test_blocked_chat_raises_forbidden(api: FakeBotAPI) -> None:
    api.blocked.add(42)

    async def act(bot: Bot) -> None:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(42, "停电通知")

    with_bot(api, act)
    assert api.sent == []


def test_strict_mode_records_two_messages_to_one_chat_within_a_second(api: FakeBotAPI) -> None:
    api.enforce_limits(per_chat_per_second=1, overall_per_second=30)

    async def act(bot: Bot) -> RetryAfter:
        await bot.send_message(42, "第一条")
        await bot.send_message(43, "另一位邻居")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "第二条")
        return caught.value

    assert with_bot(api, act).retry_after == dt.timedelta(seconds=1)
    [violation] = api.violations
    assert (violation["rule"], violation["chat_id"]) == ("per_chat", 42)
    assert [sent["text"] for sent in api.sent] == ["第一条", "另一位邻居"]


def test_get_updates_delivers_pushed_updates_and_honours_offset(api: FakeBotAPI) -> None:
    api.push_update(text_update(7, 42, "停水了吗"))
    api.push_update(command_update(8, 42, "start", "ref"))

    async def act(bot: Bot) -> tuple[tuple[Update, ...], tuple[Update, ...], float]:
        first = await bot.get_updates(offset=0, timeout=5)
        started = time.monotonic()
        later = await bot.get_updates(offset=first[-1].update_id + 1, timeout=5)
        return first, later, time.monotonic() - started

    first, later, waited = with_bot(api, act)
    assert [update.update_id for update in first] == [7, 8]
    messages = [update.message for update in first if update.message is not None]
    assert [message.text for message in messages] == ["停水了吗", "/start ref"]
    assert [entity.type for entity in messages[1].entities] == ["bot_command"]
    assert later == ()
    assert 0.9 <= waited < 3  # long polling is capped at long_poll_cap (1 s)


def test_get_updates_conflicts_with_a_webhook(api: FakeBotAPI) -> None:
    async def act(bot: Bot) -> None:
        await bot.set_webhook("https://linli.example/telegram", secret_token="s3cret-token")
        with pytest.raises(Conflict):
            await bot.get_updates()
        with pytest.raises(BadRequest, match="(?i)https url"):
            await bot.set_webhook("http://linli.example/telegram")
        await bot.delete_webhook()
        await bot.set_my_commands([("start", "开始"), ("help", "帮助")])

    with_bot(api, act)
    assert api.webhook is None
    assert [command["command"] for command in api.commands] == ["start", "help"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("*报名成功*：3 号活动", "报名成功：3 号活动"),
        ("时间 9\\.30，地点 `A-3`", "时间 9.30，地点 A-3"),
        ("[报名](https://linli.example/a_b)", "报名"),
        ("||剧透|| __下划线__ _斜体_ ~删除~", "剧透 下划线 斜体 删除"),
        (">引用\n正文", "引用\n正文"),
    ],
)
def test_markdown_v2_accepts_escaped_and_marked_up_text(text: str, shown: str) -> None:
    assert markdown_v2_plain(text) == shown


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("时间 9.30", "Character '.' is reserved"),
        ("价格 (免费)", "Character '(' is reserved"),
        ("*没有结尾", "Can't find end of Bold entity at byte offset 0"),
        ("代码 `没有结尾", "Can't find end of Code entity"),
        ("减 1-2", "Character '-' is reserved"),
    ],
)
def test_markdown_v2_rejects_what_telegram_rejects(text: str, reason: str) -> None:
    with pytest.raises(BotAPIError, match="can't parse entities") as caught:
        markdown_v2_plain(text)
    assert reason in caught.value.description


def test_send_message_validates_text(api: FakeBotAPI) -> None:
    async def act(bot: Bot) -> None:
        # PTB strips "Bad Request: " and capitalize()s the rest: match case-insensitively.
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(42, "9.30 开会", parse_mode=ParseMode.MARKDOWN_V2)
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(42, "长" * 4097)
        await bot.send_message(42, "长" * 4096)
        await bot.send_message(42, "9\\.30 开会", parse_mode=ParseMode.MARKDOWN_V2)

    with_bot(api, act)
    assert [sent.get("parse_mode") for sent in api.sent] == [None, "MarkdownV2"]


def test_injected_failure_raises_network_error(api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", status=502, times=1)

    async def act(bot: Bot) -> None:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(42, "你好")
        await bot.send_message(42, "你好")

    with_bot(api, act)
    assert [call.status for call in api.calls] == [200, 502, 200]


def test_wrong_token_is_rejected(api: FakeBotAPI) -> None:
    async def act(bot: Bot) -> None:
        raise AssertionError("initialize() should have failed")

    with pytest.raises(InvalidToken):
        with_bot(api, act, token="999:WRONG")
    assert api.calls[0].status == 401


def test_raw_requests_decode_alike_in_every_encoding(api: FakeBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
    form = {"chat_id": "42", "text": "1", "reply_markup": json.dumps(markup)}
    url = f"{api.base_url}{TOKEN}/sendMessage"
    with httpx.Client(trust_env=False, timeout=5) as http:
        http.post(url, data=form)
        http.post(url, json={"chat_id": 42, "text": "1", "reply_markup": markup})
        http.post(url, data=form, files={"photo": ("a.jpg", b"\xff\xd8")})
        http.get(url, params=form)
        unknown = http.post(f"{api.base_url}{TOKEN}/sendTelepathy")
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert len(api.sent) == 4
    for sent in api.sent:
        assert (sent["chat_id"], sent["text"], sent["reply_markup"]) == (42, "1", markup)


def test_application_processes_webhook_updates_without_polling(api: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"欢迎 {' '.join(context.args or [])}")

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("好的")
        await update.callback_query.edit_message_text("已报名")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.file_url)
        .request(local_request())
        .get_updates_request(local_request())
        .updater(None)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped))

    async def main() -> None:
        async with app:  # initialize() → getMe; no start(), no polling
            for raw in (command_update(1, 42, "start", "a1"), callback_update(2, 42, "go:3")):
                await app.process_update(Update.de_json(raw, app.bot))

    asyncio.run(main())
    assert [sent["text"] for sent in api.sent] == ["欢迎 a1"]
    assert [answer["text"] for answer in api.answered_callbacks] == ["好的"]
    assert [(edit["message_id"], edit["text"]) for edit in api.edited] == [(1, "已报名")]


def test_a_person_seen_only_in_groups_cannot_be_written_to_first(api: FakeBotAPI) -> None:
    api.strangers.add(42)

    async def act(bot: Bot) -> None:
        with pytest.raises(Forbidden, match="can't initiate conversation with a user"):
            await bot.send_message(42, "活动改期了")

    with_bot(api, act)
    assert api.sent == []


def test_group_updates_carry_their_sender_mentions_and_replies() -> None:
    raw = text_update(3, -1001234, "👋 @linli_test_bot 我的报名", user_id=201, reply_to=9)
    update = Update.de_json(raw, None)
    message = update.message
    assert message is not None
    assert message.from_user is not None
    assert (message.chat.type, message.from_user.id) == ("supergroup", 201)
    assert list(message.parse_entities(["mention"]).values()) == ["@linli_test_bot"]
    assert message.reply_to_message is not None
    assert message.reply_to_message.from_user is not None
    assert message.reply_to_message.from_user.username == "linli_test_bot"
    command = Update.de_json(command_update(4, -1001234, "start@linli_test_bot"), None).message
    assert command is not None
    assert list(command.parse_entities(["bot_command"]).values()) == ["/start@linli_test_bot"]
