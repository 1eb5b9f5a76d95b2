"""`linli activity ...`: staff publish, change, cancel, import and export activities."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from bot.activities import service as activities
from bot.activities.models import Activity, Phase, Registration, Seat
from bot.activities.sheets import (
    attendance_summary,
    export_registrations,
    import_activities,
    read_activities,
    read_activity,
    read_changes,
)
from bot.cli.args import row_id
from bot.cli.desk import Desk, Subcommands, Work, json_flag, subcommand
from bot.errors import UserFacingError
from bot.identity import find_user
from bot.spreadsheets import Cell, ImportProblems
from bot.times import span

# The options that describe an activity: flag, the spreadsheet column it stands for, help.
_OPTIONS = (
    ("--title", "活动名称", "活动名称"),
    ("--start", "开始时间", "开始时间（本地时间），如 2026-12-05 09:30"),
    ("--end", "结束时间", "结束时间，如 2026-12-05 11:00"),
    ("--place", "地点", "活动地点"),
    ("--capacity", "名额", "名额（人数）"),
    ("--community", "社区", "社区编号或名称，如 suzhe 或 苏辙社区；不写为全区"),
    ("--audience", "对象", "对象标签，如 老人,儿童"),
    ("--signup-deadline", "报名截止", "报名截止时间（默认为开始时间）"),
    ("--cancel-deadline", "取消截止", "取消报名截止时间（默认开始前 2 小时）"),
    ("--max-party", "每人最多人数", "一次报名最多几人（默认 1）"),
    ("--collect", "收集信息", "报名时收集的信息，如 name,phone"),
    ("--description", "说明", "活动说明"),
)
_REQUIRED_ON_CREATE = ("--title", "--start", "--end", "--place", "--capacity")
_CAME = (Seat.CONFIRMED, Seat.ATTENDED)  # registered, and there (or not yet marked)
_WHO = "写法：console:名字、wechat:openid、telegram:编号，或用户编号"


def add_commands(commands: Subcommands) -> None:
    """Add `activity create|list|update|cancel|import|export|attendance|summary` to `linli`."""
    parser = commands.add_parser("activity", help="工作人员：活动的发布、修改、取消、导入导出")
    sub = parser.add_subparsers(required=True, metavar="ACTIVITY_COMMAND")
    create = json_flag(_subcommand(sub, "create", "发布一个活动，输出它的编号", _create))
    _activity_options(create, required=_REQUIRED_ON_CREATE)
    create.add_argument(
        "--draft", dest="status", action="store_const", const="draft", help="先存为草稿，不开放报名"
    )
    listing = json_flag(_subcommand(sub, "list", "即将开始和进行中的已发布活动", _list))
    listing.add_argument("--all", action="store_true", help="所有活动，含草稿、已取消和已结束的")
    update = _activity_id(
        _subcommand(sub, "update", "修改活动；时间地点变了会通知报名的人", _update)
    )
    _activity_options(update, required=())
    state = update.add_mutually_exclusive_group()
    state.add_argument(
        "--draft", dest="status", action="store_const", const="draft", help="改回草稿，暂停报名"
    )
    state.add_argument(
        "--publish", dest="status", action="store_const", const="published", help="发布草稿"
    )
    _activity_id(_subcommand(sub, "cancel", "取消活动并通知所有报名和候补的人", _cancel))
    imported = _subcommand(sub, "import", "从 .xlsx/.csv 导入活动，全部无误才写入", _import)
    imported.add_argument("file", type=Path, help="活动表（第一行是表头）")
    export = _activity_id(_subcommand(sub, "export", "导出报名名单（含完整电话）", _export))
    export.add_argument("--out", type=Path, required=True, help="导出到哪个 .xlsx 或 .csv 文件")
    attendance = _activity_id(
        _subcommand(sub, "attendance", "登记到场，其余已确认的记为未到场", _attendance)
    )
    attendance.add_argument(
        "--present", nargs="*", required=True, metavar="USER",
        help=f"到场的居民（{_WHO}）；只写 --present 表示没人到场",
    )  # fmt: skip
    json_flag(_activity_id(_subcommand(sub, "summary", "名额、到场和评分统计", _summary)))


def _subcommand(sub: Subcommands, name: str, summary: str, work: Work) -> argparse.ArgumentParser:
    return subcommand(sub, name, summary, _told_problems(work))


def _told_problems(work: Work) -> Work:
    """A file's problems, each on its line, then that nothing was imported."""

    def run(args: argparse.Namespace, desk: Desk) -> str:
        try:
            return work(args, desk)
        except ImportProblems as exc:
            raise UserFacingError("\n".join([*exc.problems, "没有导入任何活动。"])) from None

    return run


