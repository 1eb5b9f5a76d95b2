"""`linli push ...` (announcements) and `linli tag ...` (audience tags) for staff at the server."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, func, select

from bot.activities.sheets import parse_moment
from bot.announcements import delivery
from bot.announcements import service as announcements
from bot.announcements.models import Stage
from bot.announcements.service import Draft, Target
from bot.cli.args import decimal, row_id
from bot.cli.desk import Desk, Subcommands, at_desk, confirm, json_flag, subcommand
from bot.clock import utcnow
from bot.config import Settings
from bot.errors import UserFacingError
from bot.identity import find_user
from bot.kb.store import stored_communities
from bot.people.models import UserTag
from bot.times import when

Work = Callable[[argparse.Namespace, Desk], dict[str, Any]]
_WHO = "用户编号，或 渠道:标识，如 console:ann、wechat:openid"
_TAG_LENGTH = 32


def add_commands(commands: Subcommands) -> None:
    """Add `push send|list|cancel|progress` and `tag add|remove|list` to `linli`."""
    push = commands.add_parser("push", help="工作人员：发公告（现在或定时）、查看进度、取消")
    sub = push.add_subparsers(required=True, metavar="PUSH_COMMAND")
    send = _command(sub, "send", "发一条公告，输出它的编号", _send)
    send.add_argument("text", help="公告内容")
    send.add_argument("--link", default="", help="文章链接（可选）")
    send.add_argument("--community", action="append", default=[], help="社区编号或名称，可多次")
    send.add_argument(
        "--role", action="append", default=[], choices=["resident", "volunteer", "staff", "admin"]
    )
    send.add_argument("--tag", action="append", default=[], help="对象标签，如 老年人，可多次")
    send.add_argument("--everyone", action="store_true", help="发给全区所有人（要确认）")
    send.add_argument("--yes", action="store_true", help="发给全区所有人时不再询问，直接安排")
    send.add_argument("--topic", default="general", help="类别（默认 general 社区公告）")
    send.add_argument("--at", help="定时发送（本地时间），如 2026-12-05 09:00；不写为现在")
    _command(sub, "list", "待发送和最近的公告", _list)
    _command(sub, "cancel", "取消一条还没发的公告", _cancel).add_argument("id", type=row_id)
    progress = _command(sub, "progress", "发送进度和送达报告", _progress)
    progress.set_defaults(run=_progress_or_watch)
    progress.add_argument("id", type=row_id)
    progress.add_argument(
        "--watch", type=decimal(0.01, 3600), metavar="SECONDS", help="每隔几秒刷新，发完为止"
    )

    tag = commands.add_parser("tag", help="工作人员：居民的对象标签（用于定向发公告）")
    tags = tag.add_subparsers(required=True, metavar="TAG_COMMAND")
    for action, summary in (("add", "加标签"), ("remove", "去掉标签")):
        change = _command(tags, action, summary, _tag_change)
        change.set_defaults(tag_action=action)
        change.add_argument("user", help=_WHO)
        change.add_argument("tags", nargs="+")
    _command(tags, "list", "列出标签和人数", _tag_list)


def _command(sub: Subcommands, name: str, summary: str, work: Work) -> argparse.ArgumentParser:
    """A command whose work says a dict: printed as JSON with --json, else its "text"."""
    return json_flag(
        subcommand(sub, name, summary, lambda args, desk: _shown(args, work(args, desk)))
    )


def _shown(args: argparse.Namespace, output: dict[str, Any]) -> str:
    return json.dumps(output, ensure_ascii=False) if args.json else str(output["text"])


def _progress_or_watch(args: argparse.Namespace, settings: Settings) -> int:
    """`push progress N`, once or (--watch) every few seconds until it is done."""
    status: list[str] = []

    def look(desk: Desk) -> str:
        found = _progress(args, desk)
        status.append(found["status"])
        return _shown(args, found)

    while True:
        code = at_desk(settings, look)
        if code or not args.watch or status[-1] in (Stage.DONE, Stage.CANCELLED):
            return code
        time.sleep(args.watch)


def _send(args: argparse.Namespace, desk: Desk) -> dict[str, Any]:
    now = utcnow()
    try:
        send_at = parse_moment(args.at, desk.settings.zone) if args.at else now
    except ValueError as exc:
        raise UserFacingError(f"发送时间（--at）{exc}") from None
    target = Target(
        tuple(_community_ids(desk.session, args.community)), tuple(args.role), tuple(args.tag),
        args.everyone,
    )  # fmt: skip
    draft = Draft(args.text, target, send_at, args.link, args.topic)
    found = announcements.create(desk.session, draft, None, now, desk.settings.announcements)
    reach, out = announcements.estimate(desk.session, target, args.topic)
    if args.everyone and not args.yes:
        _confirm_everyone(reach, out)
    text = (
        f"公告 #{found.id} 已安排，{when(found.send_at, desk.settings.zone)} 发送，"
        f"预计发给 {reach} 人（{out} 人已退订，不发）。"
        f"\n查看进度：linli push progress {found.id}"
    )
    return {"id": found.id, "send_at": found.send_at.isoformat(), "recipients": reach,
            "opted_out": out, "text": text}  # fmt: skip


def _confirm_everyone(reach: int, out: int) -> None:
    """Everyone in the district cannot be unsent: say how many first, then ask (at a
    terminal) or refuse without --yes (in a script). A refusal rolls the announcement back."""
    reach_line = f"这条公告会发给全区所有人，约 {reach} 人（{out} 人已退订，不发）。"
    confirm(reach_line, "发", "好的，没有发。")


def _community_ids(session: Session, given: list[str]) -> list[str]:
    known = stored_communities(session)
    ids = []
    for word in given:
        match = [c.id for c in known if word in (c.id, c.name, c.name.removesuffix("社区"))]
        if not match:
            raise UserFacingError(f"没有这个社区：{word}")
        ids.append(match[0])
    return ids


def _list(args: argparse.Namespace, desk: Desk) -> dict[str, Any]:
    rows = announcements.listed(desk.session, None, limit=20)
    items = [
        {"id": a.id, "status": a.status, "send_at": a.send_at.isoformat(), "text": a.text,
         "recipients": a.recipients}
        for a in rows
    ]  # fmt: skip
    lines = [
        f"#{a.id} {Stage.label_of(a.status)} {when(a.send_at, desk.settings.zone)} "
        f"{a.text[:24]}" for a in rows
    ]  # fmt: skip
    return {"announcements": items, "text": "\n".join(lines) or "还没有公告。"}


def _cancel(args: argparse.Namespace, desk: Desk) -> dict[str, Any]:
    found = announcements.cancel(desk.session, args.id, None, utcnow())
    return {"id": found.id, "status": found.status, "text": f"公告 #{found.id} 已取消。"}


def _progress(args: argparse.Namespace, desk: Desk) -> dict[str, Any]:
    found = delivery.progress(desk.session, args.id)
    return {
        "id": args.id, "status": found.announcement.status, "total": found.total,
        "waiting": found.waiting, "counts": found.counts, "reasons": found.reasons,
        "opted_out": found.announcement.opted_out, "text": delivery.report_text(found),
    }  # fmt: skip


def _tag_change(args: argparse.Namespace, desk: Desk) -> dict[str, Any]:
    user = find_user(desk.session, args.user)
    if user is None:
        raise UserFacingError(f"找不到用户：{args.user}（{_WHO}）")
    for tag in args.tags:
        if len(tag) > _TAG_LENGTH:  # the column's size: PostgreSQL would refuse it mid-write
            raise UserFacingError(f"标签太长了：{tag}（最多 {_TAG_LENGTH} 个字）")
        row = desk.session.get(UserTag, (user, tag))
        if args.tag_action == "add" and row is None:
            desk.session.add(UserTag(user_id=user, tag=tag))
        elif args.tag_action == "remove" and row is not None:
            desk.session.delete(row)
    mine = sorted(set(desk.session.exec(select(UserTag.tag).where(UserTag.user_id == user)).all()))
    return {"user": user, "tags": mine, "text": f"用户 {user} 的标签：{'、'.join(mine) or '无'}"}


def _tag_list(args: argparse.Namespace, desk: Desk) -> dict[str, Any]:
    counts = desk.session.exec(
        select(UserTag.tag, func.count()).group_by(UserTag.tag).order_by(UserTag.tag)
    ).all()
    lines = [f"{tag}：{count} 人" for tag, count in counts]
    return {"tags": dict(counts), "text": "\n".join(lines) or "还没有标签。"}
