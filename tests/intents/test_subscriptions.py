"""退订 / 订阅 / 通知设置: which announcements a resident is queued."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.announcements import delivery
from bot.announcements import service as announcements
from bot.announcements.delivery import start_due
from bot.announcements.models import NoticeOptOut
from bot.announcements.service import Draft, Target
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import Conversation
from bot.outbox.models import Outbox
from bot.types import Incoming
from intents.subscriptions import STOPPED
from tests.conftest import NOW, Clock

Say = Callable[..., str]


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(line: str, user: str = "ann") -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    return send


@pytest.fixture
def people(app: App) -> dict[str, int]:
    """ann and bob, residents of 苏辙社区."""
    ids = {}
    with session_scope(app.engine) as session:
        for name in ("ann", "bob"):
            found = resolve_user(session, "console", name, NOW)
            found.community_id = "suzhe"
            session.add(found)
            ids[name] = found.id or 0
    return ids


def reached(app: App, clock: Clock, topic: str = "general") -> set[int]:
    """Who an announcement of `topic` to 苏辙社区, sent now, is queued for."""
    with session_scope(app.engine) as session:
        draft = Draft("停水通知", Target(communities=("suzhe",)), clock.now, topic=topic)
        found = announcements.create(session, draft, None, clock.now, app.settings.announcements)
    start_due(app.engine, clock.now, app.settings.announcements)
    with Session(app.engine) as session:
        ref = f"announcement:{found.id}"
        return set(session.exec(select(Outbox.user_id).where(Outbox.ref == ref)).all())


def muted(app: App, user_id: int) -> set[str]:
    with Session(app.engine) as session:
        rows = session.exec(select(NoticeOptOut.topic).where(NoticeOptOut.user_id == user_id))
        return set(rows.all())


def in_flow(app: App, user_id: int) -> bool:
    with Session(app.engine) as session:
        return session.get(Conversation, user_id) is not None


def test_stop_and_resume(app: App, say: Say, people: dict[str, int], clock: Clock) -> None:
    ann, bob = people["ann"], people["bob"]
    assert say("退订") == STOPPED
    assert muted(app, ann) == {"all"}
    assert say("TD") == STOPPED  # twice is fine
    assert reached(app, clock) == {bob}
    assert reached(app, clock, "health") == {bob}

    assert "已恢复" in say("订阅")
    assert muted(app, ann) == set()
    assert reached(app, clock) == {ann, bob}


def test_one_topic_off_excludes_only_that_topic(
    app: App, say: Say, people: dict[str, int], clock: Clock
) -> None:
    ann, bob = people["ann"], people["bob"]
    menu = say("通知设置")
    assert "1. ✅ 社区公告" in menu
    assert "3. ✅ 健康服务" in menu
    assert "5. 全部关闭" in menu
    changed = say("3")
    assert "3. 🚫 健康服务" in changed
    assert "1. ✅ 社区公告" in changed
    assert "5. 全部打开" in changed
    assert muted(app, ann) == {"health"}
    assert "好的，设置已保存" in say("好了")
    assert not in_flow(app, ann)

    assert reached(app, clock, "health") == {bob}
    assert reached(app, clock, "general") == {ann, bob}
    assert reached(app, clock, "safety") == {ann, bob}


def test_toggling_twice_turns_it_back_on(app: App, say: Say, people: dict[str, int]) -> None:
    say("通知设置")
    say("2")
    assert "2. ✅ 活动预告" in say("2")
    assert muted(app, people["ann"]) == set()


def test_all_off_then_all_on(app: App, say: Say, people: dict[str, int], clock: Clock) -> None:
    say("通知设置")
    closed = say("5")
    assert "已全部关闭" in closed
    assert "1. 🚫 社区公告" in closed
    assert muted(app, people["ann"]) == {"all"}
    assert reached(app, clock) == {people["bob"]}
    assert "已全部打开" in say("5")
    assert muted(app, people["ann"]) == set()
    say("3")  # one kind off: the last line now offers to turn everything on
    assert "已全部打开" in say("5")
    assert muted(app, people["ann"]) == set()


def test_after_stopping_one_topic_can_be_turned_back_on(
    app: App, say: Say, people: dict[str, int], clock: Clock
) -> None:
    ann, bob = people["ann"], people["bob"]
    say("退订")
    menu = say("通知设置")
    assert "1. 🚫 社区公告" in menu
    assert "3. 🚫 健康服务" in menu
    changed = say("3")  # "health: on" — the rest stays off, as shown
    assert "3. ✅ 健康服务" in changed
    assert "1. 🚫 社区公告" in changed
    assert reached(app, clock, "health") == {ann, bob}
    assert reached(app, clock, "general") == {bob}


def test_a_number_outside_the_list_is_not_claimed(
    app: App, say: Say, people: dict[str, int]
) -> None:
    ann = people["ann"]
    say("通知设置")
    for number in ("9", "0"):
        outcome = app.dispatcher.handle(Incoming("console", "ann", number))
        assert outcome.intent != "subscriptions"
        assert not in_flow(app, ann)
        say("通知设置")
    assert muted(app, ann) == set()


def test_the_settings_flow_expires(
    app: App, say: Say, people: dict[str, int], clock: Clock
) -> None:
    say("通知设置")
    clock.advance(minutes=app.settings.conversation.timeout_minutes + 1)
    outcome = app.dispatcher.handle(Incoming("console", "ann", "3"))
    assert outcome.intent != "subscriptions"
    assert muted(app, people["ann"]) == set()


def test_everyone_gets_announcements_by_default(
    app: App, people: dict[str, int], clock: Clock
) -> None:
    assert clock.now == NOW
    assert reached(app, clock) == set(people.values())
    assert reached(app, clock, "safety") == set(people.values())


def test_opting_out_withdraws_what_is_still_waiting(
    app: App, say: Say, people: dict[str, int], clock: Clock
) -> None:
    assert reached(app, clock, topic="health") == {people["ann"], people["bob"]}
    reached(app, clock, topic="safety")
    say("通知设置")
    say("3")  # 健康服务 off: the queued health notice is not sent, the safety one still is
    say("好了")
    with Session(app.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.user_id == people["ann"])).all()
        statuses = sorted((row.ref or "", row.status) for row in rows)
    assert statuses == [("announcement:1", "opted_out"), ("announcement:2", "pending")]
    say("退订", user="bob")
    with Session(app.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.user_id == people["bob"])).all()
    assert {row.status for row in rows} == {"opted_out"}
    with Session(app.engine) as session:
        report = delivery.report_text(delivery.progress(session, 1))
    assert "发送前退订 2 人" in report


@pytest.mark.parametrize("said", ["别给我发消息了", "不想再收通知了", "不要再推送了"])
def test_stopping_in_ones_own_words(say: Say, said: str) -> None:
    assert say(said) == STOPPED
