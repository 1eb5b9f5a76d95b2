"""SLA timers of work orders, run by the scheduler every tick: before a limit the owner is
reminded (before anyone accepts: the holders of the category's owner role in the community);
past it the community's 社区书记 (role `secretary`; staff when there is none) and the owner are
told; `street_after` later the district-wide staff (the street). A resolved order nobody
answers is closed after `autoclose_after`.

A step fires once: its `WorkOrderTimer` row (unique per order and step) is written in the
transaction that queues its notices, so a restart, a second process or a retry finds it
fired. A step that comes due after the next one (the server was down) is passed over,
recorded unsent. Only orders whose `next_check_at` has come are read."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import added_once
from bot.models import Community
from bot.orders import service
from bot.orders.categories import Category, named
from bot.orders.deadlines import CHINA
from bot.orders.models import OPEN, OrderState, WorkOrder, WorkOrderTimer
from bot.outbox.notifier import Notifier
from bot.people import roles
from bot.people.models import UserRole
from bot.types import Reply

logger = logging.getLogger(__name__)
TIMER_KIND = "work_order_timer"
BATCH = 200  # orders looked at per tick


@dataclass(frozen=True)
class Timers:
    """The district's SLA settings."""

    categories: tuple[Category, ...]
    remind_before: dt.timedelta = dt.timedelta(hours=4)
    street_after: dt.timedelta = dt.timedelta(hours=24)
    autoclose_after: dt.timedelta = dt.timedelta(days=7)
    zone: ZoneInfo = CHINA

    @classmethod
    def of_district(cls, settings: Settings, categories: tuple[Category, ...]) -> Timers:
        """The timers `[orders]` configures."""
        config = settings.orders
        return cls(
            categories, dt.timedelta(hours=config.remind_before_hours),
            dt.timedelta(hours=config.street_after_hours),
            dt.timedelta(days=config.autoclose_days), settings.zone,
        )  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One timer of an order: its name (stored once fired), when, and who is told."""

    name: str
    due: dt.datetime
    audience: str  # owner | secretary | street | close
    moot_at: dt.datetime | None = None  # a reminder still unsent at its limit is passed over


def steps(order: WorkOrder, timers: Timers) -> list[Step]:
    """The timers that apply to the order in its state now, soonest first."""
    found: list[Step] = []
    if order.state == OrderState.SUBMITTED and order.respond_due is not None:
        found += _limit("respond", order.respond_due, timers)
    if order.state in OPEN and order.resolve_due is not None:
        found += _limit("resolve", order.resolve_due, timers)
    if order.state == OrderState.RESOLVED and order.resolved_at is not None:
        # one auto-close per resolution: a reopened order resolved again gets its own
        when = order.resolved_at + timers.autoclose_after
        found.append(Step(f"autoclose:{order.resolved_at.timestamp():.0f}", when, "close"))
    return sorted(found, key=lambda s: s.due)


def _limit(kind: str, due: dt.datetime, timers: Timers) -> list[Step]:
    return [
        Step(f"{kind}:remind", due - timers.remind_before, "owner", moot_at=due),
        Step(f"{kind}:late", due, "secretary"),
        Step(f"{kind}:street", due + timers.street_after, "street"),
    ]


def run_due(session: Session, notifier: Notifier, timers: Timers, now: dt.datetime) -> int:
    """Fire every step that has come due; the number fired (sent or passed over)."""
    statement = (
        select(WorkOrder)
        .where(col(WorkOrder.next_check_at).is_not(None), col(WorkOrder.next_check_at) <= now)
        .order_by(col(WorkOrder.next_check_at))
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    fired = 0
    for order in session.exec(statement).all():
        fired += _run_order(session, notifier, timers, order, now)
    return fired


def _run_order(
    session: Session, notifier: Notifier, timers: Timers, order: WorkOrder, now: dt.datetime
) -> int:
    done = _fired(session, order.id or 0)
    waiting = [s for s in steps(order, timers) if s.name not in done]
    fired = 0
    for step in waiting:
        if step.due > now:
            break
        moot = step.moot_at is not None and now >= step.moot_at
        if _claim(session, order, step, now, sent=not moot):
            fired += 1
            if not moot:
                _act(session, notifier, timers, order, step, now)
    left = [s.due for s in steps(order, timers) if s.name not in _fired(session, order.id or 0)]
    order.next_check_at = min(left) if left else None
    session.add(order)
    return fired


def _fired(session: Session, order_id: int) -> set[str]:
    statement = select(WorkOrderTimer.step).where(WorkOrderTimer.order_id == order_id)
    return set(session.exec(statement).all())


def _claim(session: Session, order: WorkOrder, step: Step, now: dt.datetime, sent: bool) -> bool:
    """Record the step as fired; False when another transaction fired it first."""
    fired = WorkOrderTimer(order_id=order.id or 0, step=step.name, fired_at=now, sent=sent)
    return added_once(session, fired)


def _act(
    session: Session,
    notifier: Notifier,
    timers: Timers,
    order: WorkOrder,
    step: Step,
    now: dt.datetime,
) -> None:
    if step.audience == "close":
        _autoclose(session, notifier, timers, order, now)
        return
    text = _text(session, timers, order, step)
    for user_id in _audience(session, timers, order, step.audience):
        key = f"work_order:{order.id}:timer:{step.name}:user:{user_id}"
        ref = f"work_order:{order.id}"
        notifier.send(session, user_id, TIMER_KIND, key, [Reply(text)], ref=ref)
    logger.info("work order %s: %s fired", order.id, step.name)


def _autoclose(
    session: Session, notifier: Notifier, timers: Timers, order: WorkOrder, now: dt.datetime
) -> None:
    days = timers.autoclose_after.days
    order.closed_at = now
    note = f"{days} 天没有收到回复，自动销号；还没解决的话回复“没解决 {order.id}”"
    service.move(session, notifier, order, OrderState.CLOSED, None, note, now)


def _audience(session: Session, timers: Timers, order: WorkOrder, audience: str) -> list[int]:
    community = order.community_id
    if audience == "owner":
        if order.owner_id is not None:
            return [order.owner_id]
        category = named(order.category, timers.categories)
        role = category.owner if category else "volunteer"
        return _holders(session, [role], community) or _holders(session, roles.STAFF, community)
    if audience == "secretary":
        found = _holders(session, ["secretary"], community) or _holders(
            session, roles.STAFF, community
        )
        owner = [order.owner_id] if order.owner_id is not None else []
        return sorted(set(found + owner))
    return _holders(session, roles.STAFF, "")  # the street: district-wide staff


def _holders(session: Session, role_names: Collection[str], community: str) -> list[int]:
    """Who holds one of these roles in exactly this community ("" : district-wide)."""
    statement = select(UserRole.user_id).where(
        col(UserRole.role).in_(list(role_names)), UserRole.community_id == community
    )
    return sorted(set(session.exec(statement).all()))


def _text(session: Session, timers: Timers, order: WorkOrder, step: Step) -> str:
    place = session.get(Community, order.community_id)
    where = f"{place.name if place else order.community_id}·{order.category}"
    kind, stage = step.name.split(":")
    doing = "接单响应" if kind == "respond" else "办结"
    due = order.respond_due if kind == "respond" else order.resolve_due
    by = _local(due, timers) if due else "—"
    if stage == "remind":
        act = f"发“接单 {order.id}”接单" if kind == "respond" else f"办好后发“办结 {order.id} 说明”"
        return f"⏰ 工单 {order.id}（{where}）要在 {by} 前{doing}，{act}。"
    if stage == "late":
        return f"⚠️ 工单 {order.id}（{where}）已超过{doing}时限（{by}），请督办。"
    hours = f"{timers.street_after.total_seconds() / 3600:g}"
    return f"⚠️ 工单 {order.id}（{where}）超过{doing}时限（{by}）{hours} 小时仍未处理，请街道督办。"


def _local(when: dt.datetime, timers: Timers) -> str:
    """A deadline as read in chat: a resolve limit (local midnight) as that day's 24:00."""
    local = when.astimezone(timers.zone)
    if local.time() == dt.time():
        return (local - dt.timedelta(days=1)).strftime("%m月%d日 24:00")
    return local.strftime("%m月%d日 %H:%M")


def is_overdue(order: WorkOrder, now: dt.datetime) -> bool:
    """Whether an order is past a limit now (the same test as `overdue`, for one row)."""
    late_answer = order.state == OrderState.SUBMITTED and _past(order.respond_due, now)
    return late_answer or (order.state in OPEN and _past(order.resolve_due, now))


def _past(limit: dt.datetime | None, now: dt.datetime) -> bool:
    return limit is not None and limit < now


def overdue(
    session: Session, communities: Collection[str] | None, now: dt.datetime
) -> Sequence[WorkOrder]:
    """Open orders past a limit (not accepted in time, or not resolved in time) in these
    communities (None: all), oldest first: what the morning digest lists."""
    late_answer = and_(
        col(WorkOrder.state) == OrderState.SUBMITTED, col(WorkOrder.respond_due) < now
    )
    late_fix = and_(col(WorkOrder.state).in_(list(OPEN)), col(WorkOrder.resolve_due) < now)
    statement = select(WorkOrder).where(or_(late_answer, late_fix))
    if communities is not None:
        statement = statement.where(col(WorkOrder.community_id).in_(list(communities)))
    return session.exec(statement.order_by(col(WorkOrder.id))).all()
