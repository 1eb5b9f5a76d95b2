"""Scheduled shift work with a controlled clock: reminders exactly once (also after a restart),
none when cancelled or too late, coordinator alerts, no-shows, the morning digest once a day."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from bot.app import App
from bot.db import session_scope
from bot.models import Conversation
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.shifts import plan as shift_plan
from bot.shifts import service as shifts
from bot.shifts.models import Shift
from scheduler import shifts as scheduled
from tests.bot.shifts.test_service import COMMUNITY, NOW, START, make_shift, person, sign, status_of

_DIGEST = scheduled.DigestDay()  # this test process's note, as a service would hold it


def run(app: App, now: dt.datetime, times: int = 1) -> None:
    for _ in range(times):
        scheduled.run_due(
            app.engine, now, app.settings, Notifier(app.settings.zone, lambda: now), _DIGEST
        )


def restart() -> None:
    """What a new process forgets: the in-memory note of today's digest."""
    _DIGEST.day = None


def outbox(app: App, kind: str | None = None) -> list[Outbox]:
    with Session(app.engine) as session:
        statement = select(Outbox).order_by(col(Outbox.id))
        if kind is not None:
            statement = statement.where(Outbox.kind == kind)
        return list(session.exec(statement).all())


def text_of(row: Outbox) -> str:
    return str(row.payload["replies"][0]["text"])


def test_both_reminders_exactly_once(app: App) -> None:
    ann = person(app.engine, "ann")
    shift_id = make_shift(app.engine)
    mine = sign(app.engine, shift_id, ann).id
    run(app, START - dt.timedelta(hours=25), times=2)
    assert outbox(app) == []
    for now in (START - dt.timedelta(hours=24), START - dt.timedelta(hours=23, minutes=55)):
        run(app, now, times=3)
        restart()
    assert [r.dedupe_key for r in outbox(app)] == [f"shift-reminder:{mine}:1440"]
    run(app, START - dt.timedelta(hours=2), times=3)
    restart()
    run(app, START - dt.timedelta(hours=2) + dt.timedelta(seconds=1))
    rows = outbox(app, "shift_reminder")
    assert len(rows) == 2
    assert "明天" in text_of(rows[0])
    assert "2 小时后" in text_of(rows[1])
    assert all("不能来" in text_of(r) and "幸福食堂" in text_of(r) for r in rows)
    assert rows[0].ref == f"shift:{shift_id}"
    with Session(app.engine) as session:  # a bare "确认" after it goes to the shift
        assert session.get(Conversation, ann).flow == "shift_reminder"  # type: ignore[union-attr]


def test_cancelled_assignment_gets_no_reminder(app: App) -> None:
    ann = person(app.engine, "ann")
    shift_id = make_shift(app.engine)
    sign(app.engine, shift_id, ann)
    with session_scope(app.engine) as session:
        shifts.set_status(session, shifts.mine_on(session, ann, shift_id, NOW), "cancelled", NOW)
    run(app, START - dt.timedelta(hours=24))
    run(app, START - dt.timedelta(hours=2))
    assert outbox(app, "shift_reminder") == []


def test_a_late_reminder_is_skipped_not_sent(app: App) -> None:
    sign(app.engine, make_shift(app.engine), person(app.engine, "ann"))
    run(app, START - dt.timedelta(hours=2) + dt.timedelta(minutes=11))  # grace is 10 minutes
    assert outbox(app, "shift_reminder") == []


def test_unconfirmed_alerts_the_coordinator_once(app: App) -> None:
    staff = person(app.engine, "wang", role="staff")
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    shift_id = make_shift(app.engine)
    waiting = sign(app.engine, shift_id, ann).id
    sign(app.engine, shift_id, bob)
    with session_scope(app.engine) as session:
        shifts.set_status(session, shifts.mine_on(session, bob, shift_id, NOW), "confirmed", NOW)
    run(app, START - dt.timedelta(minutes=181))
    assert outbox(app, "shift_alert") == []
    run(app, START - dt.timedelta(minutes=179), times=3)
    alerts = outbox(app, "shift_alert")
    assert [(r.user_id, r.dedupe_key) for r in alerts] == [
        (staff, f"shift-alert:{waiting}:unconfirmed:{staff}")
    ]
    assert "还没确认" in text_of(alerts[0])


def test_no_shows_recorded_after_the_end(app: App) -> None:
    ann = person(app.engine, "ann")
    shift_id = make_shift(app.engine)
    sign(app.engine, shift_id, ann)
    run(app, START + dt.timedelta(minutes=119))
    assert status_of(app.engine, shift_id, ann) == "signed"
    run(app, START + dt.timedelta(minutes=121))
    assert status_of(app.engine, shift_id, ann) == "no_show"


def test_recurring_shifts_created_by_the_scheduler(app: App) -> None:
    with session_scope(app.engine) as session:
        post = shift_plan.create_post(session, "义诊引导", "卫生站", COMMUNITY, now=NOW)
        shift_plan.create_template(session, post.id or 0, 5, "08:30", 180, 2, NOW.date())
    run(app, NOW, times=3)
    with Session(app.engine) as session:
        assert len(session.exec(select(Shift)).all()) == app.settings.volunteers.weeks_ahead


def at_local(day: dt.date, clock: str, app: App) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=app.settings.zone)


def test_digest_once_a_day_and_only_with_news(app: App) -> None:
    restart()
    staff = person(app.engine, "wang", role="staff")
    today = NOW.astimezone(app.settings.zone).date() + dt.timedelta(days=1)
    run(app, at_local(today, "08:00", app))
    assert outbox(app, "shift_digest") == []  # nothing to say: no digest
    make_shift(app.engine, START, slots=2)  # within the next 3 days, nobody on it yet
    restart()
    run(app, at_local(today, "07:59", app))
    assert outbox(app, "shift_digest") == []  # not yet
    for clock in ("08:00", "08:01", "09:30"):
        run(app, at_local(today, clock, app), times=2)
        restart()
    digests = outbox(app, "shift_digest")
    assert [r.dedupe_key for r in digests] == [f"digest:{staff}:{today.isoformat()}"]
    assert "还缺人的班次" in text_of(digests[0])
    assert "0/2" in text_of(digests[0])
    run(app, at_local(today + dt.timedelta(days=1), "08:00", app))
    assert len(outbox(app, "shift_digest")) == 2  # the next morning, again


def test_digest_lists_yesterdays_hours_and_no_shows(app: App) -> None:
    restart()
    staff = person(app.engine, "wang", role="staff")
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    shift_id = make_shift(app.engine, slots=2)
    sign(app.engine, shift_id, ann)
    sign(app.engine, shift_id, bob)
    with Session(app.engine) as session:
        code = session.get(Shift, shift_id).checkin_code  # type: ignore[union-attr]
    from bot.shifts import hours as shift_hours

    with session_scope(app.engine) as session:
        shift_hours.check_in(session, ann, code, START, 30)
    with session_scope(app.engine) as session:
        shift_hours.check_out(session, ann, code, START + dt.timedelta(minutes=90))
    run(app, START + dt.timedelta(hours=3))  # bob never came
    next_day = START.astimezone(app.settings.zone).date() + dt.timedelta(days=1)
    run(app, at_local(next_day, "08:05", app))
    (digest,) = outbox(app, "shift_digest")
    assert digest.user_id == staff
    assert "待批工时 90 分钟" in text_of(digest)
    assert "未到岗" in text_of(digest)
