"""Work orders from filing to close-out: a resident files one; the first staff member or
volunteer of its community to accept it owns it (首接负责), or staff hand it to someone
(转派); the owner resolves it; the resident confirms (closed, then rates it) or says it is not
fixed (reopened, also shortly after closing); staff may reject it with a reason. Every change
is a `WorkOrderEvent`, and the reporter, the followers and the owner are told through the
outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bot.errors import UserFacingError
from bot.orders import messages
from bot.orders.categories import Category, named
from bot.orders.deadlines import Deadlines
from bot.orders.models import (
    DESCRIPTION_MAX,
    OPEN,
    PHOTOS_MAX,
    PLACE_MAX,
    OrderState,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderFollower,
    WorkOrderPhoto,
)
from bot.outbox.notifier import Notifier
from bot.people import roles
from bot.types import Reply

HANDLERS = ("volunteer", *roles.STAFF)  # who may accept and resolve orders of their community
NOTICE_KIND = "work_order"
RATING_MAX = 5


class OrderError(UserFacingError):
    """A work order cannot be filed or changed; the message says why."""


@dataclass(frozen=True)
class Photo:
    """A photo as the channel keeps it (WeChat: MediaId and PicUrl): a reference only."""

    channel: str
    media_id: str = ""
    url: str = ""


@dataclass(frozen=True)
class Report:
    """What a resident reports: the kind of problem, what it is, where, and photos."""

    category: str
    description: str
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    photos: tuple[Photo, ...] = field(default=())


def check_description(text: str) -> str:
    """The description, stripped, when it has 1 to 500 characters.

    Raises:
        OrderError: it is empty or too long.
    """
    text = text.strip()
    if not text:
        raise OrderError("请说说是什么问题，一句话就行。")
    if len(text) > DESCRIPTION_MAX:
        raise OrderError(f"有点长（{len(text)} 字），请精简到 {DESCRIPTION_MAX} 字以内再发一次。")
    return text


def check_place(text: str) -> str:
    """The place, stripped, when it fits.

    Raises:
        OrderError: it is too long.
    """
    text = text.strip()
    if len(text) > PLACE_MAX:
        raise OrderError(f"地点请写短一点（{PLACE_MAX} 字以内），如“3栋2单元楼道”。")
    return text


def submit(
    session: Session,
    resident_id: int,
    community_id: str | None,
    report: Report,
    categories: Sequence[Category],
    now: dt.datetime,
    deadlines: Deadlines | None = None,
) -> WorkOrder:
    """File a resident's report in their community, all checks first (nothing half-made),
    with its deadlines (`deadlines`: the district's working days; default the calendar
    package's, in China's time).

    Raises:
        OrderError: no community, an unknown category, a bad description, place or photos.
    """
    if not community_id:
        raise OrderError("请先告诉我您住在哪个社区：发“选社区”。")
    category = named(report.category, categories)
    if category is None:
        raise OrderError(f"没有“{report.category}”这个类别。")
    if len(report.photos) > PHOTOS_MAX:
        raise OrderError(f"照片最多 {PHOTOS_MAX} 张。")
    respond_due, resolve_due = (deadlines or Deadlines()).of(category, now)
    order = WorkOrder(
        resident_id=resident_id, community_id=community_id, category=report.category,
        description=check_description(report.description), place=check_place(report.place),
        latitude=report.latitude, longitude=report.longitude, state=OrderState.SUBMITTED,
        respond_due=respond_due, resolve_due=resolve_due, next_check_at=now,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(order)
    session.flush()
    for photo in report.photos:
        session.add(WorkOrderPhoto(
            order_id=order.id or 0, user_id=resident_id, channel=photo.channel,
            media_id=photo.media_id, url=photo.url, at=now,
        ))  # fmt: skip
    record(session, order, None, resident_id, "", now)
    return order


def may_handle(session: Session, user_id: int, community: str) -> bool:
    """Whether the user is staff or a volunteer of `community` (or of the whole district)."""
    places = roles.communities_of(session, user_id, HANDLERS)
    return places is None or community in places


def accept(
    session: Session, notifier: Notifier, order_id: int, actor_id: int, now: dt.datetime
) -> WorkOrder:
    """The actor takes the order and owns it: the first to accept wins (首接负责).

    Raises:
        OrderError: no such order of the actor's communities, or it is taken or done.
    """
    order = handled(session, order_id, actor_id)
    if order.state != OrderState.SUBMITTED:
        taken = "已经有人接单了" if order.owner_id is not None else "已经不需要接单了"
        raise OrderError(f"工单 {order_id} {taken}（{OrderState.label_of(order.state)}）。")
    order.owner_id, order.responded_at = actor_id, now
    return move(session, notifier, order, OrderState.ASSIGNED, actor_id, "", now)


def resolve(
    session: Session,
    notifier: Notifier,
    order_id: int,
    actor_id: int,
    note: str,
    now: dt.datetime,
) -> WorkOrder:
    """The owner (or staff of the community) says what was done; the resident is asked to
    confirm.

    Raises:
        OrderError: not theirs, not in hand, or no note.
    """
    order = handled(session, order_id, actor_id)
    if order.state not in (OrderState.ASSIGNED, OrderState.REOPENED):
        raise OrderError(f"工单 {order_id} 现在是“{OrderState.label_of(order.state)}”，不能办结。")
    if order.owner_id != actor_id and not roles.may_act_on(session, actor_id, order.community_id):
        raise OrderError(f"工单 {order_id} 是别人接的单，请联系接单人办结。")
    if not note.strip():
        raise OrderError(f"请写上怎么处理的，如“办结 {order_id} 已更换灯泡”。")
    order.resolved_at = now
    return move(session, notifier, order, OrderState.RESOLVED, actor_id, note, now)


def reject(
    session: Session,
    notifier: Notifier,
    order_id: int,
    actor_id: int,
    reason: str,
    now: dt.datetime,
) -> WorkOrder:
    """Staff of the community decline an open order, saying why.

    Raises:
        OrderError: not staff of its community, not open, or no reason.
    """
    order = locked(session, order_id)
    if not roles.may_act_on(session, actor_id, order.community_id):
        raise OrderError(f"工单 {order_id} 不是您社区的，不能操作。")
    if order.state not in OPEN:
        raise OrderError(f"工单 {order_id} 现在是“{OrderState.label_of(order.state)}”，不能退回。")
    if not reason.strip():
        raise OrderError(f"请写上不受理的原因，如“不受理 {order_id} 属于私人住宅，请联系物业”。")
    return move(session, notifier, order, OrderState.REJECTED, actor_id, reason, now)


def confirm(
    session: Session, notifier: Notifier, order_id: int, resident_id: int, now: dt.datetime
) -> WorkOrder:
    """The resident says it is fixed: the order is closed (销号).

    Raises:
        OrderError: not their order, or not resolved.
    """
    order = _reported(session, order_id, resident_id, "确认")
    order.closed_at = now
    return move(session, notifier, order, OrderState.CLOSED, resident_id, "", now)


def reopen(
    session: Session,
    notifier: Notifier,
    order_id: int,
    resident_id: int,
    note: str,
    now: dt.datetime,
    within: dt.timedelta = dt.timedelta(days=7),
) -> WorkOrder:
    """The resident says it is not fixed — while it waits for their word, or within
    `within` of its closing: the order goes back to its owner.

    Raises:
        OrderError: not their order, not resolved, or closed too long ago.
    """
    order = _reported(session, order_id, resident_id, "重新处理", reopen_within=within, now=now)
    order.closed_at = None
    return move(session, notifier, order, OrderState.REOPENED, resident_id, note.strip(), now)


def reported_by(session: Session, resident_id: int) -> Sequence[WorkOrder]:
    """A resident's own orders, newest first."""
    statement = select(WorkOrder).where(WorkOrder.resident_id == resident_id)
    return session.exec(statement.order_by(col(WorkOrder.id).desc())).all()


