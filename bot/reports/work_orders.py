"""Work-order figures, one query per figure, over `bot/orders`' tables and the district's
categories (their time limits). A scope's `category` narrows every figure to one category
(the report's table by category).

What each counts (written out in the README):
- opened: orders filed in the window;
- responded on time: of those, the ones someone accepted or turned down by the respond limit
  fixed at filing (the first change from 待受理);
- resolved: orders first marked 已办结 in the window; on time: by the resolve limit fixed at
  filing (working days, holidays and 调休: `bot.orders.deadlines`);
- overdue: orders still open (待受理 / 处理中 / 重新处理中) at the window's end and past
  their resolve limit, wherever they were filed.
An order stored without limits (filed before they were) is held to its category's
`respond_hours` / `resolve_days` in calendar time;
- satisfaction: the share of ratings of 4 or 5 among the orders resolved in the window that
  residents rated (`WorkOrder.rating`, 1-5, the 回访); with no rating the figure is not
  known and the report says 暂无评价数据."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.orders.categories import Category
from bot.orders.models import OPEN, OrderState, WorkOrder, WorkOrderEvent
from bot.reports.figures import Scope, Select

SATISFIED = 4  # a rating of 4 or 5 (of 5) counts as satisfied
NO_RATINGS = "暂无评价数据"


@dataclass(frozen=True)
class Fact:
    """One order as the figures read it, up to the window's end."""

    category: str
    filed: dt.datetime
    answered: dt.datetime | None  # first accepted or turned down
    resolved: dt.datetime | None  # first marked resolved
    open_at_end: bool  # 待受理 / 处理中 / 重新处理中 at the window's end
    rating: int | None = None
    respond_due: dt.datetime | None = None  # the limits fixed at filing (working days),
    resolve_due: dt.datetime | None = None  # when the order holds them


def any_orders(session: Session, scope: Scope) -> bool:
    """Whether the base holds a work order filed before the window's end (a report shows
    the section only then: a district that takes no work orders is not told about them)."""
    statement = select(WorkOrder.id).where(col(WorkOrder.created_at) < scope.until).limit(1)
    return session.exec(_where(statement, scope)).first() is not None


def opened(session: Session, scope: Scope) -> float | None:
    """Work orders filed in the window."""
    return float(sum(1 for f in facts(session, scope) if _inside(f.filed, scope)))


def responded_on_time(session: Session, scope: Scope) -> float | None:
    """Orders filed in the window that were accepted or turned down in time."""
    limits = _limits(scope, "respond")
    return float(
        sum(
            1
            for f in facts(session, scope)
            if _inside(f.filed, scope)
            and f.answered is not None
            and f.answered <= _due(f.respond_due, f, limits)
        )
    )


def response_rate(session: Session, scope: Scope) -> float | None:
    """Responded in time / filed, in per cent; None when none was filed."""
    return _rate(responded_on_time(session, scope), opened(session, scope))


def resolved(session: Session, scope: Scope) -> float | None:
    """Orders first marked resolved in the window."""
    return float(len(_resolutions(session, scope)))


def resolved_on_time(session: Session, scope: Scope) -> float | None:
    """Of those, the ones resolved within their category's days."""
    limits = _limits(scope, "resolve")
    late = [
        f
        for f in _resolutions(session, scope)
        if f.resolved and f.resolved > _due(f.resolve_due, f, limits)
    ]
    return float(len(_resolutions(session, scope)) - len(late))


def on_time_rate(session: Session, scope: Scope) -> float | None:
    """Resolved in time / resolved, in per cent; None when none was resolved."""
    return _rate(resolved_on_time(session, scope), resolved(session, scope))


def overdue(session: Session, scope: Scope) -> float | None:
    """Orders open at the window's end and past their category's days to resolve."""
    limits = _limits(scope, "resolve")
    return float(
        sum(
            1
            for f in facts(session, scope)
            if f.open_at_end and _due(f.resolve_due, f, limits) < scope.until
        )
    )


def satisfaction(ratings: list[int]) -> float | None:
    """The share of ratings of SATISFIED or more, in per cent; None without ratings."""
    return _rate(float(sum(r >= SATISFIED for r in ratings)), float(len(ratings)))


