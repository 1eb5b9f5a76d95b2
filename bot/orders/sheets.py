"""Work orders out: a period's orders as a spreadsheet (xlsx/csv) for staff, with the full
names and phone numbers Linli holds (chat and lists show them masked)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.orders.models import Open311Request, OrderState, WorkOrder
from bot.orders.service import OrderError
from bot.people.names import account_of, name_of
from bot.spreadsheets import Cell, SheetError, write_table

HEADER = (
    "编号", "社区", "类别", "状态", "问题描述", "地点", "反映人", "电话", "邮箱", "账号",
    "接单人", "提交时间", "最后更新",
)  # fmt: skip


def export_orders(
    session: Session, first: dt.date, last: dt.date, path: Path, zone: ZoneInfo
) -> int:
    """Write the orders filed from `first` to `last` (local days, both included) to .xlsx or
    .csv. Returns how many.

    Raises:
        OrderError: the dates are the wrong way round, or the file cannot be written.
    """
    if last < first:
        raise OrderError("结束日期早于开始日期。")
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    statement = select(WorkOrder).where(WorkOrder.created_at >= start, WorkOrder.created_at < end)
    orders = session.exec(statement.order_by(col(WorkOrder.id))).all()
    rows: list[list[Cell]] = [list(HEADER)]
    rows += [_row(session, order, zone) for order in orders]
    try:
        write_table(path, rows, "工单")
    except SheetError as exc:
        raise OrderError(str(exc)) from None
    return len(orders)


def _row(session: Session, order: WorkOrder, zone: ZoneInfo) -> list[Cell]:
    contact = session.get(Open311Request, order.id)
    name = name_of(session, order.resident_id)
    if contact is not None:
        name = f"{contact.last_name}{contact.first_name}".strip() or name
    owner = (name_of(session, order.owner_id) or str(order.owner_id)) if order.owner_id else ""
    return [
        order.id, order.community_id, order.category, OrderState.label_of(order.state),
        order.description, order.place, name, contact.phone if contact else "",
        contact.email if contact else "", account_of(session, order.resident_id), owner,
        _local(order.created_at, zone), _local(order.updated_at, zone),
    ]  # fmt: skip


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
