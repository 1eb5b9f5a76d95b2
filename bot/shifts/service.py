"""Volunteer shifts: sign-ups that never overfill a shift nor give a volunteer two shifts at the
same time, confirmations and stand-ins. Planning is in bot.shift_plan, the day itself (check-in,
hours, no-shows) in bot.shift_hours."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from bot.errors import UserFacingError
from bot.people import roles
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn, VolunteerSkill

logger = logging.getLogger(__name__)

ACTIVE = (
    Turn.SIGNED,
    Turn.CONFIRMED,
    Turn.CHECKED_IN,
    Turn.DONE,
)  # holds a slot and the volunteer's time
AWAITING = (Turn.SIGNED, Turn.CONFIRMED)  # on the shift, not arrived yet
MAY_VOLUNTEER = ("volunteer", *roles.STAFF)
Worked = tuple[ShiftAssignment, Shift, ShiftPost]  # an assignment with its shift and post
NOT_A_VOLUNTEER = "接班是给志愿者准备的哦。想当志愿者，请联系社区工作人员（发“找人工”）。"


class ShiftError(UserFacingError):
    """A request about a shift that cannot be done; the message says why, kindly."""


def post_of(session: Session, post_id: int) -> ShiftPost:
    """A post by id, or a friendly error."""
    found = session.get(ShiftPost, post_id)
    if found is None or not found.active:
        raise ShiftError(f"没有编号为 {post_id} 的岗位")
    return found


def shift_of(session: Session, shift_id: int) -> Shift:
    """A shift by id, or a friendly error."""
    found = session.get(Shift, shift_id)
    if found is None:
        raise ShiftError(f"没有编号为 {shift_id} 的班次，发“班次”看看有哪些。")
    return found


def locked(session: Session, shift_id: int) -> Shift:
    """The shift, locked for this transaction so sign-ups to it queue up one by one (a row
    lock on PostgreSQL; SQLite write transactions already hold the database lock)."""
    found = session.exec(select(Shift).where(Shift.id == shift_id).with_for_update()).first()
    if found is None:
        raise ShiftError(f"没有编号为 {shift_id} 的班次，发“班次”看看有哪些。")
    return found


def taken(session: Session, shift_id: int) -> int:
    """Slots held on a shift."""
    count = session.exec(
        select(func.count()).where(
            ShiftAssignment.shift_id == shift_id, col(ShiftAssignment.status).in_(ACTIVE)
        )
    ).one()
    return int(count)


def skills_of(session: Session, user_id: int) -> set[str]:
    """The skills and certificates a volunteer holds."""
    rows = session.exec(select(VolunteerSkill.skill).where(VolunteerSkill.user_id == user_id))
    return set(rows.all())


def may_volunteer(session: Session, user_id: int, post: ShiftPost) -> bool:
    """Whether the user is a volunteer (or staff) where the post is."""
    return roles.has_role(session, user_id, MAY_VOLUNTEER, post.community_id)


def places_of(
    session: Session, user_id: int, role_names: Iterable[str] = MAY_VOLUNTEER
) -> set[str] | None:
    """The communities where the user holds one of these roles; None for district-wide."""
    return roles.communities_of(session, user_id, role_names)


def in_scope(post: ShiftPost, places: set[str] | None) -> bool:
    """Whether a post is in these communities (None: the whole district). A district-wide
    post is everyone's."""
    return places is None or post.community_id is None or post.community_id in places


def open_shifts(
    session: Session, user_id: int, now: dt.datetime, limit: int = 8
) -> list[tuple[Shift, ShiftPost, int]]:
    """Shifts still to come with a free slot that the user may take (their communities and
    district-wide posts, skills held), soonest first, with the slots taken."""
    places = places_of(session, user_id)
    held = skills_of(session, user_id)
    rows = session.exec(
        select(Shift, ShiftPost)
        .join(ShiftPost, col(ShiftPost.id) == Shift.post_id)
        .where(Shift.status == "open", Shift.starts_at > now, col(ShiftPost.active))
        .order_by(col(Shift.starts_at), col(Shift.id))
    ).all()
    found = []
    for shift, post in rows:
        if not in_scope(post, places):
            continue
        used = taken(session, shift.id or 0)
        if used < shift.slots and set(post.skills) <= held:
            found.append((shift, post, used))
        if len(found) >= limit:
            break
    return found


