"""What residents and owners of work orders are told, in one place."""

from __future__ import annotations

from bot.logs import mask_mobiles
from bot.orders.models import OrderState, WorkOrder
from bot.types import Reply


def heading(order: WorkOrder) -> str:
    """One line naming an order: 【编号 3】路灯照明 · 处理中."""
    return f"【编号 {order.id}】{order.category} · {OrderState.label_of(order.state)}"


def line(order: WorkOrder) -> str:
    """An order in a list: its heading, then what and where (cut short; a mobile number the
    resident typed is masked: lists are read in chat)."""
    where = f"（{mask_mobiles(order.place)}）" if order.place else ""
    return f"{heading(order)}\n  {_short(mask_mobiles(order.description))}{where}"


def to_resident(order: WorkOrder, note: str) -> Reply | None:
    """The notice a resident gets when someone else moves their order; None for a change
    the resident made themself (their reply says it)."""
    said = f"：{note}" if note else ""
    texts = {
        OrderState.ASSIGNED: f"您反映的问题（编号 {order.id}）已有人接单，正在处理。",
        OrderState.RESOLVED: (
            f"您反映的问题（编号 {order.id}）已办结{said}。\n问题解决了吗？"
            f"回复“已解决 {order.id}”确认，没解决请回复“没解决 {order.id}”。"
        ),
        OrderState.REJECTED: f"您反映的问题（编号 {order.id}）暂时没有受理{said}。",
    }
    text = texts.get(OrderState(order.state))
    return Reply(text) if text else None


def to_owner(order: WorkOrder, note: str) -> Reply | None:
    """The notice the owner gets when the resident confirms or reopens an order."""
    said = f"：{note}" if note else ""
    texts = {
        OrderState.CLOSED: f"工单 {order.id} 居民已确认解决，已销号。辛苦了！",
        OrderState.REOPENED: f"工单 {order.id} 居民说还没解决{said}，请再看看。",
    }
    text = texts.get(OrderState(order.state))
    return Reply(text) if text else None


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
