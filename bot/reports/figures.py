"""One query per figure, read over the domains' tables. A figure counts what happened in a
window [since, until) of one community, or of the whole district (community None).

Where a row belongs: an activity to its community (district-wide activities count only in
the district's report), a shift to its post's community, a question, a 找人工 or a message to
the asker's community, an announcement to each community it went to (one sent to everyone
counts in every community)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.activities.models import Activity, Phase, Registration, Seat
from bot.announcements.models import Announcement, Stage
from bot.kb.models import UnansweredQuestion
from bot.models import ProcessedMessage, User
from bot.orders.categories import Category
from bot.outbox.models import Outbox
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from bot.shifts.service import ACTIVE as HOLDS_SLOT

HELD = (Phase.PUBLISHED, "finished")  # an activity that took place (not a draft, not cancelled)
SIGNED_UP = (Seat.CONFIRMED, Seat.ATTENDED, Seat.NO_SHOW)  # a seat kept to the day
CAME = (Turn.CHECKED_IN, Turn.DONE)  # a volunteer who turned up
UNDELIVERED = ("undeliverable", "failed", "unknown")  # outbox outcomes of a message not delivered
QUESTION = ("faq", "clarify", "fallback")  # outcomes of a question the knowledge base took
# a statement being narrowed down; sqlmodel types each select by its columns, which a helper
# that only adds conditions and joins cannot spell
Select = Any


@dataclass(frozen=True)
class Scope:
    """What a figure counts over: a window of time, in one community or the district."""

    since: dt.datetime
    until: dt.datetime
    community: str | None = None
    category: str | None = None  # work orders: one category's
    categories: tuple[Category, ...] = ()  # work orders' categories and their time limits


@dataclass(frozen=True)
class Figure:
    """A number a report shows: its key, its Chinese label, its unit and its query."""

    key: str
    label: str
    unit: str
    count: Callable[[Session, Scope], float | None]
    absent: str = "—"  # what the report shows when the figure is not known


def activities_held(session: Session, scope: Scope) -> float | None:
    """Activities (published or finished) that started in the window."""
    return _one(session, _activities(select(func.count()).select_from(Activity), scope))


def signups(session: Session, scope: Scope) -> float | None:
    """Registrations kept to the day (confirmed, attended or no-show) of those activities."""
    return _one(session, _registrations(select(func.count()), scope, SIGNED_UP))


def no_shows(session: Session, scope: Scope) -> float | None:
    """Registrations recorded as no-shows."""
    return _one(session, _registrations(select(func.count()), scope, (Seat.NO_SHOW,)))


def attendance_rate(session: Session, scope: Scope) -> float | None:
    """Attended / (attended + no-shows), in per cent; None when no attendance was recorded."""
    attended = _one(session, _registrations(select(func.count()), scope, (Seat.ATTENDED,)))
    missed = no_shows(session, scope)
    recorded = (attended or 0) + (missed or 0)
    return None if recorded == 0 else round(100 * (attended or 0) / recorded, 1)


def ratings_count(session: Session, scope: Scope) -> float | None:
    """Ratings residents gave those activities."""
    rated = _registrations(select(func.count()), scope, (Seat.ATTENDED,))
    return _one(session, rated.where(col(Registration.rating).is_not(None)))


def ratings_mean(session: Session, scope: Scope) -> float | None:
    """The mean rating (1-5), to two places; None without ratings."""
    rated = _registrations(select(func.avg(Registration.rating)), scope, (Seat.ATTENDED,))
    mean = session.exec(rated.where(col(Registration.rating).is_not(None))).one()
    return None if mean is None else round(float(mean), 2)


def hours_approved(session: Session, scope: Scope) -> float | None:
    """Approved volunteer hours of shifts that started in the window, to one place."""
    worked = _assignments(select(func.coalesce(func.sum(ShiftAssignment.minutes), 0)), scope)
    minutes = session.exec(worked.where(col(ShiftAssignment.approved_at).is_not(None))).one()
    return round(float(minutes or 0) / 60, 1)


def volunteers_active(session: Session, scope: Scope) -> float | None:
    """Volunteers who turned up (checked in) to at least one of those shifts."""
    came = select(func.count(func.distinct(ShiftAssignment.user_id)))
    return _one(session, _assignments(came, scope).where(col(ShiftAssignment.status).in_(CAME)))


def shifts_filled(session: Session, scope: Scope) -> float | None:
    """Open shifts in the window with every slot taken."""
    return float(sum(1 for slots, held in _shift_slots(session, scope) if held >= slots))


def shifts_understaffed(session: Session, scope: Scope) -> float | None:
    """Open shifts in the window with a slot left empty."""
    return float(sum(1 for slots, held in _shift_slots(session, scope) if held < slots))


def questions_asked(session: Session, scope: Scope) -> float | None:
    """Messages the knowledge base took as a question (answered, clarified or not)."""
    return _one(session, _messages(scope, QUESTION))


def answered_at_once(session: Session, scope: Scope) -> float | None:
    """Questions answered straight away."""
    return _one(session, _messages(scope, ("faq",)))


def clarified(session: Session, scope: Scope) -> float | None:
    """Questions answered with numbered suggestions to choose from."""
    return _one(session, _messages(scope, ("clarify",)))


def unanswered(session: Session, scope: Scope) -> float | None:
    """Questions logged for staff as not answered."""
    return _one(session, _logged(scope, "fallback"))


def handoffs(session: Session, scope: Scope) -> float | None:
    """Residents who asked for a person ("找人工")."""
    return _one(session, _logged(scope, "handoff"))


def announcements_sent(session: Session, scope: Scope) -> float | None:
    """Announcements sent (being sent or done) in the window, to the community."""
    return float(len(_announcements(session, scope)))


def announcements_reached(session: Session, scope: Scope) -> float | None:
    """Messages of those announcements delivered to residents (of the community)."""
    return _one(session, _deliveries(session, scope, ("sent",)))


def announcements_undelivered(session: Session, scope: Scope) -> float | None:
    """Messages of those announcements that could not be delivered (the channel refused,
    gave up after retries, or the send was interrupted and its fate is unknown)."""
    return _one(session, _deliveries(session, scope, UNDELIVERED))


SECTIONS: dict[str, tuple[Figure, ...]] = {
    "活动": (
        Figure("activities_held", "举办活动", "场", activities_held),
        Figure("signups", "报名", "人次", signups),
        Figure("attendance_rate", "到场率", "%", attendance_rate),
        Figure("no_shows", "未到场", "人次", no_shows),
        Figure("ratings_count", "评价数", "条", ratings_count),
        Figure("ratings_mean", "平均评分", "分", ratings_mean),
    ),
    "志愿服务": (
        Figure("hours_approved", "审核通过的志愿时长", "小时", hours_approved),
        Figure("volunteers_active", "到岗志愿者", "人", volunteers_active),
        Figure("shifts_filled", "满员班次", "个", shifts_filled),
        Figure("shifts_understaffed", "缺人班次", "个", shifts_understaffed),
    ),
    "咨询": (
        Figure("questions_asked", "居民提问", "条", questions_asked),
        Figure("answered_at_once", "直接答复", "条", answered_at_once),
        Figure("clarified", "给出选项", "条", clarified),
        Figure("unanswered", "未能答复", "条", unanswered),
        Figure("handoffs", "找人工", "次", handoffs),
    ),
    "通知": (
        Figure("announcements_sent", "发出通知", "条", announcements_sent),
        Figure("announcements_reached", "送达", "人次", announcements_reached),
        Figure("announcements_undelivered", "未能送达", "人次", announcements_undelivered),
    ),
}


def _one(session: Session, statement: Select) -> float:
    value: Any = session.exec(statement).one()  # a count, a sum or an average
    return float(value or 0)


def _activities(statement: Select, scope: Scope) -> Select:
    statement = statement.where(
        col(Activity.status).in_(HELD),
        col(Activity.starts_at) >= scope.since,
        col(Activity.starts_at) < scope.until,
    )
    if scope.community is not None:
        statement = statement.where(col(Activity.community_id) == scope.community)
    return statement


def _registrations(statement: Select, scope: Scope, seats: tuple[str, ...]) -> Select:
    joined = statement.select_from(Registration).join(
        Activity, col(Activity.id) == Registration.activity_id
    )
    return _activities(joined, scope).where(col(Registration.status).in_(seats))


def _shifts(statement: Select, scope: Scope) -> Select:
    statement = statement.join(ShiftPost, col(ShiftPost.id) == Shift.post_id).where(
        col(Shift.status) == "open",
        col(Shift.starts_at) >= scope.since,
        col(Shift.starts_at) < scope.until,
    )
    if scope.community is not None:
        statement = statement.where(col(ShiftPost.community_id) == scope.community)
    return statement


def _assignments(statement: Select, scope: Scope) -> Select:
    joined = statement.select_from(ShiftAssignment).join(
        Shift, col(Shift.id) == ShiftAssignment.shift_id
    )
    return _shifts(joined, scope)


def _shift_slots(session: Session, scope: Scope) -> list[tuple[int, int]]:
    """(slots, slots held) of each open shift in the window."""
    held = (
        select(ShiftAssignment.shift_id, func.count().label("held"))
        .where(col(ShiftAssignment.status).in_(HOLDS_SLOT))
        .group_by(col(ShiftAssignment.shift_id))
        .subquery()
    )
    statement = select(Shift.slots, func.coalesce(held.c.held, 0)).select_from(Shift)
    rows = session.exec(_shifts(statement.outerjoin(held, held.c.shift_id == Shift.id), scope))
    return [(int(slots), int(taken)) for slots, taken in rows.all()]


def by_asker(statement: Select, user_id: Any, scope: Scope) -> Select:
    """`statement` narrowed to what residents of the scope's community asked (`user_id`: the
    asker's column); unchanged for the district."""
    if scope.community is None:
        return statement
    joined = statement.join(User, col(User.id) == user_id)
    return joined.where(col(User.community_id) == scope.community)