def followed_by(session: Session, user_id: int) -> Sequence[WorkOrder]:
    """The orders a resident follows (reported by someone else), newest first."""
    statement = (
        select(WorkOrder)
        .join(WorkOrderFollower, col(WorkOrderFollower.order_id) == WorkOrder.id)
        .where(WorkOrderFollower.user_id == user_id)
    )
    return session.exec(statement.order_by(col(WorkOrder.id).desc())).all()


def open_orders(session: Session, communities: Collection[str] | None) -> Sequence[WorkOrder]:
    """The orders still to be done (and those awaiting the resident) in these communities
    (None: every community), oldest first."""
    waiting = [*OPEN, OrderState.RESOLVED]
    statement = select(WorkOrder).where(col(WorkOrder.state).in_(waiting))
    if communities is not None:
        statement = statement.where(col(WorkOrder.community_id).in_(list(communities)))
    return session.exec(statement.order_by(col(WorkOrder.id))).all()


def photos_of(session: Session, order_id: int) -> Sequence[WorkOrderPhoto]:
    """An order's photo references, in the order sent (for staff of its community only)."""
    statement = select(WorkOrderPhoto).where(WorkOrderPhoto.order_id == order_id)
    return session.exec(statement.order_by(col(WorkOrderPhoto.id))).all()


