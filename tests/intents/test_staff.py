"""Staff commands in chat: staff can, residents cannot (every command walked as a resident)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.models import Activity
from bot.activities.service import ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.outbox.models import Outbox
from bot.people.roles import grant
from bot.types import Incoming
from intents.guard import REFUSAL
from tests.conftest import NOW

COMMANDS = ["取消活动{n}", "活动名单{n}", "签到码{n}", "活动统计{n}"]


def make_activity(app: App) -> int:
    start = NOW + dt.timedelta(days=2)
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="普法小课堂", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="广场", capacity=10, collect=["name", "phone"],
        )  # fmt: skip
        number = activities.create_activity(session, data, NOW, []).id or 0
        resident = resolve_user(session, "console", "ann", NOW).id or 0
        activities.sign_up(session, number, resident, 1, NOW, name="王小明", phone="13812345678")
    return number


@pytest.mark.parametrize("command", COMMANDS)
def test_a_resident_cannot_run_staff_commands(
    app: App, text: Callable[..., Incoming], command: str, caplog: pytest.LogCaptureFixture
) -> None:
    number = make_activity(app)
    outcome = app.dispatcher.handle(text(command.format(n=number), user="ann"))
    assert outcome.intent == "staff_refused"
    assert outcome.text == REFUSAL
    assert "(not staff) tried a staff command of staff" in caplog.text
    with Session(app.engine) as session:
        assert session.get(Activity, number).status == "published"  # type: ignore[union-attr]


def test_staff_run_them(app: App, text: Callable[..., Incoming]) -> None:
    number = make_activity(app)
    with session_scope(app.engine) as session:
        grant(session, resolve_user(session, "console", "wang", NOW).id or 0, "staff")
    roster = app.dispatcher.handle(text(f"活动名单{number}", user="wang")).text
    assert "王*明" in roster
    assert "138****5678" in roster  # masked in chat; full numbers only in the export
    assert "13812345678" not in roster
    assert "已确认" in roster  # statuses in Chinese
    assert "confirmed" not in roster
    assert "签到" in app.dispatcher.handle(text(f"签到码{number}", user="wang")).text
    assert "名额 10" in app.dispatcher.handle(text(f"活动统计{number}", user="wang")).text
    assert "会通知 1 位" in app.dispatcher.handle(text(f"取消活动{number}", user="wang")).text
    assert "已通知 1 位" in app.dispatcher.handle(text("确认", user="wang")).text
    with Session(app.engine) as session:
        kinds = [row.kind for row in session.exec(select(Outbox)).all()]
    assert kinds == ["activity_cancelled"]


@pytest.mark.parametrize("reply", ["好的", "活动名单{n}", "算了"])
def test_cancelling_an_activity_waits_for_an_explicit_yes(
    app: App, text: Callable[..., Incoming], reply: str
) -> None:
    number = make_activity(app)
    with session_scope(app.engine) as session:
        grant(session, resolve_user(session, "console", "wang", NOW).id or 0, "staff")
    asked = app.dispatcher.handle(text(f"取消活动{number}", user="wang")).text
    assert "要取消【普法小课堂】" in asked
    assert "会通知 1 位报名的居民" in asked
    assert "回复“确认”" in asked
    answered = app.dispatcher.handle(text(reply.format(n=number), user="wang")).text
    assert "已取消" not in answered
    with Session(app.engine) as session:
        assert session.get(Activity, number).status == "published"  # type: ignore[union-attr]
        assert session.exec(select(Outbox)).all() == []
    # the offer is gone: a later "确认" cancels nothing
    assert "已取消" not in app.dispatcher.handle(text("确认", user="wang")).text