def _activity_id(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("id", type=row_id, help="活动编号")
    return parser


def _activity_options(parser: argparse.ArgumentParser, required: Sequence[str]) -> None:
    for flag, _column, explanation in _OPTIONS:
        parser.add_argument(flag, required=flag in required, help=explanation)


def _create(args: argparse.Namespace, desk: Desk) -> str:
    data = read_activity(_cells(args), desk.zone, desk.now, desk.communities)
    data.status = args.status or Phase.PUBLISHED
    created = activities.create_activity(desk.session, data, desk.now, desk.community_ids)
    if args.json:
        return json.dumps(_record(desk, created), ensure_ascii=False)
    return f"已创建活动 #{created.id}：{_line(desk, created)}\n签到码：{created.checkin_code}"


def _list(args: argparse.Namespace, desk: Desk) -> str:
    statement = select(Activity).order_by(col(Activity.starts_at), col(Activity.id))
    if not args.all:  # under way counts as upcoming: staff still record attendance then
        statement = statement.where(Activity.status == Phase.PUBLISHED, Activity.ends_at > desk.now)
    shown = desk.session.exec(statement).all()
    if args.json:
        return "\n".join(json.dumps(_record(desk, a), ensure_ascii=False) for a in shown)
    if not shown:
        return "还没有活动。" if args.all else "近期没有已发布的活动。"
    return "\n".join(f"#{a.id} {_line(desk, a)}" for a in shown)


def _update(args: argparse.Namespace, desk: Desk) -> str:
    activities.activity(desk.session, args.id)
    changes = read_changes(_cells(args), desk.zone, desk.communities)
    if args.status:
        changes["status"] = args.status
    if not changes:
        raise activities.ActivityError("没有要改的内容：用 --title、--start 等选项写上新的值。")
    updated = activities.update_activity(
        desk.session, args.id, changes, desk.now, desk.community_ids, desk.notifier,
        desk.settings.activities,
    )  # fmt: skip
    return f"已修改活动 #{updated.id}：{_line(desk, updated)}"


def _cancel(args: argparse.Namespace, desk: Desk) -> str:
    activities.activity(desk.session, args.id)
    told = activities.cancel_activity(desk.session, args.id, desk.now, desk.notifier)
    return f"已取消活动 #{args.id}，通知了 {told} 位报名或候补的居民。"


def _import(args: argparse.Namespace, desk: Desk) -> str:
    inputs = read_activities(args.file, desk.zone, desk.now, desk.communities)
    created = import_activities(desk.session, inputs, desk.now, desk.communities)
    lines = [f"#{a.id} {_line(desk, a)}" for a in created]
    return "\n".join([f"已导入 {len(created)} 个活动：", *lines])


def _export(args: argparse.Namespace, desk: Desk) -> str:
    written = export_registrations(desk.session, args.id, args.out, desk.zone)
    return f"已导出 {written} 条报名到 {args.out}（含完整电话，请妥善保管）。"


def _attendance(args: argparse.Namespace, desk: Desk) -> str:
    activities.activity(desk.session, args.id)
    present = _present_users(desk.session, args.id, args.present)
    attended, no_show = activities.record_attendance(
        desk.session, args.id, present, desk.now, desk.notifier
    )
    return f"活动 #{args.id}：到场 {attended} 个报名，未到场 {no_show} 个；已请到场的居民打分。"


def _summary(args: argparse.Namespace, desk: Desk) -> str:
    current = activities.activity(desk.session, args.id)
    numbers = attendance_summary(desk.session, args.id)
    if args.json:
        return json.dumps({"id": current.id, "title": current.title, **numbers}, ensure_ascii=False)
    rating = (
        f"平均 {numbers['average_rating']} 分（{numbers['rating_count']} 人打分）"
        if numbers["rating_count"]
        else "还没有人打分"
    )
    lines = [
        f"#{current.id} {_line(desk, current)}",
        f"名额 {numbers['capacity']}，已占 {numbers['confirmed_seats']}，"
        f"候补 {numbers['waitlisted']} 个报名",
        f"到场 {numbers['attended']}，未到场 {numbers['no_show']}，已取消 {numbers['cancelled']}",
        f"评分：{rating}",
    ]
    return "\n".join(lines)


def _present_users(session: Session, activity_id: int, people: Sequence[str]) -> list[int]:
    """The user ids of these people; each must hold a confirmed (or attended) sign-up."""
    found, strangers = [], []
    for who in people:
        user_id = find_user(session, who.strip())
        signup = (
            None if user_id is None else activities.registration_of(session, activity_id, user_id)
        )
        if (
            user_id is None
            or signup is None
            or signup.status not in (Seat.CONFIRMED, Seat.ATTENDED)
        ):
            strangers.append(who)
        else:
            found.append(user_id)
    if strangers:
        raise activities.ActivityError(
            f"这些人没有这个活动的有效报名：{'、'.join(strangers)}（{_WHO}）。没有做任何登记。"
        )
    return found


def _line(desk: Desk, activity: Activity) -> str:
    """One activity as staff read it in a list."""
    taken = activities.seats_taken(desk.session, activity.id or 0)
    state = "" if activity.status == Phase.PUBLISHED else f"[{Phase.label_of(activity.status)}] "
    return (
        f"{state}【{activity.title}】{span(activity.starts_at, activity.ends_at, desk.zone)}"
        f" {activity.place}，名额 {taken}/{activity.capacity}，"
        f"候补 {_waiting(desk.session, activity.id or 0)}"
    )


def _record(desk: Desk, activity: Activity) -> dict[str, Any]:
    """One activity for scripts (times in the district's timezone, ISO 8601)."""
    return {
        "id": activity.id,
        "title": activity.title,
        "status": activity.status,
        "community": activity.community_id,
        "audience": activity.audience,
        "starts_at": activity.starts_at.astimezone(desk.zone).isoformat(),
        "ends_at": activity.ends_at.astimezone(desk.zone).isoformat(),
        "place": activity.place,
        "capacity": activity.capacity,
        "seats_taken": activities.seats_taken(desk.session, activity.id or 0),
        "waitlisted": _waiting(desk.session, activity.id or 0),
        "checkin_code": activity.checkin_code,
    }


def _waiting(session: Session, activity_id: int) -> int:
    return int(
        session.exec(
            select(func.count()).where(
                Registration.activity_id == activity_id, Registration.status == Seat.WAITLISTED
            )
        ).one()
    )


def _cells(args: argparse.Namespace) -> dict[str, Cell]:
    """The activity options given on the command line, keyed like spreadsheet columns."""
    given = {column: getattr(args, flag[2:].replace("-", "_")) for flag, column, _ in _OPTIONS}
    return {column: value for column, value in given.items() if value is not None}
