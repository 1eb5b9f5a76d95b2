"""`linli order ...`: staff list, read, assign and resolve work orders (生活小事), export a
period's orders, and issue the API keys Open311 clients file requests with."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from bot.activities.sheets import community_id
from bot.cli.args import row_id
from bot.cli.desk import Desk, Subcommands, Work, json_flag, subcommand
from bot.logs import mask_mobiles
from bot.orders import apikeys, staff
from bot.orders import service as orders
from bot.orders.models import OPEN, Open311Key, OrderState, WorkOrder
from bot.orders.service import OrderError
from bot.orders.sheets import export_orders
from bot.people import audit, names
from bot.people.masking import mask_phone
from bot.people.names import WHO

STATES = [state.value for state in OrderState]


def add_commands(commands: Subcommands) -> None:
    """Add `order ...` to `linli`."""
    order = commands.add_parser("order", help="工作人员：工单（生活小事）和 Open311 密钥")
    sub = order.add_subparsers(required=True, metavar="ORDER_COMMAND")
    listing = json_flag(_command(sub, "list", "列出工单（默认只列未完结的）", _list))
    listing.add_argument("--community", help="社区编号或名称；不写为全部")
    listing.add_argument("--state", choices=STATES, action="append", help="只列这个状态（可多次）")
    listing.add_argument("--all", action="store_true", help="也列出已完成和未受理的")
    show = json_flag(_command(sub, "show", "看一张工单和它的处理记录", _show))
    show.add_argument("order", type=row_id, help="工单编号")
    assign = json_flag(_command(sub, "assign", "把待受理的工单派给社区的志愿者或工作人员", _assign))
    assign.add_argument("order", type=row_id, help="工单编号")
    assign.add_argument("user", help=f"接单人（{WHO}）")
    close = json_flag(_command(sub, "close", "办结工单（居民会收到确认请求）", _close))
    close.add_argument("order", type=row_id, help="工单编号")
    close.add_argument("--note", required=True, help="怎么处理的，如 已更换灯泡")
    close.add_argument("--by", help=f"办结人（{WHO}）；不写为接单人")
    export = _command(sub, "export", "导出一段时间的工单（含完整电话，请妥善保管）", _export)
    export.add_argument("--from", dest="first", required=True, help="开始日期，如 2026-12-01")
    export.add_argument("--to", dest="last", required=True, help="结束日期（含）")
    export.add_argument("--out", type=Path, required=True, help="导出到 .xlsx 或 .csv")
    _add_key_commands(sub)


def _add_key_commands(sub: Subcommands) -> None:
    keys = sub.add_parser("apikey", help="Open311 的 API 密钥", description="Open311 的 API 密钥")
    actions = keys.add_subparsers(required=True, metavar="APIKEY_COMMAND")
    create = json_flag(_command(actions, "create", "新建密钥（只显示这一次）", _key_create))
    create.add_argument("name", help="密钥名称，如 city-app")
    create.add_argument("--community", required=True, help="用这个密钥提交的工单归哪个社区")
    json_flag(_command(actions, "list", "列出密钥（不显示密钥本身）", _key_list))
    _command(actions, "revoke", "吊销密钥", _key_revoke).add_argument("name", help="密钥名称")


def _command(sub: Subcommands, name: str, summary: str, work: Work) -> argparse.ArgumentParser:
    return subcommand(sub, name, summary, work, refused=2)


def _list(args: argparse.Namespace, desk: Desk) -> str:
    communities = [_community(desk, args.community)] if args.community else None
    states = args.state or ([] if args.all else [*OPEN, OrderState.RESOLVED])
    found = staff.listed(desk.session, communities, states)
    if args.json:
        return "\n".join(json.dumps(_record(desk, o), ensure_ascii=False) for o in found)
    if not found:
        return "没有这样的工单。"
    return "\n".join(_line(desk, order) for order in found)


def _show(args: argparse.Namespace, desk: Desk) -> str:
    order = staff.order_of(desk.session, args.order)
    record = _record(desk, order)
    record["history"] = [
        {
            "at": _local(desk, e.at), "by": e.actor_id, "from": e.before, "to": e.after,
            "note": mask_mobiles(e.note),
        }
        for e in orders.history(desk.session, args.order)
    ]  # fmt: skip
    if args.json:
        return json.dumps(record, ensure_ascii=False)
    lines = [_line(desk, order), f"  反映人：{record['resident']}"]
    if record["phone"]:
        lines.append(f"  电话：{record['phone']}")
    for step in record["history"]:
        label = OrderState.label_of(step["to"])
        note = f"：{step['note']}" if step["note"] else ""
        lines.append(f"  {step['at']} 用户 {step['by']} → {label}{note}")
    return "\n".join(lines)


def _assign(args: argparse.Namespace, desk: Desk) -> str:
    assignee = _person(desk, args.user)
    order = staff.assign(desk.session, desk.notifier, args.order, assignee, desk.now)
    _audited(desk, "order_assign", order, {"owner": assignee})
    if args.json:
        return json.dumps(_record(desk, order), ensure_ascii=False)
    return f"已把工单 {order.id} 派给 {names.in_chat(desk.session, assignee)}，已通知对方和反映人。"


def _close(args: argparse.Namespace, desk: Desk) -> str:
    actor = _person(desk, args.by) if args.by else None
    order = staff.resolve(desk.session, desk.notifier, args.order, actor, args.note, desk.now)
    _audited(desk, "order_resolve", order, {"note": mask_mobiles(args.note)[:100]})
    if args.json:
        return json.dumps(_record(desk, order), ensure_ascii=False)
    return f"工单 {order.id} 已办结，已请反映人确认。"


def _export(args: argparse.Namespace, desk: Desk) -> str:
    first, last = _date(args.first), _date(args.last)
    count = export_orders(desk.session, first, last, args.out, desk.zone)
    return f"已导出 {first}～{last} 的 {count} 张工单到 {args.out}（含完整电话，请妥善保管）。"


def _key_create(args: argparse.Namespace, desk: Desk) -> str:
    community = _community(desk, args.community)
    row, key = apikeys.create(desk.session, args.name, community, desk.community_ids, desk.now)
    after = {"name": row.name, "prefix": row.prefix}
    audit.record(
        desk.session, None, "cli", "open311_key_create", f"open311key:{row.id}", now=desk.now,
        community=community, after=after,
    )  # fmt: skip
    if args.json:
        return json.dumps({**_key_record(desk, row), "api_key": key}, ensure_ascii=False)
    return f"已新建密钥 {row.name}（社区 {community}）：\n{key}\n只显示这一次，请马上妥善保存。"


def _key_list(args: argparse.Namespace, desk: Desk) -> str:
    found = apikeys.listed(desk.session)
    if args.json:
        return "\n".join(json.dumps(_key_record(desk, k), ensure_ascii=False) for k in found)
    if not found:
        return "还没有密钥。"
    return "\n".join(
        f"{k.name}｜{k.prefix}…｜{k.community_id}｜"
        f"{'已吊销 ' + _local(desk, k.revoked_at) if k.revoked_at else '有效'}"
        for k in found
    )


def _key_revoke(args: argparse.Namespace, desk: Desk) -> str:
    row = apikeys.revoke(desk.session, args.name, desk.now)
    audit.record(
        desk.session, None, "cli", "open311_key_revoke", f"open311key:{row.id}", now=desk.now,
        community=row.community_id, after={"name": row.name},
    )  # fmt: skip
    return f"已吊销密钥 {row.name}：用它提交会被拒绝（403），已提交的工单不变。"


def _audited(desk: Desk, action: str, order: WorkOrder, after: dict[str, Any]) -> None:
    audit.record(
        desk.session, None, "cli", action, f"work_order:{order.id}", now=desk.now,
        community=order.community_id, after={"state": order.state, **after},
    )  # fmt: skip


def _record(desk: Desk, order: WorkOrder) -> dict[str, Any]:
    """An order as a script reads it: the resident masked (the export has them in full)."""
    contact = staff.contact_of(desk.session, order.id or 0)
    return {
        "id": order.id, "community": order.community_id, "category": order.category,
        "state": order.state, "label": OrderState.label_of(order.state),
        "description": mask_mobiles(order.description), "place": mask_mobiles(order.place),
        "resident": names.in_chat(desk.session, order.resident_id), "owner": order.owner_id,
        "phone": mask_phone(contact.phone) if contact and contact.phone else "",
        "created_at": _local(desk, order.created_at),
        "updated_at": _local(desk, order.updated_at),
    }  # fmt: skip


def _line(desk: Desk, order: WorkOrder) -> str:
    owner = f"，接单人 用户 {order.owner_id}" if order.owner_id else ""
    return (
        f"#{order.id} {order.category}｜{OrderState.label_of(order.state)}｜{order.community_id}｜"
        f"{mask_mobiles(order.description)[:30]}｜{_local(desk, order.created_at)}{owner}"
    )


def _key_record(desk: Desk, row: Open311Key) -> dict[str, Any]:
    return {
        "name": row.name, "prefix": row.prefix, "community": row.community_id,
        "created_at": _local(desk, row.created_at),
        "revoked_at": _local(desk, row.revoked_at) if row.revoked_at else None,
    }  # fmt: skip


def _community(desk: Desk, text: str) -> str:
    found = community_id(text, desk.communities)
    if found is None or found not in desk.community_ids:
        raise OrderError(f"没有这个社区：{text}")
    return found


def _person(desk: Desk, who: str) -> int:
    try:
        return names.person(desk.session, who)
    except ValueError as exc:
        raise OrderError(str(exc)) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise OrderError(f"日期“{text}”看不懂，请写成 2026-12-01 这样") from None


def _local(desk: Desk, moment: dt.datetime) -> str:
    return moment.astimezone(desk.zone).strftime("%Y-%m-%d %H:%M")
