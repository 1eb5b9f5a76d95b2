"""Telegram under attack or bad luck: groups are many people and hear nothing personal, a 429 on
a reply is queued, a re-delivered update is answered once, hostile bodies never give a 500."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.activities import service as activities
from bot.activities.models import Registration
from bot.activities.service import ActivityInput
from bot.channels.telegram import TelegramSender
from bot.clock import utcnow
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import ChannelIdentity, ProcessedMessage, User
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Reply
from scheduler.delivery import Delivery
from tests.e2e.test_telegram import SECRET, Rig, rig, text  # noqa: F401 - fixture
from tests.fakes.telegram_api import BOT_USERNAME, callback_update, command_update, text_update

GROUP = -1001234567890  # a supergroup
Json = dict[str, Any]


def _activity(rig: Rig, title: str) -> int:  # noqa: F811
    start = utcnow() + dt.timedelta(days=3)
    with session_scope(rig.app.engine) as session:
        data = ActivityInput(
            title=title, starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="社工室", capacity=5,
        )  # fmt: skip
        return activities.create_activity(session, data, utcnow(), []).id or 0


def _post(rig: Rig, update: Json) -> list[Json]:  # noqa: F811
    """Post one update; the messages the bot sent while answering it."""
    before = len(rig.api.sent)
    assert rig.post(update).status_code == 200
    return rig.api.sent[before:]


def _in_group(rig: Rig, user: int, said: str, reply_to: int | None = None) -> list[Json]:  # noqa: F811
    rig.next_id += 1
    if said.startswith("/"):
        command, _, payload = said[1:].partition(" ")
        update = command_update(rig.next_id, GROUP, command, payload or None, user_id=user)
    else:
        update = text_update(rig.next_id, GROUP, said, user_id=user, reply_to=reply_to)
    return _post(rig, update)


def _count(rig: Rig, table: type[Any]) -> int:  # noqa: F811
    with Session(rig.app.engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


# --- Finding 6: a group is many people, and hears nothing personal ---


def test_group_members_are_not_one_user_and_hear_nothing_personal(rig: Rig) -> None:  # noqa: F811
    number = _activity(rig, "云朵灯手工")
    heard = _in_group(rig, 201, f"@{BOT_USERNAME} 报名 {number}")
    heard += _in_group(rig, 201, "确认", reply_to=1)  # a reply to the bot's message
    heard += _in_group(rig, 202, f"/cancel@{BOT_USERNAME}")
    heard += _in_group(rig, 202, f"@{BOT_USERNAME} 我的报名")
    heard += _in_group(rig, 202, f"/start@{BOT_USERNAME} invite_ABC")
    heard += _in_group(rig, 202, f"{BOT_USERNAME} 不算，@{BOT_USERNAME} 绑定")
    heard += _in_group(rig, 203, "/help")  # a command naming no bot is for every bot
    assert len(heard) == 7
    for message in heard:
        assert message["chat_id"] == GROUP
        assert "私聊" in str(message["text"])
        assert f"t.me/{BOT_USERNAME}" in str(message["text"])
        assert "云朵灯" not in str(message["text"])
    assert _count(rig, Registration) == 0  # nothing was done in anyone's name
    assert _count(rig, ChannelIdentity) == 0  # neither the group nor its members became users


def test_group_messages_not_for_the_bot_get_no_answer(rig: Rig) -> None:  # noqa: F811
    assert _in_group(rig, 201, "你好") == []
    assert _in_group(rig, 201, "/start@some_other_bot") == []
    assert _in_group(rig, 201, "@someone_else 报名 1") == []
    assert _count(rig, ProcessedMessage) == 0


def test_a_tap_in_a_group_is_answered_privately_to_the_tapper(rig: Rig) -> None:  # noqa: F811
    rig.next_id += 1
    assert _post(rig, callback_update(rig.next_id, GROUP, "1", user_id=202)) == []
    [answer] = rig.api.answered_callbacks
    assert "私聊" in str(answer["text"])
    assert _count(rig, ChannelIdentity) == 0


def test_private_identity_is_the_sender_and_old_identities_still_work(rig: Rig) -> None:  # noqa: F811
    number = _activity(rig, "普法小课堂")
    rig.say(77, f"报名 {number}")  # a private chat: its id is the person's id
    assert "报名成功" in text(rig.say(77, "确认"))
    assert "普法小课堂" in text(rig.say(77, "我的报名"))
    with Session(rig.app.engine) as session:
        assert session.exec(select(ChannelIdentity.external_id)).all() == ["77"]


def test_notices_never_go_to_a_group_and_strangers_are_recorded(rig: Rig) -> None:  # noqa: F811
    notifier = Notifier(rig.app.settings.zone, utcnow)
    with session_scope(rig.app.engine) as session:
        # a group became a "user" before identities were per sender
        for who in (str(GROUP), "301"):
            user = resolve_user(session, "telegram", who, utcnow())
            notice = [Reply("您报名的活动改期了")]
            notifier.send(session, user.id or 0, "notice", f"n:{who}", notice)
    rig.api.strangers.add(301)  # wrote only in a group, never started the bot privately
    delivery = Delivery(
        rig.app.engine, {"telegram": TelegramSender(rig.app.settings.telegram)},
        rig.app.settings.delivery, utcnow,
    )  # fmt: skip
    delivery.run_once(utcnow() + dt.timedelta(seconds=1))
    assert rig.api.sent == []
    with Session(rig.app.engine) as session:
        rows = session.exec(select(Outbox).order_by(Outbox.id)).all()  # type: ignore[arg-type]
    assert [row.status for row in rows] == ["undeliverable", "undeliverable"]
    assert "group" in str(rows[0].last_error)
    assert "private chat" in str(rows[1].last_error)


# --- Finding 10: a 429 on a reply is queued once; a re-delivered update is answered once ---


def test_a_reply_refused_with_429_is_queued_once_and_delivered_after_the_wait(
    rig: Rig,  # noqa: F811
) -> None:
    rig.api.rate_limit(retry_after=3, times=1)
    update = text_update(500, 42, "低保怎么申请")
    before = utcnow()
    assert _post(rig, update) == []  # refused: 429
    assert _post(rig, update) == []  # Telegram re-delivers it: nothing sent, nothing queued
    with Session(rig.app.engine) as session:
        [row] = session.exec(select(Outbox)).all()
    assert row.kind == "late_reply"
    assert row.next_attempt_at >= before + dt.timedelta(seconds=3)
    delivery = Delivery(
        rig.app.engine, {"telegram": TelegramSender(rig.app.settings.telegram)},
        rig.app.settings.delivery, utcnow,
    )  # fmt: skip
    assert delivery.run_once(utcnow()) == 0  # not before the wait Telegram asked for
    assert delivery.run_once(utcnow() + dt.timedelta(seconds=4)) == 1
    [sent] = rig.api.sent
    assert sent["chat_id"] == 42
    assert "低保" in str(sent["text"])
    assert delivery.run_once(utcnow() + dt.timedelta(seconds=60)) == 0


def test_a_reply_partly_sent_before_429_queues_only_the_rest(rig: Rig) -> None:  # noqa: F811
    notifier = Notifier(rig.app.settings.zone, utcnow)
    with session_scope(rig.app.engine) as session:  # a notice that could not be pushed...
        user = resolve_user(session, "telegram", "43", utcnow())
        notifier.send(session, user.id or 0, "notice", "missed", [Reply("明天停水")])
        session.exec(select(Outbox)).one().status = "undeliverable"
    rig.api.enforce_limits(per_chat_per_second=1, overall_per_second=30)
    # ...makes the answer two messages: the second one, right after the first, gets a 429
    [answer] = _post(rig, text_update(601, 43, "低保怎么申请"))
    assert "低保" in str(answer["text"])
    with Session(rig.app.engine) as session:
        [row] = session.exec(select(Outbox).where(Outbox.kind == "late_reply")).all()
    queued = "\n".join(str(r["text"]) for r in row.payload["replies"])
    assert "未读通知" in queued
    assert "低保" not in queued  # what went out is not queued again
    assert "\\" not in queued  # plain text: the sender escapes it


@pytest.mark.parametrize(
    "update",
    [
        text_update(700, 44, "低保怎么申请"),
        command_update(701, 44, "start"),
        command_update(702, 44, "help"),
        callback_update(703, 44, "1"),
    ],
    ids=["text", "start", "help", "tap"],
)
def test_a_redelivered_update_is_answered_once(rig: Rig, update: Json) -> None:  # noqa: F811
    first = _post(rig, update)
    assert first
    assert _post(rig, update) == []
    assert _post(rig, update) == []


# --- Finding 9: hostile bodies get a 4xx (or a quiet 200), never a 500 ---


def _nested_replies(depth: int) -> Json:
    message: Json = {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}}
    update: Json = {"update_id": 9, "message": {**message, "text": "你好"}}
    inner = update["message"]
    for _ in range(depth):
        inner["reply_to_message"] = dict(message)
        inner = inner["reply_to_message"]
    return update


def _message(**fields: Any) -> Json:
    base = {
        "message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "你好",
        "from": {"id": 5, "is_bot": False, "first_name": "测试"},
    }  # fmt: skip
    return {"update_id": 9, "message": {**base, **fields}}


REFUSED = {
    "deep json": b"[" * 100_000 + b"]" * 100_000,
    "deep object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "deep update": json.dumps(_nested_replies(900)).encode(),
    "a list": b"[1, 2]",
    "a string": b'"update"',
    "null": b"null",
    "not utf-8": b'{"update_id": 1, "message": "\xff\xfe"}',
    "a 5000-digit number": b'{"update_id": ' + b"9" * 5000 + b"}",
    "update_id text": b'{"update_id": "abc"}',
    "update_id huge": b'{"update_id": 99999999999999999999999999}',
    "message a string": b'{"update_id": 1, "message": "hello"}',
    "message a list": b'{"update_id": 1, "message": [1]}',
    "chat a string": json.dumps(_message(chat="x")).encode(),
    "no date": b'{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5}}}',
    "date out of range": json.dumps(_message(date=10**30)).encode(),
    "from a number": json.dumps(_message(**{"from": 5})).encode(),
    "entity without offset": json.dumps(_message(entities=[{"type": "bot_command"}])).encode(),
    "callback a string": b'{"update_id": 1, "callback_query": "tap"}',
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_hostile_bodies_are_refused_with_a_warning(
    rig: Rig,  # noqa: F811
    body: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.channels.web")
    response = rig.http.post(
        rig.url, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 400
    assert any("telegram update refused" in r.getMessage() for r in caplog.records)
    _assert_nothing_happened(rig)
    assert rig.say(42, "你好")  # and the bot still works


def _without(key: str) -> Json:
    update = _message()
    del update["message"][key]
    return update


QUIET = {
    "no from": _without("from"),
    "no text (a sticker)": _without("text"),
    "an unknown update type": {"update_id": 9, "some_future_update": {"x": 1}},
    "a channel post": {
        "update_id": 9,
        "channel_post": _message(chat={"id": -1009, "type": "channel", "title": "公告"})["message"],
    },
    "an edited message": {"update_id": 9, "edited_message": _message(edit_date=2)["message"]},
}


@pytest.mark.parametrize("update", QUIET.values(), ids=QUIET.keys())
def test_odd_but_valid_updates_are_taken_quietly(rig: Rig, update: Json) -> None:  # noqa: F811
    assert rig.post(update).status_code == 200
    _assert_nothing_happened(rig)


def test_a_huge_body_is_refused_before_it_is_read(rig: Rig) -> None:  # noqa: F811
    huge = json.dumps(text_update(9, 42, "长" * 2_000_000)).encode()
    response = rig.http.post(
        rig.url, content=huge, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 413
    _assert_nothing_happened(rig)


def _assert_nothing_happened(rig: Rig) -> None:  # noqa: F811
    assert rig.api.sent == []
    for table in (ProcessedMessage, ChannelIdentity, User):
        assert _count(rig, table) == 0, table.__name__
