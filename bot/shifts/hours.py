"""The day of a shift: check-in and check-out by code, hours approved by staff, no-shows, and
the stand-ins suggested when someone cannot come."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from bot.people import attempts
from bot.people.models import UserRole
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from bot.shifts.service import (
    ACTIVE,
    AWAITING,
    ShiftError,
    Worked,
    in_scope,
    overlapping,
    post_of,
    skills_of,
    worked,
)

logger = logging.getLogger(__name__)
NO_SHOW_LOOKBACK = dt.timedelta(days=14)  # a scheduler down longer than this records none


def check_in(
    session: Session, user_id: int, code: str, now: dt.datetime, early_minutes: float
) -> Shift:
    """Check a volunteer in with their shift's code, from `early_minutes` before the start
    until its end. Wrong codes count against the volunteer (`attempts.CHECKIN`); only their
    shifts checking in now are compared with the code.

    Raises:
        ShiftError: locked out, no shift of theirs checking in now, a wrong code, or already
            checked in (or out).
    """
    sender, who = str(user_id), f"user {user_id}"
    until = attempts.CHECKIN.locked_until(session, sender, who, now)
    if until is not None:
        minutes = attempts.minutes_left(until, now)
        raise ShiftError(attempts.CHECKIN_PAUSED.format(minutes=minutes))
    checking_in = _mine(session, user_id, _CHECKED, *_window(now, early_minutes))
    match = [(a, s) for a, s in checking_in if s.checkin_code == code.strip()]
    if not match:
        other = checking_in_with(session, code, now, early_minutes)
        if other is not None:  # a right code, for a shift they are not on
            title = post_of(session, other.post_id).title
            raise ShiftError(
                f"您没有排在【{other.id}】{title}这个班次上，签到要先接班。"
                f"还缺人的话可以发“接班 {other.id}”，或者找现场工作人员。"
            )
        if not checking_in:
            raise ShiftError(_nothing_to_check_in(session, user_id, now, early_minutes))
        attempts.CHECKIN.failed(session, sender, who, now)
        raise ShiftError("签到码不对，请看清现场的签到码再发一次，或者问问现场的工作人员。")
    assignment, shift = match[0]
    if assignment.status == Turn.CHECKED_IN:
        raise ShiftError(f"您已经签到过了 😊 结束时发“班次签退 {code.strip()}”签退。")
    if assignment.status == Turn.DONE:
        raise ShiftError("这个班次您已经签退了，辛苦了！")
    assignment.status, assignment.checked_in_at, assignment.updated_at = Turn.CHECKED_IN, now, now
    session.add(assignment)
    session.flush()
    return shift


_CHECKED = (*AWAITING, Turn.CHECKED_IN, Turn.DONE)


def checking_in_with(
    session: Session, code: str, now: dt.datetime, early_minutes: float
) -> Shift | None:
    """The open shift checking in now whose code this is, if any."""
    return session.exec(
        select(Shift).where(_code_is(code), Shift.status == "open", *_window(now, early_minutes))
    ).first()


def on_shift_with(
    session: Session, user_id: int, code: str, now: dt.datetime, early_minutes: float
) -> Shift | None:
    """The user's shift checking in now whose code this is (a volunteer who sent it as an
    activity check-in), if any."""
    found = _mine(session, user_id, _CHECKED, _code_is(code), *_window(now, early_minutes))
    return found[0][1] if found else None


def _window(now: dt.datetime, early_minutes: float) -> tuple[ColumnElement[bool], ...]:
    """The conditions on Shift: checking in now, from `early_minutes` before the start to
    its end."""
    early = dt.timedelta(minutes=early_minutes)
    return col(Shift.starts_at) <= now + early, col(Shift.ends_at) >= now


def _code_is(code: str) -> ColumnElement[bool]:
    return col(Shift.checkin_code) == code.strip()


def _nothing_to_check_in(
    session: Session, user_id: int, now: dt.datetime, early_minutes: float
) -> str:
    if _mine(session, user_id, AWAITING, col(Shift.ends_at) > now):
        return f"现在还不能签到：班次开始前 {early_minutes:g} 分钟到结束之间才能签到。"
    return "您现在没有要签到的班次，发“我的班次”看看自己的班次。"


EARLY_GRACE = dt.timedelta(minutes=10)  # leaving this much before the end is still on time


def leaves_early(shift: Shift, at: dt.datetime) -> int:
    """How many minutes before the shift's end a check-out at `at` is; 0 when on time."""
    early = shift.ends_at - at
    return int(early.total_seconds() // 60) if early > EARLY_GRACE else 0


def left_early(assignment: ShiftAssignment, shift: Shift) -> int:
    """Minutes a checked-out volunteer left before the end (0: stayed, or not checked out)."""
    if assignment.status != Turn.DONE or assignment.checked_out_at is None:
        return 0
    return leaves_early(shift, assignment.checked_out_at)


def checked_in_on(
    session: Session, user_id: int, code: str
) -> tuple[ShiftAssignment, Shift] | None:
    """The volunteer's checked-in assignment on the shift with this code, if any."""
    found = _mine(session, user_id, (Turn.CHECKED_IN,), _code_is(code))
    return found[0] if found else None


def check_out(session: Session, user_id: int, code: str, now: dt.datetime) -> ShiftAssignment:
    """Check a volunteer out; the minutes worked are the time between check-in and check-out
    that falls within the shift (arriving early or leaving late does not count). Leaving
    more than `EARLY_GRACE` before the end is recorded as such (`left_early`): the hours
    count, the shift is not a completed one.

    Raises:
        ShiftError: not checked in on a shift with this code.
    """
    found = checked_in_on(session, user_id, code)
    if found is None:
        raise ShiftError("没有找到您用这个签到码签到的班次：请先签到，或核对一下签到码。")
    assignment, shift = found
    begun = max(assignment.checked_in_at or shift.starts_at, shift.starts_at)
    ended = min(now, shift.ends_at)
    assignment.minutes = max(0, int((ended - begun).total_seconds() // 60))
    assignment.status, assignment.checked_out_at, assignment.updated_at = Turn.DONE, now, now
    session.add(assignment)
    session.flush()
    return assignment


def _mine(
    session: Session, user_id: int, statuses: Iterable[str], *conditions: ColumnElement[bool]
) -> list[tuple[ShiftAssignment, Shift]]:
    """The volunteer's assignments with these statuses on open shifts (and the conditions)."""
    statement = (
        select(ShiftAssignment, Shift)
        .join(Shift, col(Shift.id) == ShiftAssignment.shift_id)
        .where(
            ShiftAssignment.user_id == user_id,
            col(ShiftAssignment.status).in_(list(statuses)),
            Shift.status == "open",
            *conditions,
        )
        .order_by(col(Shift.starts_at))
    )
    return [(a, s) for a, s in session.exec(statement).all()]


def approve(session: Session, shift_id: int, staff_id: int | None, now: dt.datetime) -> int:
    """Approve every checked-out, not yet approved assignment of a shift. Returns how many."""
    rows = session.exec(
        select(ShiftAssignment).where(
            ShiftAssignment.shift_id == shift_id,
            ShiftAssignment.status == Turn.DONE,
            col(ShiftAssignment.approved_at).is_(None),
        )
    ).all()
    for assignment in rows:
        assignment.approved_at, assignment.approved_by, assignment.updated_at = now, staff_id, now
        session.add(assignment)
    session.flush()
    logger.info("%s assignments of shift %s approved by %s", len(rows), shift_id, staff_id)
    return len(rows)


def record_no_shows(session: Session, now: dt.datetime) -> list[Worked]:
    """Volunteers still signed or confirmed on a shift that has ended never came: record them
    as no-shows. Returns those recorded."""
    rows = worked(
        session,
        Shift.status == "open",
        Shift.starts_at >= now - NO_SHOW_LOOKBACK,
        Shift.starts_at < now,
        Shift.ends_at < now,
        col(ShiftAssignment.status).in_(AWAITING),
    )
    for assignment, _shift, _post in rows:
        assignment.status, assignment.updated_at = Turn.NO_SHOW, now
        session.add(assignment)
    session.flush()
    return [(a, s, p) for a, s, p in rows]


def needing_review(
    session: Session,
    places: set[str] | None,
    since: dt.datetime,
    until: dt.datetime,
) -> list[Worked]:
    """Assignments of shifts that started in [since, until) that staff should look at: hours
    not approved yet, checked in but never out, and no-shows; in these communities."""
    rows = worked(
        session,
        Shift.status == "open",
        Shift.starts_at >= since,
        Shift.starts_at < until,
        col(ShiftAssignment.status).in_((Turn.DONE, Turn.CHECKED_IN, Turn.NO_SHOW)),
        col(ShiftAssignment.approved_at).is_(None),
    )
    return [(a, s, p) for a, s, p in rows if in_scope(p, places)]


def understaffed(
    session: Session, places: set[str] | None, since: dt.datetime, until: dt.datetime
) -> list[tuple[Shift, ShiftPost, int]]:
    """Open shifts starting in [since, until) with free slots, in these communities, with the
    slots taken."""
    held = (
        select(ShiftAssignment.shift_id, func.count().label("held"))
        .where(col(ShiftAssignment.status).in_(ACTIVE))
        .group_by(col(ShiftAssignment.shift_id))
        .subquery()
    )
    rows = session.exec(
        select(Shift, ShiftPost, func.coalesce(held.c.held, 0))
        .join(ShiftPost, col(ShiftPost.id) == Shift.post_id)
        .outerjoin(held, held.c.shift_id == Shift.id)
        .where(Shift.status == "open", Shift.starts_at >= since, Shift.starts_at < until)
        .order_by(col(Shift.starts_at))
    ).all()
    return [(s, p, int(n)) for s, p, n in rows if int(n) < s.slots and in_scope(p, places)]


def suggest_stand_ins(
    session: Session, shift: Shift, post: ShiftPost, count: int, now: dt.datetime
) -> list[tuple[int, int]]:
    """Other volunteers of the post's community who hold its skills and are free at the time,
    fewest minutes worked in the last 30 days first; nobody already on its roster. Returns
    (user id, minutes) pairs."""
    if count <= 0:
        return []
    statement = select(UserRole.user_id).where(UserRole.role == "volunteer")
    if post.community_id is not None:
        statement = statement.where(col(UserRole.community_id).in_(["", post.community_id]))
    people = sorted(set(session.exec(statement).all()))
    # Anyone on it, or who already said they cannot come, is not asked again.
    on_it = set(
        session.exec(
            select(ShiftAssignment.user_id).where(ShiftAssignment.shift_id == shift.id)
        ).all()
    )
    free = [
        person for person in people
        if person not in on_it and set(post.skills) <= skills_of(session, person)
        and overlapping(session, person, shift.starts_at, shift.ends_at) is None
    ]  # fmt: skip
    worked = recent_minutes(session, free, now - dt.timedelta(days=30))
    free.sort(key=lambda person: (worked.get(person, 0), person))
    return [(person, worked.get(person, 0)) for person in free[:count]]


def recent_minutes(session: Session, users: Sequence[int], since: dt.datetime) -> dict[int, int]:
    """Minutes each user worked (checked out) on shifts that started since `since`."""
    if not users:
        return {}
    rows = session.exec(
        select(ShiftAssignment.user_id, func.coalesce(func.sum(ShiftAssignment.minutes), 0))
        .join(Shift, col(Shift.id) == ShiftAssignment.shift_id)
        .where(col(ShiftAssignment.user_id).in_(list(users)), Shift.starts_at >= since)
        .group_by(col(ShiftAssignment.user_id))
    ).all()
    return {user: int(minutes or 0) for user, minutes in rows}