def history(session: Session, order_id: int) -> Sequence[WorkOrderEvent]:
    """Every change of an order, in order."""
    statement = select(WorkOrderEvent).where(WorkOrderEvent.order_id == order_id)
    return session.exec(statement.order_by(col(WorkOrderEvent.id))).all()


def locked(session: Session, order_id: int) -> WorkOrder:
    """The order, locked for the change (FOR UPDATE on PostgreSQL).

    Raises:
        OrderError: no such order.
    """
    statement = select(WorkOrder).where(WorkOrder.id == order_id).with_for_update()
    found = session.exec(statement).first()
    if found is None:
        raise OrderError(f"没有找到编号 {order_id} 的工单。")
    return found


def handled(session: Session, order_id: int, actor_id: int) -> WorkOrder:
    """The order, when the actor handles orders of its community.

    Raises:
        OrderError: no such order, or not of the actor's communities.
    """
    order = locked(session, order_id)
    if not may_handle(session, actor_id, order.community_id):
        raise OrderError(f"工单 {order_id} 不是您社区的，不能操作。")
    return order


def _reported(
    session: Session,
    order_id: int,
    resident_id: int,
    doing: str,
    reopen_within: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """The resident's own order, waiting for their word (or, to reopen, closed lately)."""
    statement = select(WorkOrder).where(WorkOrder.id == order_id).with_for_update()
    order = session.exec(statement).first()
    if order is None or order.resident_id != resident_id:
        raise OrderError(f"没有找到您反映的编号 {order_id} 的问题，发“我的反映”看看。")
    lately = (
        reopen_within is not None and now is not None and order.state == OrderState.CLOSED
        and order.closed_at is not None and now - order.closed_at <= reopen_within
    )  # fmt: skip
    if order.state != OrderState.RESOLVED and not lately:
        raise OrderError(
            f"编号 {order_id} 现在是“{OrderState.label_of(order.state)}”，还不用{doing}。"
        )
    return order


def move(
    session: Session,
    notifier: Notifier,
    order: WorkOrder,
    state: OrderState,
    actor_id: int | None,
    note: str,
    now: dt.datetime,
) -> WorkOrder:
    """Change the state, record it, and tell whoever did not make the change: the reporter,
    the followers, the owner. The scheduler looks at the order's timers again next tick."""
    before = order.state
    order.state, order.updated_at, order.next_check_at = state, now, now
    session.add(order)
    session.flush()
    event = record(session, order, before, actor_id, note, now)
    if before == state:  # a hand-over: the new owner is told by the caller
        return order
    resident = messages.to_resident(order, note)
    if resident is not None and actor_id != order.resident_id:
        tell(session, notifier, order.resident_id, event, resident)
    follower = messages.to_follower(order, note)
    for user_id in followers(session, order.id or 0):
        if follower is not None and user_id != actor_id:
            tell(session, notifier, user_id, event, follower)
    owner = messages.to_owner(order, note)
    if owner is not None and order.owner_id is not None and order.owner_id != actor_id:
        tell(session, notifier, order.owner_id, event, owner)
    return order


def followers(session: Session, order_id: int) -> list[int]:
    """The residents following an order (besides its reporter), in the order they joined."""
    statement = select(WorkOrderFollower.user_id).where(WorkOrderFollower.order_id == order_id)
    return list(session.exec(statement.order_by(col(WorkOrderFollower.id))).all())


def record(
    session: Session,
    order: WorkOrder,
    before: str | None,
    actor_id: int | None,
    note: str,
    now: dt.datetime,
) -> WorkOrderEvent:
    event = WorkOrderEvent(
        order_id=order.id or 0, at=now, actor_id=actor_id, before=before, after=order.state,
        note=note.strip()[:DESCRIPTION_MAX],
    )  # fmt: skip
    session.add(event)
    session.flush()
    return event


def tell(
    session: Session, notifier: Notifier, user_id: int, event: WorkOrderEvent, reply: Reply
) -> None:
    """One notice per change and person: the key is the event's, so a retry queues none."""
    key = f"work_order:{event.order_id}:event:{event.id}:user:{user_id}"
    notifier.send(session, user_id, NOTICE_KIND, key, [reply], ref=f"work_order:{event.order_id}")


def notify(
    session: Session, notifier: Notifier, order: WorkOrder, user_id: int, what: str, reply: Reply
) -> None:
    """A notice about an order outside its state changes, once per order, event and person."""
    last = history(session, order.id or 0)[-1]
    key = f"work_order:{order.id}:{what}:{last.id}:user:{user_id}"
    notifier.send(session, user_id, NOTICE_KIND, key, [reply], ref=f"work_order:{order.id}")