def missing_skills(session: Session, user_id: int, now: dt.datetime) -> set[str]:
    """Skills or certificates the user lacks for upcoming shifts with a free slot in their
    communities (so "no shift for you" can say why)."""
    places, held = places_of(session, user_id), skills_of(session, user_id)
    rows = session.exec(
        select(Shift, ShiftPost)
        .join(ShiftPost, col(ShiftPost.id) == Shift.post_id)
        .where(Shift.status == "open", Shift.starts_at > now, col(ShiftPost.active))
    ).all()
    return {
        skill for shift, post in rows
        if in_scope(post, places) and taken(session, shift.id or 0) < shift.slots
        for skill in set(post.skills) - held
    }  # fmt: skip


def assignment_of(session: Session, shift_id: int, user_id: int) -> ShiftAssignment | None:
    """The user's assignment to a shift, whatever its status."""
    return session.exec(
        select(ShiftAssignment).where(
            ShiftAssignment.shift_id == shift_id, ShiftAssignment.user_id == user_id
        )
    ).first()


def sign_up(
    session: Session,
    shift_id: int,
    user_id: int,
    now: dt.datetime,
    source: str = "self",
    assigned_by: int | None = None,
    confirmed: bool = False,
) -> ShiftAssignment:
    """Put a volunteer on a shift (themselves, or assigned by staff), as `signed` unless
    `confirmed`.

    Raises:
        ShiftError: not a volunteer there, a skill missing, the shift full, closed or already
            started, or the volunteer already busy at that time.
    """
    shift = locked(session, shift_id)
    post = post_of(session, shift.post_id)
    check_can_take(session, shift, post, user_id, now)
    if taken(session, shift_id) >= shift.slots:
        raise ShiftError("这个班次人已经满了，谢谢您！发“班次”看看别的吧。")
    assignment = assignment_of(session, shift_id, user_id) or ShiftAssignment(
        shift_id=shift_id, user_id=user_id, status="", created_at=now, updated_at=now
    )
    _reset(assignment, now)
    assignment.status = Turn.CONFIRMED if confirmed else Turn.SIGNED
    assignment.confirmed_at = now if confirmed else None
    assignment.source, assignment.assigned_by = source, assigned_by
    assignment.created_at = now  # a reminder due before this was never due for them
    session.add(assignment)
    session.flush()
    logger.info("user %s on shift %s (%s)", user_id, shift_id, source)
    return assignment


def check_can_take(
    session: Session, shift: Shift, post: ShiftPost, user_id: int, now: dt.datetime
) -> None:
    """Refuse (ShiftError) unless the user may take this shift now: volunteer there, skills
    held, the shift open and not started, not on it already, free at that time."""
    if not may_volunteer(session, user_id, post):
        raise ShiftError(NOT_A_VOLUNTEER)
    if shift.status != "open" or shift.starts_at <= now:
        raise ShiftError("这个班次已经开始或取消了，发“班次”看看别的吧。")
    missing = [s for s in post.skills if s not in skills_of(session, user_id)]
    if missing:
        raise ShiftError(
            f"这个岗位需要{'、'.join(missing)}，您的资料里还没有。有的话请联系社区工作人员登记。"
        )
    mine = assignment_of(session, shift.id or 0, user_id)
    if mine is not None and mine.status in ACTIVE:
        raise ShiftError("您已经在这个班次上啦，发“我的班次”可以查看。")
    clash = overlapping(session, user_id, shift.starts_at, shift.ends_at)
    if clash is not None:
        raise ShiftError(f"这个时间您已经有班次【{clash.id}】了，同一时间只能上一个班哦。")


def overlapping(
    session: Session, user_id: int, starts_at: dt.datetime, ends_at: dt.datetime
) -> Shift | None:
    """A shift of the user's whose time overlaps [starts_at, ends_at), if any."""
    return session.exec(
        select(Shift)
        .join(ShiftAssignment, col(ShiftAssignment.shift_id) == Shift.id)
        .where(
            ShiftAssignment.user_id == user_id,
            col(ShiftAssignment.status).in_(ACTIVE),
            Shift.status == "open",
            Shift.starts_at < ends_at,
            Shift.ends_at > starts_at,
        )
    ).first()


def worked(session: Session, *conditions: ColumnElement[bool] | bool) -> list[Worked]:
    """Assignments with their shift and post, where the conditions hold, soonest shift first."""
    rows = session.exec(
        select(ShiftAssignment, Shift, ShiftPost)
        .join(Shift, col(Shift.id) == ShiftAssignment.shift_id)
        .join(ShiftPost, col(ShiftPost.id) == Shift.post_id)
        .where(*conditions)
        .order_by(col(Shift.starts_at), col(ShiftAssignment.id))
    ).all()
    return [(a, s, p) for a, s, p in rows]


