"""What residents and owners of work orders are told, in one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.logs import mask_mobiles
from bot.orders.models import OrderState, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from bot.people.names import in_chat
from bot.types import Reply


def heading(order: WorkOrder) -> str:
    """One line naming an order: 【编号 3】路灯照明 · 处理中."""
    return f"【编号 {order.id}】{order.category} · {OrderState.label_of(order.state)}"


def line(order: WorkOrder, late: bool = False) -> str:
    """An order in a list: its heading (marked 🔴超时 when `late`), then what and where (cut
    short; a mobile number the resident typed is masked: lists are read in chat)."""
    where = f"（{mask_mobiles(order.place)}）" if order.place else ""
    mark = " 🔴超时" if late else ""
    return f"{heading(order)}{mark}\n  {_short(mask_mobiles(order.description))}{where}"


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
        OrderState.CLOSED: f"您反映的问题（编号 {order.id}）已销号{said}。",
    }
    text = texts.get(OrderState(order.state))
    return Reply(text) if text else None


def to_follower(order: WorkOrder, note: str) -> Reply | None:
    """The notice a resident following someone else's report gets at each change (never
    the reporter's name, phone or photos)."""
    said = f"：{note}" if note and order.state != OrderState.REOPENED else ""
    texts = {
        OrderState.ASSIGNED: "已有人接单，正在处理。",
        OrderState.RESOLVED: f"已办结{said}，正在等反映人确认。",
        OrderState.CLOSED: f"已销号{said}。" if note else "已确认解决，已销号。",
        OrderState.REOPENED: "反映人说还没解决，已重新交给负责人处理。",
        OrderState.REJECTED: f"暂时没有受理{said}。",
    }
    text = texts.get(OrderState(order.state))
    return Reply(f"您关注的问题（编号 {order.id}）{text}") if text else None


def duplicate_offer(order: WorkOrder, own: bool) -> str:
    """Before filing: the same problem is open already (its number and state only)."""
    state = OrderState.label_of(order.state)
    if own:
        return f"您已经反映过这个问题了（编号 {order.id}，{state}），不用再报。发“我的反映”看进度。"
    return (
        f"已经有人反映过了（编号 {order.id}，{state}），要不要一起关注进度？\n"
        "回复“关注”一起关注，有进展会通知您；回复“单独提交”照样提交。"
    )


def ask_rating(order_id: int) -> str:
    """回访, after the resident confirms."""
    return f"谢谢确认！编号 {order_id} 已完成销号。\n对这次处理满意吗？回复 1–5 分（5 分最满意）。"


def to_owner(order: WorkOrder, note: str) -> Reply | None:
    """The notice the owner gets when the resident confirms or reopens an order (or it is
    closed for want of an answer)."""
    said = f"：{note}" if note else ""
    closed = (
        f"工单 {order.id} 已销号{said}。"
        if note
        else (f"工单 {order.id} 居民已确认解决，已销号。辛苦了！")
    )
    texts = {
        OrderState.CLOSED: closed,
        OrderState.REOPENED: f"工单 {order.id} 居民说还没解决{said}，请再看看。",
    }
    text = texts.get(OrderState(order.state))
    return Reply(text) if text else None


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def digest_text(late: Sequence[WorkOrder], now: dt.datetime) -> str:
    """The morning digest's part on overdue work orders (not accepted or not resolved in
    time), each with how long past its limit."""
    lines = [f"🔴 超时工单（{len(late)} 件）："]
    for order in late[:20]:
        limit = order.respond_due if order.state == OrderState.SUBMITTED else order.resolve_due
        hours = int((now - limit).total_seconds() // 3600) if limit else 0
        lines.append(f"· {heading(order)}｜超时 {hours} 小时")
    if len(late) > 20:
        lines.append(f"……还有 {len(late) - 20} 件，发“工单”看全部。")
    return "\n".join(lines)


def detail(session: Session, order: WorkOrder, zone: ZoneInfo) -> str:
    """An order as its community's staff and volunteers read it in chat ("工单 N"): what,
    where, who reported it (masked), the owner, the limits, the photos' links, the record."""
    photos = session.exec(
        select(WorkOrderPhoto.url, WorkOrderPhoto.channel)
        .where(WorkOrderPhoto.order_id == order.id).order_by(col(WorkOrderPhoto.id))
    ).all()  # fmt: skip
    events = session.exec(
        select(WorkOrderEvent).where(WorkOrderEvent.order_id == order.id)
        .order_by(col(WorkOrderEvent.id))
    ).all()  # fmt: skip
    point = f"（定位 {order.latitude:.5f},{order.longitude:.5f}）" if order.latitude else ""
    lines = [
        heading(order), f"问题：{mask_mobiles(order.description)}",
        f"地点：{mask_mobiles(order.place) or '（没有写）'}{point}",
        f"反映人：{in_chat(session, order.resident_id)}",
        f"负责人：{in_chat(session, order.owner_id) if order.owner_id else '还没人接单'}",
        f"时限：{_at(order.respond_due, zone)} 前响应，{_at(order.resolve_due, zone)} 前办结",
    ]  # fmt: skip
    lines += [f"照片 {n}：{url or _NO_LINK.get(channel, '（没有链接）')}"
              for n, (url, channel) in enumerate(photos, 1)]  # fmt: skip
    lines += [
        f"· {_at(e.at, zone)} {OrderState.label_of(e.after)}" + (f"：{e.note}" if e.note else "")
        for e in events
    ]
    return "\n".join(lines)


# a photo whose channel gives no link Linli may show (Telegram's file links hold the token)
_NO_LINK = {"telegram": "（Telegram 发来的，原图在报修人的 Telegram 对话里）"}


def _at(when: dt.datetime | None, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%m-%d %H:%M") if when else "—"