def satisfaction_rate(session: Session, scope: Scope) -> float | None:
    """Satisfied ratings / ratings of the orders resolved in the window; None while work
    orders hold no rating, or none of them was rated."""
    rated = [f.rating for f in _resolutions(session, scope) if f.rating is not None]
    return satisfaction(rated)


def facts(session: Session, scope: Scope) -> list[Fact]:
    """The orders filed before the window's end (of the scope's community and category),
    read in one query and kept for the session: the figures, and the same figures by
    category, all read these."""
    key = ("work-order facts", scope.since, scope.until, scope.community)
    cache: dict[Any, list[Fact]] = session.info.setdefault("reports", {})
    if key not in cache:
        cache[key] = _read_facts(session, scope)
    every = cache[key]
    return every if scope.category is None else [f for f in every if f.category == scope.category]


def _read_facts(session: Session, scope: Scope) -> list[Fact]:
    before_end = col(WorkOrderEvent.at) < scope.until
    answered = func.min(
        case((col(WorkOrderEvent.before) == OrderState.SUBMITTED, WorkOrderEvent.at))
    )
    fixed = func.min(case((col(WorkOrderEvent.after) == OrderState.RESOLVED, WorkOrderEvent.at)))
    events = (
        select(
            WorkOrderEvent.order_id,
            answered.label("answered"),
            fixed.label("resolved"),
            func.max(case((before_end, WorkOrderEvent.id))).label("last"),
        )
        .group_by(col(WorkOrderEvent.order_id))
        .subquery()
    )
    last = aliased(WorkOrderEvent)
    columns: list[Any] = [
        WorkOrder.category,
        WorkOrder.created_at,
        events.c.answered,
        events.c.resolved,
        last.after,
        WorkOrder.rating,
        WorkOrder.respond_due,
        WorkOrder.resolve_due,
    ]
    statement: Select = (
        select(*columns)
        .select_from(WorkOrder)
        .join(events, events.c.order_id == WorkOrder.id)
        .outerjoin(last, col(last.id) == events.c.last)
        .where(col(WorkOrder.created_at) < scope.until)
    )
    if scope.community is not None:
        statement = statement.where(col(WorkOrder.community_id) == scope.community)
    rows: Any = session.exec(statement).all()
    return [
        Fact(category, filed, _utc(answered), _utc(fixed), after in OPEN, rated, _utc(r), _utc(d))
        for category, filed, answered, fixed, after, rated, r, d in rows
    ]


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A moment an aggregate returned: SQLite gives it back naive (it was stored in UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def _resolutions(session: Session, scope: Scope) -> list[Fact]:
    return [
        f for f in facts(session, scope) if f.resolved is not None and _inside(f.resolved, scope)
    ]


def _inside(moment: dt.datetime, scope: Scope) -> bool:
    return scope.since <= moment < scope.until


def _where(statement: Select, scope: Scope) -> Select:
    if scope.community is not None:
        statement = statement.where(col(WorkOrder.community_id) == scope.community)
    if scope.category is not None:
        statement = statement.where(col(WorkOrder.category) == scope.category)
    return statement


class _Limits(dict[str, dt.timedelta]):
    """A category's time limit; a category the district no longer lists gets the longest."""

    def __missing__(self, key: str) -> dt.timedelta:
        return max(self.values(), default=dt.timedelta(days=3650))


def _limits(scope: Scope, which: str) -> _Limits:
    return _Limits({c.name: _limit(c, which) for c in scope.categories})


def _limit(category: Category, which: str) -> dt.timedelta:
    if which == "respond":
        return dt.timedelta(hours=category.respond_hours)
    return dt.timedelta(days=category.resolve_days)


def _due(fixed: dt.datetime | None, fact: Fact, limits: _Limits) -> dt.datetime:
    """An order's limit: the one fixed at filing (working days and holidays, `bot.orders.
    deadlines`), else — an order filed before limits were stored — its category's, counted
    in calendar time from filing."""
    return fixed if fixed is not None else fact.filed + limits[fact.category]


def _rate(part: float | None, whole: float | None) -> float | None:
    return None if not whole else round(100 * (part or 0) / whole, 1)
