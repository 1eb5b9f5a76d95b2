"""After filing and after close-out: residents who follow someone's report, the 回访 rating,
and the rates per community and category (响应率、按时办结率、满意率) that reports read."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.db import added_once
from bot.orders.models import OrderState, WorkOrder, WorkOrderFollower
from bot.orders.service import RATING_MAX, OrderError

SATISFIED = 4  # a rating of 4 or 5 counts as satisfied


def follow(session: Session, order: WorkOrder, user_id: int, now: dt.datetime) -> bool:
    """Add a resident to an order's notices; False when they follow it already (or it is
    their own)."""
    if order.resident_id == user_id:
        return False
    return added_once(session, WorkOrderFollower(order_id=order.id or 0, user_id=user_id, at=now))


def rate(session: Session, order_id: int, resident_id: int, score: int) -> WorkOrder:
    """The resident's 1–5 for a closed order of theirs (a second rating replaces the first).

    Raises:
        OrderError: not theirs, not closed, or not 1 to 5.
    """
    order = session.get(WorkOrder, order_id)
    if order is None or order.resident_id != resident_id:
        raise OrderError(f"没有找到您反映的编号 {order_id} 的问题。")
    if order.state != OrderState.CLOSED:
        raise OrderError(f"编号 {order_id} 还没办结，办好后再评价吧。")
    if not 1 <= score <= RATING_MAX:
        raise OrderError(f"请回复 1 到 {RATING_MAX} 的数字（{RATING_MAX} 分最满意）。")
    order.rating = score
    session.add(order)
    session.flush()
    return order


@dataclass(frozen=True)
class Rates:
    """One community's (or category's) figures for the orders filed in a period.

    filed: orders filed, less those not accepted (未受理);
    responded: of those, accepted within the respond limit;
    due: of those, resolved already or past their resolve limit (decided, on time or not);
    on_time: of `due`, resolved (its last resolution, a reopened one not until it is again)
    within the limit; rated / satisfied: ratings, 4–5."""

    filed: int = 0
    responded: int = 0
    due: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def response_rate(self) -> float | None:
        """响应率: accepted in time / filed (None: nothing filed)."""
        return self.responded / self.filed if self.filed else None

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: resolved in time / decided."""
        return self.on_time / self.due if self.due else None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: rated 4 or 5 / rated."""
        return self.satisfied / self.rated if self.rated else None


def rates(
    session: Session, since: dt.datetime, until: dt.datetime, as_of: dt.datetime
) -> dict[tuple[str, str], Rates]:
    """The rates of orders filed in [since, until), per (community, category), counted as
    of `as_of`; `totals` sums them for a community or the district."""
    statement = select(WorkOrder).where(
        col(WorkOrder.created_at) >= since,
        col(WorkOrder.created_at) < until,
        WorkOrder.state != OrderState.REJECTED,
    )
    orders = session.exec(statement).all()
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 6)
    for order in orders:
        row = counts[(order.community_id, order.category)]
        # the resolution that stands: a reopened order is not resolved until it is again
        done = order.state in (OrderState.RESOLVED, OrderState.CLOSED)
        resolved = order.resolved_at if done else None
        due = order.resolve_due
        row[0] += 1
        row[1] += _within(order.responded_at, order.respond_due)
        row[2] += resolved is not None or (due is not None and due <= as_of)
        row[3] += _within(resolved, due)
        row[4] += order.rating is not None
        row[5] += (order.rating or 0) >= SATISFIED
    return {key: Rates(*row) for key, row in counts.items()}


def totals(found: Iterable[Rates]) -> Rates:
    """Several rows' figures added up."""
    rows = list(found)
    fields = ("filed", "responded", "due", "on_time", "rated", "satisfied")
    return Rates(*(sum(getattr(r, f) for r in rows) for f in fields))


def _within(at: dt.datetime | None, limit: dt.datetime | None) -> bool:
    return at is not None and limit is not None and at <= limit
