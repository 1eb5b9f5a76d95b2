"""The shift service: sign-ups that never overlap or overfill, skills, weekly shifts created
once, check-in and out, no-shows, stand-ins."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.people.roles import grant
from bot.shifts import hours as shift_hours
from bot.shifts import plan as shift_plan
from bot.shifts import service as shifts
from bot.shifts.models import Shift, ShiftAssignment, VolunteerSkill
from bot.shifts.service import ShiftError
from tests.conftest import NOW

START = NOW + dt.timedelta(days=2)
COMMUNITY = "suzhe"


def person(engine: Engine, name: str, role: str | None = "volunteer", *skills: str) -> int:
    """A console user, with a role in the community and skills."""
    with session_scope(engine) as session:
        user_id = resolve_user(session, "console", name, NOW).id or 0
        if role is not None:
            grant(session, user_id, role, "" if role == "staff" else COMMUNITY)
        for skill in skills:
            session.add(VolunteerSkill(user_id=user_id, skill=skill))
        return user_id


def make_shift(
    engine: Engine,
    start: dt.datetime = START,
    minutes: int = 120,
    slots: int = 2,
    skills: tuple[str, ...] = (),
    coordinator: int | None = None,
) -> int:
    """A post in the community and one shift of it."""
    with session_scope(engine) as session:
        post = shift_plan.create_post(
            session, "助老餐厅帮厨", "幸福食堂", COMMUNITY, skills, coordinator, now=NOW
        )
        shift = shift_plan.create_shift(session, post.id or 0, start, minutes, slots, NOW)
        return shift.id or 0


def sign(engine: Engine, shift_id: int, user_id: int, **kwargs: object) -> ShiftAssignment:
    with session_scope(engine) as session:
        return shifts.sign_up(session, shift_id, user_id, NOW, **kwargs)  # type: ignore[arg-type]


def status_of(engine: Engine, shift_id: int, user_id: int) -> str | None:
    with Session(engine) as session:
        found = shifts.assignment_of(session, shift_id, user_id)
        return None if found is None else found.status


def test_overlapping_shift_refused(app: App) -> None:
    ann = person(app.engine, "ann")
    first = make_shift(app.engine)
    overlapping = make_shift(app.engine, START + dt.timedelta(minutes=90))
    after = make_shift(app.engine, START + dt.timedelta(minutes=120))  # touching is fine
    sign(app.engine, first, ann)
    with pytest.raises(ShiftError, match="同一时间只能上一个班"):
        sign(app.engine, overlapping, ann)
    sign(app.engine, after, ann)
    assert status_of(app.engine, overlapping, ann) is None
    assert status_of(app.engine, after, ann) == "signed"


def test_slots_are_never_exceeded(app: App) -> None:
    shift = make_shift(app.engine, slots=1)
    sign(app.engine, shift, person(app.engine, "ann"))
    with pytest.raises(ShiftError, match="满了"):
        sign(app.engine, shift, person(app.engine, "bob"))


def test_a_resident_cannot_take_a_shift(app: App) -> None:
    shift = make_shift(app.engine)
    with pytest.raises(ShiftError, match="志愿者"):
        sign(app.engine, shift, person(app.engine, "ann", role=None))


def test_required_skills(app: App) -> None:
    shift = make_shift(app.engine, skills=("健康证",))
    with pytest.raises(ShiftError, match="健康证"):
        sign(app.engine, shift, person(app.engine, "ann"))
    sign(app.engine, shift, person(app.engine, "bob", "volunteer", "健康证"))
    with Session(app.engine) as session:
        cat = person(app.engine, "cat")
        listed = shifts.open_shifts(session, cat, NOW)
        lacking = shifts.missing_skills(session, cat, NOW)
    assert listed == []  # without the certificate the shift is not offered...
    assert lacking == {"健康证"}  # ...and "班次" can say what is missing


def test_a_declined_volunteer_can_come_back(app: App) -> None:
    ann = person(app.engine, "ann")
    shift = make_shift(app.engine)
    assignment = sign(app.engine, shift, ann)
    with session_scope(app.engine) as session:
        row = session.get(ShiftAssignment, assignment.id)
        assert row is not None
        shifts.set_status(session, row, "declined", NOW)
    assert sign(app.engine, shift, ann).status == "signed"


def test_weekly_template_creates_shifts_once(app: App) -> None:
    zone = app.settings.zone
    with session_scope(app.engine) as session:
        post = shift_plan.create_post(session, "街长巡查", "文安西路", COMMUNITY, now=NOW)
        shift_plan.create_template(session, post.id or 0, 2, "09:00", 120, 3, NOW.date())
    for _ in range(2):
        with session_scope(app.engine) as session:
            shift_plan.materialize(session, NOW, zone, weeks_ahead=4)
    with Session(app.engine) as session:
        found = session.exec(select(Shift).order_by(Shift.starts_at)).all()  # type: ignore[arg-type]
    assert len(found) == 4
    local = [s.starts_at.astimezone(zone) for s in found]
    assert all(t.weekday() == 2 and t.strftime("%H:%M") == "09:00" for t in local)
    assert local[1] - local[0] == dt.timedelta(weeks=1)
    with session_scope(app.engine) as session:  # a week later one more week is added
        shift_plan.materialize(session, NOW + dt.timedelta(weeks=1), zone, weeks_ahead=4)
    with Session(app.engine) as session:
        assert session.exec(select(func.count()).select_from(Shift)).one() == 5


def test_check_in_and_out_clip_to_the_shift(app: App) -> None:
    ann = person(app.engine, "ann")
    shift_id = make_shift(app.engine)
    sign(app.engine, shift_id, ann)
    with Session(app.engine) as session:
        code = session.get(Shift, shift_id).checkin_code  # type: ignore[union-attr]
    with session_scope(app.engine) as session, pytest.raises(ShiftError, match="还不能签到"):
        shift_hours.check_in(session, ann, code, START - dt.timedelta(minutes=31), 30)
    with session_scope(app.engine) as session, pytest.raises(ShiftError, match="签到码不对"):
        shift_hours.check_in(session, ann, "x" + code, START, 30)
    with session_scope(app.engine) as session:
        shift_hours.check_in(session, ann, code, START - dt.timedelta(minutes=20), 30)
    with session_scope(app.engine) as session:
        done = shift_hours.check_out(session, ann, code, START + dt.timedelta(hours=5))
    assert (done.status, done.minutes) == ("done", 120)  # early and late time not counted


def test_no_shows_after_the_end(app: App) -> None:
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    shift_id = make_shift(app.engine)
    sign(app.engine, shift_id, ann)
    sign(app.engine, shift_id, bob)
    with Session(app.engine) as session:
        code = session.get(Shift, shift_id).checkin_code  # type: ignore[union-attr]
    with session_scope(app.engine) as session:
        shift_hours.check_in(session, bob, code, START, 30)
        assert shift_hours.record_no_shows(session, START + dt.timedelta(minutes=119)) == []
    with session_scope(app.engine) as session:
        recorded = shift_hours.record_no_shows(session, START + dt.timedelta(minutes=121))
    assert [a.user_id for a, _, _ in recorded] == [ann]
    assert status_of(app.engine, shift_id, ann) == "no_show"
    assert status_of(app.engine, shift_id, bob) == "checked_in"


def test_stand_ins_are_free_skilled_and_least_busy(app: App) -> None:
    ann = person(app.engine, "ann", "volunteer", "健康证")
    busy = person(app.engine, "bob", "volunteer", "健康证")
    unskilled = person(app.engine, "cat")
    worked = person(app.engine, "dan", "volunteer", "健康证")
    fresh = person(app.engine, "eve", "volunteer", "健康证")
    shift_id = make_shift(app.engine, skills=("健康证",))
    sign(app.engine, shift_id, ann)
    sign(app.engine, make_shift(app.engine, START + dt.timedelta(hours=1)), busy)
    with session_scope(app.engine) as session:  # dan worked 2 hours last week
        earlier = shift_plan.create_shift(session, 1, NOW + dt.timedelta(hours=1), 120, 1, NOW)
        session.add(ShiftAssignment(
            shift_id=earlier.id or 0, user_id=worked, status="done", minutes=120,
            created_at=NOW, updated_at=NOW,
        ))  # fmt: skip
    with Session(app.engine) as session:
        shift = session.get(Shift, shift_id)
        assert shift is not None
        post = shifts.post_of(session, shift.post_id)
        found = shift_hours.suggest_stand_ins(session, shift, post, 3, NOW + dt.timedelta(days=1))
    assert found == [(fresh, 0), (worked, 120)]
    assert unskilled not in [p for p, _ in found]


def test_take_over_swaps_the_assignment(app: App) -> None:
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    shift_id = make_shift(app.engine, slots=1)
    sign(app.engine, shift_id, ann)
    with session_scope(app.engine) as session, pytest.raises(ShiftError, match="满了"):
        shifts.take_over(session, shift_id, bob, NOW)  # nobody asked for a stand-in
    with session_scope(app.engine) as session:
        shifts.want_stand_in(session, shifts.mine_on(session, ann, shift_id, NOW), NOW)
    with session_scope(app.engine) as session:
        taker, old = shifts.take_over(session, shift_id, bob, NOW)
    assert old is not None
    assert old.user_id == ann
    assert (taker.source, taker.status) == ("stand_in", "confirmed")
    assert status_of(app.engine, shift_id, ann) == "swapped"
