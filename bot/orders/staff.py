"""Work orders as staff handle them from the command line (`linli order`): lists by state
and community, one order with its history, assigning one to a volunteer or staff member of
its community (首接负责 on their behalf; they are told), resolving it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlmodel import Session, col, select

from bot.orders import service
from bot.orders.models import Open311Request, WorkOrder
from bot.orders.service import OrderError
from bot.outbox.notifier import Notifier
from bot.types import Reply

LIST_MOST = 500  # rows a list shows; exports have no limit


def listed(
    session: Session,
    communities: Collection[str] | None = None,
    states: Collection[str] = (),
    most: int = LIST_MOST,
) -> Sequence[WorkOrder]:
    """Orders newest first, of these communities (None: all) and states (empty: every one)."""
    statement = select(WorkOrder)
    if communities is not None:
        statement = statement.where(col(WorkOrder.community_id).in_(list(communities)))
    if states:
        statement = statement.where(col(WorkOrder.state).in_(list(states)))
    return session.exec(statement.order_by(col(WorkOrder.id).desc()).limit(most)).all()


def order_of(session: Session, order_id: int) -> WorkOrder:
    """The order.

    Raises:
        OrderError: there is none with that number.
    """
    order = session.get(WorkOrder, order_id)
    if order is None:
        raise OrderError(f"没有编号为 {order_id} 的工单。")
    return order


def contact_of(session: Session, order_id: int) -> Open311Request | None:
    """What an Open311 client sent with the order (the reporter's contact), if it came so."""
    return session.get(Open311Request, order_id)


def assign(
    session: Session, notifier: Notifier, order_id: int, assignee_id: int, now: dt.datetime
) -> WorkOrder:
    """Give a waiting order to someone who handles orders of its community: they own it as if
    they had accepted it, and are told.

    Raises:
        OrderError: no such order, not theirs to handle, or not waiting for someone.
    """
    order = order_of(session, order_id)
    if not service.may_handle(session, assignee_id, order.community_id):
        raise OrderError(
            f"用户 {assignee_id} 不是社区 {order.community_id} 的工作人员或志愿者，不能接这张工单。"
        )
    order = service.accept(session, notifier, order_id, assignee_id, now)
    text = f"工作人员把工单 {order_id}（{order.category}）派给了您，请尽快处理。"
    key = f"work_order:{order_id}:assigned:{assignee_id}"
    notifier.send(
        session, assignee_id, service.NOTICE_KIND, key, [Reply(text)], ref=f"work_order:{order_id}"
    )
    return order


def resolve(
    session: Session,
    notifier: Notifier,
    order_id: int,
    actor_id: int | None,
    note: str,
    now: dt.datetime,
) -> WorkOrder:
    """Resolve (办结) an order as `actor_id`, or as its owner when None; the resident is asked
    to confirm.

    Raises:
        OrderError: no owner and no actor, or what `service.resolve` refuses.
    """
    order = order_of(session, order_id)
    actor = actor_id if actor_id is not None else order.owner_id
    if actor is None:
        raise OrderError(f"工单 {order_id} 还没有人接单：先 assign，或用 --by 写明是谁办结的。")
    return service.resolve(session, notifier, order_id, actor, note, now)
