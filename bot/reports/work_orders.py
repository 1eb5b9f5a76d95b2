"""Work-order figures, one query per figure, over `bot/orders`' tables and the district's
categories (their time limits). A scope's `category` narrows every figure to one category
(the report's table by category).

What each counts (written out in the README):
- opened: orders filed in the window;
- responded on time: of those, the ones someone accepted or turned down within their
  category's `respond_hours` of filing (the first change from 待受理);
- resolved: orders first marked 已办结 in the window; on time: within `resolve_days` of filing;
- overdue: orders still open (待受理 / 处理中 / 重新处理中) at the window's end and past
  their category's `resolve_days`, wherever they were filed;
- satisfaction: the share of ratings of 4 or 5 among the orders resolved in the window that
  residents rated, once work orders hold a rating (`WorkOrder.rating`, 1-5); until then the
  figure is not known and the report says 暂无评价数据."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.orders.categories import Category
from bot.orders.models import OPEN, OrderState, WorkOrder, WorkOrderEvent
from bot.reports.figures import Scope, Select

SATISFIED = 4  # a rating of 4 or 5 (of 5) counts as satisfied
NO_RATINGS = "暂无评价数据"


def rating_column() -> Any:
    """The work order's rating column, or None while work orders hold no rating."""
    return getattr(WorkOrder, "rating", None)


def any_orders(session: Session, scope: Scope) -> bool:
    """Whether the base holds a work order filed before the window's end (a report shows
    the section only then: a district that takes no work orders is not told about them)."""
    statement = select(WorkOrder.id).where(col(WorkOrder.created_at) < scope.until).limit(1)
    return session.exec(_where(statement, scope)).first() is not None


def opened(session: Session, scope: Scope) -> float | None:
    """Work orders filed in the window."""
    statement = select(func.count()).select_from(WorkOrder)
    value: Any = session.exec(_filed_inside(statement, scope)).one()  # a count
    return float(value)


def responded_on_time(session: Session, scope: Scope) -> float | None:
    """Orders filed in the window that were accepted or turned down in time."""
    first = (
        select(WorkOrder.category, WorkOrder.created_at, func.min(WorkOrderEvent.at))
        .select_from(WorkOrder)
        .join(WorkOrderEvent, col(WorkOrderEvent.order_id) == WorkOrder.id)
        .where(col(WorkOrderEvent.before) == OrderState.SUBMITTED)
        .group_by(col(WorkOrder.id), col(WorkOrder.category), col(WorkOrder.created_at))
    )
    limits = _limits(scope, "respond")
    rows = session.exec(_filed_inside(first, scope)).all()
    return float(sum(1 for category, filed, at in rows if at - filed <= limits[category]))


def response_rate(session: Session, scope: Scope) -> float | None:
    """Responded in time / filed, in per cent; None when none was filed."""
    return _rate(responded_on_time(session, scope), opened(session, scope))


def resolved(session: Session, scope: Scope) -> float | None:
    """Orders first marked resolved in the window."""
    return float(len(_resolutions(session, scope)))


def resolved_on_time(session: Session, scope: Scope) -> float | None:
    """Of those, the ones resolved within their category's days."""
    limits = _limits(scope, "resolve")
    rows = _resolutions(session, scope)
    return float(sum(1 for category, filed, at in rows if at - filed <= limits[category]))


def on_time_rate(session: Session, scope: Scope) -> float | None:
    """Resolved in time / resolved, in per cent; None when none was resolved."""
    return _rate(resolved_on_time(session, scope), resolved(session, scope))


def overdue(session: Session, scope: Scope) -> float | None:
    """Orders open at the window's end and past their category's days to resolve (an
    order's state then: its last change before the end, events being written in order)."""
    last = (
        select(func.max(WorkOrderEvent.id).label("id"))
        .where(col(WorkOrderEvent.at) < scope.until)
        .group_by(col(WorkOrderEvent.order_id))
        .subquery()
    )
    statement = (
        select(WorkOrder.category, WorkOrder.created_at)
        .select_from(WorkOrder)
        .join(WorkOrderEvent, col(WorkOrderEvent.order_id) == WorkOrder.id)
        .join(last, last.c.id == WorkOrderEvent.id)
        .where(col(WorkOrder.created_at) < scope.until, col(WorkOrderEvent.after).in_(OPEN))
    )
    limits = _limits(scope, "resolve")
    rows = session.exec(_where(statement, scope)).all()
    return float(sum(1 for category, filed in rows if filed + limits[category] < scope.until))


def satisfaction(ratings: list[int]) -> float | None:
    """The share of ratings of SATISFIED or more, in per cent; None without ratings."""
    return _rate(float(sum(r >= SATISFIED for r in ratings)), float(len(ratings)))


def satisfaction_rate(session: Session, scope: Scope) -> float | None:
    """Satisfied ratings / ratings of the orders resolved in the window; None while work
    orders hold no rating, or none of them was rated."""
    rating = rating_column()
    if rating is None:
        return None
    first = _first_resolved(scope)
    statement = (
        select(rating)
        .select_from(WorkOrder)
        .join(first, first.c.order_id == WorkOrder.id)
        .where(first.c.at >= scope.since, first.c.at < scope.until, rating.is_not(None))
    )
    ratings: Any = session.exec(_where(statement, scope)).all()  # the ratings given
    return satisfaction([int(r) for r in ratings])


def _first_resolved(scope: Scope) -> Any:
    return (
        select(WorkOrderEvent.order_id, func.min(WorkOrderEvent.at).label("at"))
        .where(col(WorkOrderEvent.after) == OrderState.RESOLVED)
        .group_by(col(WorkOrderEvent.order_id))
        .subquery()
    )


def _resolutions(session: Session, scope: Scope) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(category, filed, first resolved) of each order first resolved in the window."""
    first = _first_resolved(scope)
    statement = (
        select(WorkOrder.category, WorkOrder.created_at, first.c.at)
        .select_from(WorkOrder)
        .join(first, first.c.order_id == WorkOrder.id)
        .where(first.c.at >= scope.since, first.c.at < scope.until)
    )
    return [(c, f, a) for c, f, a in session.exec(_where(statement, scope)).all()]


def _filed_inside(statement: Select, scope: Scope) -> Select:
    statement = statement.where(
        col(WorkOrder.created_at) >= scope.since, col(WorkOrder.created_at) < scope.until
    )
    return _where(statement, scope)


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


def _rate(part: float | None, whole: float | None) -> float | None:
    return None if not whole else round(100 * (part or 0) / whole, 1)