def _messages(scope: Scope, intents: tuple[str, ...]) -> Select:
    intent = col(ProcessedMessage.outcome)["intent"].as_string()
    statement = (
        select(func.count())
        .select_from(ProcessedMessage)
        .where(
            intent.in_(intents),
            col(ProcessedMessage.created_at) >= scope.since,
            col(ProcessedMessage.created_at) < scope.until,
        )
    )
    return by_asker(statement, ProcessedMessage.user_id, scope)


def _logged(scope: Scope, kind: str) -> Select:
    statement = (
        select(func.count())
        .select_from(UnansweredQuestion)
        .where(
            col(UnansweredQuestion.kind) == kind,
            col(UnansweredQuestion.created_at) >= scope.since,
            col(UnansweredQuestion.created_at) < scope.until,
        )
    )
    return by_asker(statement, UnansweredQuestion.user_id, scope)


def _announcements(session: Session, scope: Scope) -> list[Announcement]:
    sent = session.exec(
        select(Announcement).where(
            col(Announcement.status).in_((Stage.SENDING, Stage.DONE)),
            col(Announcement.send_at) >= scope.since,
            col(Announcement.send_at) < scope.until,
        )
    ).all()
    if scope.community is None:
        return list(sent)
    return [a for a in sent if a.everyone or scope.community in a.communities]


def _deliveries(session: Session, scope: Scope, statuses: tuple[str, ...]) -> Select:
    refs = [f"announcement:{a.id}" for a in _announcements(session, scope)]
    statement = (
        select(func.count())
        .select_from(Outbox)
        .where(col(Outbox.ref).in_(refs), col(Outbox.status).in_(statuses))
    )
    return by_asker(statement, Outbox.user_id, scope)
