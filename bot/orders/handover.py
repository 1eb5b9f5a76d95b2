"""Staff hand an order to someone else of its community (转派), and anyone handling it adds
a note (备注): both recorded as events, the new owner told."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.orders import service
from bot.orders.models import OPEN, OrderState, WorkOrder
from bot.orders.service import HANDLERS, OrderError, may_handle
from bot.outbox.notifier import Notifier
from bot.people import names, roles
from bot.types import Reply


def reassign(
    session: Session,
    notifier: Notifier,
    order_id: int,
    actor_id: int,
    who: str,
    now: dt.datetime,
) -> tuple[WorkOrder, int]:
    """Staff of the order's community make `who` (a user number or name of a volunteer or
    staff member there) its owner; an order nobody had accepted counts as answered now.

    Raises:
        OrderError: not the actor's community, not open, or `who` not found or not one
            who handles that community's orders.
    """
    order = service.locked(session, order_id)
    if not roles.may_act_on(session, actor_id, order.community_id):
        raise OrderError(f"工单 {order_id} 不是您社区的，不能转派。")
    if order.state not in OPEN:
        raise OrderError(f"工单 {order_id} 现在是“{OrderState.label_of(order.state)}”，不能转派。")
    target = _handler(session, who, order.community_id)
    if target == order.owner_id:
        raise OrderError(f"工单 {order_id} 本来就是 {names.in_chat(session, target)} 负责的。")
    order.owner_id = target
    if order.responded_at is None:
        order.responded_at = now
    state = OrderState.ASSIGNED if order.state == OrderState.SUBMITTED else order.state
    note = f"转派给 {names.in_chat(session, target)}"
    service.move(session, notifier, order, OrderState(state), actor_id, note, now)
    text = (
        f"工单 {order.id}（{order.category}）转派给您负责：{order.description[:60]}"
        f"{'（' + order.place + '）' if order.place else ''}\n办好后发“办结 {order.id} 说明”。"
    )
    service.notify(session, notifier, order, target, "handover", Reply(text))
    return order, target


def add_note(
    session: Session, order_id: int, actor_id: int, note: str, now: dt.datetime
) -> WorkOrder:
    """A note on the order's record (who, when, what), state unchanged; nobody is told.

    Raises:
        OrderError: not the actor's community, or an empty note.
    """
    order = service.locked(session, order_id)
    if not may_handle(session, actor_id, order.community_id):
        raise OrderError(f"工单 {order_id} 不是您社区的，不能操作。")
    if not note.strip():
        raise OrderError(f"请写上备注内容，如“备注 {order_id} 已联系物业，周五来修”。")
    service.record(session, order, order.state, actor_id, note, now)
    return order


def _handler(session: Session, who: str, community: str) -> int:
    """The volunteer or staff member `who` names, when they handle `community`'s orders."""
    found: int | None = None
    reason = f"没有找到“{who}”。"
    for role in HANDLERS:
        try:
            found = names.person(session, who, role)
            break
        except ValueError as exc:
            reason = str(exc)
    if found is None:
        raise OrderError(reason)
    if not may_handle(session, found, community):
        raise OrderError(f"{names.in_chat(session, found)} 不是这个社区的志愿者或工作人员。")
    return found
