"""A resident tries every staff command of every intent: each is refused politely, logged,
and changes nothing (the intents list their staff commands in `staff_examples`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, select

from bot.activities import service as activities
from bot.activities.service import ActivityInput
from bot.announcements import service as announcements
from bot.announcements.service import Draft, Target
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.people.models import AuditEntry
from bot.shifts.models import ShiftAssignment
from bot.types import Incoming
from intents.guard import REFUSAL
from tests.bot.shifts.test_service import make_shift, person
from tests.conftest import NOW

# what handling a message may touch: who wrote and when, the message itself, and the audit
# log's row of the refused attempt (checked on its own below)
_BOOKKEEPING = {"processedmessage", "channelidentity", "user", "auditentry"}


def staff_commands(app: App) -> list[str]:
    return [c for intent in app.dispatcher.intents for c in intent.staff_examples]


def something_to_act_on(app: App) -> None:
    """An activity, a shift with a volunteer, a scheduled announcement: each number 1."""
    start = NOW + dt.timedelta(days=2)
    shift = make_shift(app.engine)
    helper = person(app.engine, "helper")
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="普法小课堂", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="广场", capacity=10,
        )  # fmt: skip
        activities.create_activity(session, data, NOW, [])
        session.add(ShiftAssignment(
            shift_id=shift, user_id=helper, status="signed", created_at=NOW, updated_at=NOW
        ))  # fmt: skip
        draft = Draft("停水通知", Target(communities=("suzhe",)), start)
        announcements.create(session, draft, None, NOW, app.settings.announcements)


def snapshot(app: App) -> dict[str, list[Any]]:
    with Session(app.engine) as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table)).all()]
            for table in SQLModel.metadata.sorted_tables
            if table.name not in _BOOKKEEPING
        }


def test_every_intent_lists_its_staff_commands(app: App) -> None:
    commands = staff_commands(app)
    for expected in ("发公告", "取消公告1", "邀请志愿者", "批准工时 1", "取消活动1"):
        assert expected in commands
    assert len(commands) >= 14


def test_a_resident_cannot_run_any_staff_command(
    app: App, text: Callable[..., Incoming], caplog: pytest.LogCaptureFixture
) -> None:
    something_to_act_on(app)
    with session_scope(app.engine) as session:
        resolve_user(session, "console", "ann", NOW)
    before = snapshot(app)
    for command in staff_commands(app):
        caplog.clear()
        outcome = app.dispatcher.handle(text(command, user="ann"))
        assert (outcome.intent, outcome.text) == ("staff_refused", REFUSAL), command
        assert any("not staff" in r.getMessage() for r in caplog.records), command
        assert snapshot(app) == before, command
    with Session(app.engine) as session:
        refused = session.exec(select(AuditEntry).where(AuditEntry.via == "chat")).all()
    assert len(refused) == len(staff_commands(app))
    assert all(row.action.endswith(":refused") for row in refused)
