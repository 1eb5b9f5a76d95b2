"""Reminder jobs with a controlled clock: offsets, exactly once, none when cancelled, missed
when too late, moved with their activity."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.models import Activity, ReminderLog
from bot.activities.service import ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from scheduler.reminders import send_reminders
from scheduler.runtime import Runtime
from tests.conftest import NOW, Clock

START = NOW + dt.timedelta(days=2)


@pytest.fixture
def installed(app: App, clock: Clock) -> list[int]:
    """Planning requests the jobs make, recorded (not run)."""
    return []


@pytest.fixture
def rt(app: App, clock: Clock, installed: list[int]) -> Runtime:
    """What the service's executor hands a job, on the test clock."""
    notifier = Notifier(app.settings.zone, clock)
    return Runtime(app.engine, app.settings, clock, notifier, installed.append)


def make_activity(app: App, users: list[int], capacity: int = 5) -> tuple[int, list[int]]:
    """An activity two days out and confirmed registrations for `users`."""
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="义诊", starts_at=START, ends_at=START + dt.timedelta(hours=2),
            place="社区", capacity=capacity,
        )  # fmt: skip
        found = activities.create_activity(session, data, NOW, [])
        assert found.id is not None
        ids = []
        for user in users:
            registration = activities.sign_up(session, found.id, user, 1, NOW)
            ids.append(registration.id or 0)
        return found.id, ids


def users(app: App, count: int) -> list[int]:
    from bot.identity import resolve_user

    with session_scope(app.engine) as session:
        return [resolve_user(session, "console", f"u{n}", NOW).id or 0 for n in range(count)]


def reminders(app: App) -> list[Outbox]:
    with Session(app.engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == "reminder")).all())


def test_offsets_exactly_once(app: App, clock: Clock, rt: Runtime) -> None:
    activity_id, _ = make_activity(app, users(app, 1))
    clock.now = START - dt.timedelta(hours=24)
    assert send_reminders(activity_id, 1440, runtime=rt) == "queued"
    assert send_reminders(activity_id, 1440, runtime=rt) == "done"  # a second firing sends nothing
    clock.now = START - dt.timedelta(hours=2)
    assert send_reminders(activity_id, 120, runtime=rt) == "queued"
    texts = [r.payload["replies"][0]["text"] for r in reminders(app)]
    assert len(texts) == 2
    assert "明天" in texts[0]
    assert "2 小时后" in texts[1]
    assert all("义诊" in t and "社区" in t for t in texts)
    assert "前回复“取消”" in texts[0]  # a day ahead: still before the cancel deadline
    assert "回复“取消”" not in texts[1]
    assert "工作人员" in texts[1]


def test_cancelled_registration_gets_nothing(app: App, clock: Clock, rt: Runtime) -> None:
    activity_id, (first,) = make_activity(app, users(app, 1))
    with session_scope(app.engine) as session:
        registration = session.get(activities.Registration, first)
        assert registration is not None
        activities.cancel_registration(
            session,
            registration,
            NOW,
            Notifier(app.settings.zone, lambda: NOW),
            app.settings.activities,
        )
    clock.now = START - dt.timedelta(hours=24)
    assert (
        send_reminders(activity_id, 1440, runtime=rt) == "queued"
    )  # for nobody: the one was cancelled
    assert reminders(app) == []


def test_cancelled_activity_sends_nothing(app: App, clock: Clock, rt: Runtime) -> None:
    activity_id, _ = make_activity(app, users(app, 1))
    with session_scope(app.engine) as session:
        activities.cancel_activity(
            session, activity_id, NOW, Notifier(app.settings.zone, lambda: NOW)
        )
    clock.now = START - dt.timedelta(hours=2)
    assert send_reminders(activity_id, 120, runtime=rt) == "skipped"
    assert reminders(app) == []


def test_too_late_is_missed_not_sent(app: App, clock: Clock, rt: Runtime) -> None:
    activity_id, _ = make_activity(app, users(app, 1))
    clock.now = START - dt.timedelta(hours=2) + dt.timedelta(minutes=11)  # grace is 10 min
    assert send_reminders(activity_id, 120, runtime=rt) == "missed"
    assert reminders(app) == []
    with Session(app.engine) as session:
        log = session.exec(select(ReminderLog)).one()
    assert log.outcome == "missed"


def test_late_within_grace_still_goes(app: App, clock: Clock, rt: Runtime) -> None:
    activity_id, _ = make_activity(app, users(app, 1))
    clock.now = START - dt.timedelta(hours=2) + dt.timedelta(minutes=9)
    assert send_reminders(activity_id, 120, runtime=rt) == "queued"
    assert len(reminders(app)) == 1


def test_a_moved_activity_moves_its_reminder(
    app: App, clock: Clock, rt: Runtime, installed: list[int]
) -> None:
    activity_id, _ = make_activity(app, users(app, 1))
    with session_scope(app.engine) as session:
        found = session.get(Activity, activity_id)
        assert found is not None
        found.starts_at += dt.timedelta(days=1)
        found.ends_at += dt.timedelta(days=1)
        session.add(found)
    clock.now = START - dt.timedelta(hours=24)  # the old due time
    assert send_reminders(activity_id, 1440, runtime=rt) == "moved"
    assert installed == [activity_id]
    assert reminders(app) == []


def test_checked_in_attendees_are_asked_to_rate(app: App, clock: Clock) -> None:
    activity_id, (came, missed) = make_activity(app, users(app, 2))
    with session_scope(app.engine) as session:
        code = session.get(Activity, activity_id).checkin_code  # type: ignore[union-attr]
        registration = session.get(activities.Registration, came)
        assert registration is not None
        activities.check_in(session, registration.user_id, code, START)
    with session_scope(app.engine) as session:
        closed = activities.close_finished(
            session, START + dt.timedelta(hours=4), Notifier(app.settings.zone, lambda: NOW)
        )
    assert closed == 1
    with Session(app.engine) as session:
        statuses = {r.id: r.status for r in session.exec(select(activities.Registration)).all()}
        asked = session.exec(select(Outbox).where(Outbox.kind == "rating_request")).all()
    assert statuses == {came: "attended", missed: "no_show"}
    assert len(asked) == 1


def test_lateness_and_outcomes_are_counted(app: App, clock: Clock, rt: Runtime) -> None:
    activity_id, _ = make_activity(app, users(app, 3))
    clock.now = START - dt.timedelta(hours=24) + dt.timedelta(seconds=7)
    assert send_reminders(activity_id, 1440, runtime=rt) == "queued"
    clock.now = START  # two hours late: beyond the grace
    assert send_reminders(activity_id, 120, runtime=rt) == "missed"
    registry = rt.metrics.registry
    assert registry.get_sample_value("linli_reminders_total", {"outcome": "queued"}) == 3
    assert registry.get_sample_value("linli_reminders_total", {"outcome": "missed"}) == 3
    assert registry.get_sample_value("linli_reminder_lateness_seconds_count") == 2
    seven = registry.get_sample_value("linli_reminder_lateness_seconds_bucket", {"le": "10.0"})
    assert seven == 1  # the 7 s one; the missed one is 7,200 s late