def my_shifts(session: Session, user_id: int, now: dt.datetime) -> list[Worked]:
    """The user's shifts not yet over, soonest first."""
    return worked(
        session,
        ShiftAssignment.user_id == user_id,
        col(ShiftAssignment.status).in_((Turn.SIGNED, Turn.CONFIRMED, Turn.CHECKED_IN)),
        Shift.status == "open",
        Shift.ends_at > now,
    )


def mine_on(session: Session, user_id: int, shift_id: int, now: dt.datetime) -> ShiftAssignment:
    """The user's current assignment on a shift still to come, or a friendly error."""
    for assignment, shift, _post in my_shifts(session, user_id, now):
        if shift.id == shift_id and assignment.status in AWAITING:
            return assignment
    raise ShiftError(f"您没有还没开始的班次【{shift_id}】，发“我的班次”看看。")


def set_status(
    session: Session, assignment: ShiftAssignment, status: str, now: dt.datetime
) -> ShiftAssignment:
    """Confirm, decline or cancel an assignment that has not started (volunteer's answer)."""
    if assignment.status not in AWAITING:
        raise ShiftError("这个班次已经不在您的安排里了，发“我的班次”看看。")
    assignment.status, assignment.updated_at = status, now
    if status == Turn.CONFIRMED:
        assignment.confirmed_at = now
    else:
        assignment.declined_at = now
    session.add(assignment)
    session.flush()
    return assignment


def want_stand_in(session: Session, assignment: ShiftAssignment, now: dt.datetime) -> None:
    """The volunteer asks for someone to take their place; they stay on it until someone does."""
    if assignment.status not in AWAITING:
        raise ShiftError("这个班次已经不在您的安排里了，发“我的班次”看看。")
    assignment.stand_in_wanted_at, assignment.updated_at = now, now
    session.add(assignment)
    session.flush()


def take_over(
    session: Session, shift_id: int, user_id: int, now: dt.datetime
) -> tuple[ShiftAssignment, ShiftAssignment | None]:
    """Another volunteer takes a shift someone asked a stand-in for (that one's assignment
    becomes "swapped"), or a slot freed by someone who could not come. Returns the taker's
    assignment and the one replaced (None for a freed slot)."""
    shift = locked(session, shift_id)
    post = post_of(session, shift.post_id)
    wanting = session.exec(
        select(ShiftAssignment)
        .where(
            ShiftAssignment.shift_id == shift_id,
            col(ShiftAssignment.status).in_(AWAITING),
            col(ShiftAssignment.stand_in_wanted_at).is_not(None),
            ShiftAssignment.user_id != user_id,
        )
        .order_by(col(ShiftAssignment.stand_in_wanted_at))
    ).first()
    if wanting is None:
        return sign_up(session, shift_id, user_id, now, "stand_in", confirmed=True), None
    check_can_take(session, shift, post, user_id, now)
    wanting.status, wanting.updated_at = Turn.SWAPPED, now
    session.add(wanting)
    session.flush()
    taker = sign_up(session, shift_id, user_id, now, "stand_in", confirmed=True)
    return taker, wanting


def _reset(assignment: ShiftAssignment, now: dt.datetime) -> None:
    """A volunteer coming back to a shift they left starts afresh."""
    assignment.declined_at = assignment.stand_in_wanted_at = None
    assignment.checked_in_at = assignment.checked_out_at = assignment.approved_at = None
    assignment.minutes = assignment.approved_by = None
    assignment.updated_at = now


def stand_ins_wanted(
    session: Session, user_id: int, now: dt.datetime
) -> list[tuple[Shift, ShiftPost]]:
    """Shifts still to come where another volunteer asked for a stand-in, that this user may
    take (their communities, skills held)."""
    places, held = places_of(session, user_id), skills_of(session, user_id)
    rows = session.exec(
        select(Shift, ShiftPost)
        .join(ShiftAssignment, col(ShiftAssignment.shift_id) == Shift.id)
        .join(ShiftPost, col(ShiftPost.id) == Shift.post_id)
        .where(
            col(ShiftAssignment.stand_in_wanted_at).is_not(None),
            col(ShiftAssignment.status).in_(AWAITING),
            ShiftAssignment.user_id != user_id,
            Shift.status == "open",
            Shift.starts_at > now,
        )
        .order_by(col(Shift.starts_at))
    ).all()
    return [(s, p) for s, p in rows if in_scope(p, places) and set(p.skills) <= held]
