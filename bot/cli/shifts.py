"""`linli shift ...` and `linli volunteer ...`: staff plan volunteer posts and shifts, assign
volunteers, approve hours and export rosters and hours. Times are local (settings.zone)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.activities.models import Activity
from bot.activities.sheets import community_id, parse_moment
from bot.cli.args import integer, row_id
from bot.cli.desk import Desk, Subcommands, Work, json_flag, subcommand
from bot.kb.store import stored_communities
from bot.people import names
from bot.people.names import WHO
from bot.shifts import hours as shift_hours
from bot.shifts import messages as shift_notices
from bot.shifts import plan as shift_plan
from bot.shifts import service as shifts
from bot.shifts import sheets as shift_io
from bot.shifts.models import Shift, ShiftPost, VolunteerSkill
from bot.shifts.service import ShiftError
from bot.times import span

_WHO = WHO


def add_commands(commands: Subcommands) -> None:
    """Add `shift ...` and `volunteer skill ...` to `linli`."""
    shift = commands.add_parser("shift", help="工作人员：志愿岗位、班次、排班、工时")
    sub = shift.add_subparsers(required=True, metavar="SHIFT_COMMAND")
    posts = _sub(sub, "post", "志愿岗位").add_subparsers(required=True, metavar="POST_COMMAND")
    post_add = json_flag(_command(posts, "add", "新建岗位（如 助老餐厅帮厨）", _post_add))
    post_add.add_argument("--title", required=True, help="岗位名称")
    post_add.add_argument("--place", required=True, help="地点")
    post_add.add_argument("--community", default="", help="社区编号或名称；不写为全区")
    post_add.add_argument("--skills", default="", help="需要的技能或证书，如 健康证,急救证")
    post_add.add_argument("--coordinator", help=f"负责的工作人员（{_WHO}）")
    post_add.add_argument("--description", default="", help="说明")
    json_flag(_command(posts, "list", "列出岗位", _post_list))
    add = json_flag(_command(sub, "add", "新建一个班次", _shift_add))
    add.add_argument("--post", type=row_id, required=True, help="岗位编号")
    add.add_argument("--start", required=True, help="开始时间（本地），如 2026-12-01 09:00")
    _shape(add)
    weekly = json_flag(_command(sub, "weekly", "每周固定的班次（自动提前排好几周）", _weekly))
    weekly.add_argument("--post", type=row_id, required=True, help="岗位编号")
    weekly.add_argument("--weekday", type=integer, required=True, help="星期：0=周一…6=周日")
    weekly.add_argument("--time", required=True, help="开始时间，如 09:00")
    weekly.add_argument("--from", dest="first", required=True, help="从哪天起，如 2026-12-01")
    weekly.add_argument("--until", help="到哪天为止（不写为一直）")
    _shape(weekly)
    listing = json_flag(_command(sub, "list", "即将开始的班次", _shift_list))
    listing.add_argument("--all", action="store_true", help="也列出已结束的")
    assign = _command(sub, "assign", "安排志愿者上某个班次（会通知对方确认）", _assign)
    assign.add_argument("shift", type=row_id, help="班次编号")
    assign.add_argument("user", help=f"志愿者（{_WHO}）")
    roster = _command(sub, "roster", "导出班次名单", _roster)
    roster.add_argument("shift", type=row_id, help="班次编号")
    roster.add_argument("--out", type=Path, required=True, help="导出到 .xlsx 或 .csv")
    _command(sub, "approve", "批准某个班次已签退的工时", _approve).add_argument(
        "shift", type=row_id, help="班次编号"
    )
    hours = _command(sub, "hours", "导出一段时间的志愿工时（只合计已批准的）", _hours)
    hours.add_argument("--from", dest="first", required=True, help="开始日期，如 2026-12-01")
    hours.add_argument("--to", dest="last", required=True, help="结束日期（含）")
    hours.add_argument("--out", type=Path, required=True, help="导出到 .xlsx 或 .csv")
    _add_volunteer_commands(commands)


def _add_volunteer_commands(commands: Subcommands) -> None:
    volunteer = commands.add_parser("volunteer", help="工作人员：志愿者的技能和证书")
    sub = volunteer.add_subparsers(required=True, metavar="VOLUNTEER_COMMAND")
    skill = _sub(sub, "skill", "技能和证书").add_subparsers(required=True, metavar="SKILL_COMMAND")
    add = _command(skill, "add", "登记志愿者的技能或证书", _skill_add)
    add.add_argument("user", help=f"志愿者（{_WHO}）")
    add.add_argument("skills", nargs="+", help="技能或证书，如 健康证 急救证")
    _command(skill, "list", "列出志愿者的技能和证书", _skill_list).add_argument("user")


def _sub(sub: Subcommands, name: str, summary: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=summary, description=summary)


def _command(sub: Subcommands, name: str, summary: str, work: Work) -> argparse.ArgumentParser:
    return subcommand(sub, name, summary, work, refused=2)


def _shape(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=integer, required=True, help="时长（分钟）")
    parser.add_argument("--slots", type=integer, required=True, help="需要几位志愿者")
    parser.add_argument("--activity", type=row_id, help="关联的活动编号")


def _post_add(args: argparse.Namespace, desk: Desk) -> str:
    place = None
    if args.community.strip():
        place = community_id(args.community, stored_communities(desk.session))
        if place not in {c.id for c in stored_communities(desk.session)}:
            raise ShiftError(f"没有这个社区：{args.community}")
    coordinator = _user(desk, args.coordinator) if args.coordinator else None
    skills = [s for s in args.skills.replace("，", ",").split(",") if s.strip()]
    post = shift_plan.create_post(
        desk.session,
        args.title,
        args.place,
        place,
        skills,
        coordinator,
        args.description,
        now=desk.now,
    )
    if args.json:
        return json.dumps(_post_record(post), ensure_ascii=False)
    return f"已新建岗位 #{post.id}：{post.title}（{post.place}）"


def _post_list(args: argparse.Namespace, desk: Desk) -> str:
    found = desk.session.exec(
        select(ShiftPost).where(col(ShiftPost.active)).order_by(col(ShiftPost.id))
    ).all()
    if args.json:
        return "\n".join(json.dumps(_post_record(p), ensure_ascii=False) for p in found)
    if not found:
        return "还没有岗位。"
    return "\n".join(
        f"#{p.id} {p.title}｜{p.place}｜{p.community_id or '全区'}｜"
        f"需要：{'、'.join(p.skills) or '无'}"
        for p in found
    )


def _shift_add(args: argparse.Namespace, desk: Desk) -> str:
    try:
        start = parse_moment(args.start, desk.settings.zone)
    except ValueError as exc:
        raise ShiftError(f"开始时间{exc}") from None
    _check_activity(desk, args.activity)
    shift = shift_plan.create_shift(
        desk.session, args.post, start, args.minutes, args.slots, desk.now, args.activity
    )
    if args.json:
        return json.dumps(_shift_record(desk, shift), ensure_ascii=False)
    return f"已新建班次 #{shift.id}：{_line(desk, shift)}"


def _check_activity(desk: Desk, activity_id: int | None) -> None:
    if activity_id is not None and desk.session.get(Activity, activity_id) is None:
        raise ShiftError(f"没有编号为 {activity_id} 的活动")


def _weekly(args: argparse.Namespace, desk: Desk) -> str:
    _check_activity(desk, args.activity)
    template = shift_plan.create_template(
        desk.session, args.post, args.weekday, args.time, args.minutes, args.slots,
        _date(args.first), _date(args.until) if args.until else None, args.activity,
    )  # fmt: skip
    weeks = desk.settings.volunteers.weeks_ahead
    created = shift_plan.materialize(desk.session, desk.now, desk.settings.zone, weeks)
    if args.json:
        return json.dumps({"template": template.id, "created": created})
    return f"已新建每周班次 #{template.id}，先排好了未来 {weeks} 周的 {created} 个班次。"


def _shift_list(args: argparse.Namespace, desk: Desk) -> str:
    statement = select(Shift).where(Shift.status == "open").order_by(col(Shift.starts_at))
    if not args.all:
        statement = statement.where(Shift.ends_at > desk.now)
    found = desk.session.exec(statement).all()
    if args.json:
        return "\n".join(json.dumps(_shift_record(desk, s), ensure_ascii=False) for s in found)
    if not found:
        return "近期没有班次。"
    return "\n".join(f"#{s.id} {_line(desk, s)}" for s in found)


def _assign(args: argparse.Namespace, desk: Desk) -> str:
    user_id = _user(desk, args.user)
    assignment = shifts.sign_up(desk.session, args.shift, user_id, desk.now, source="assigned")
    shift = shifts.shift_of(desk.session, args.shift)
    post = shifts.post_of(desk.session, shift.post_id)
    shift_notices.assigned(desk.session, desk.notifier, assignment, shift, post)
    return f"已安排用户 {user_id} 上班次 #{args.shift}，已通知对方确认。"


def _roster(args: argparse.Namespace, desk: Desk) -> str:
    written = shift_io.export_roster(desk.session, args.shift, args.out, desk.settings.zone)
    return f"已导出 {written} 人到 {args.out}（含姓名，请妥善保管）。"


def _approve(args: argparse.Namespace, desk: Desk) -> str:
    shifts.shift_of(desk.session, args.shift)
    approved = shift_hours.approve(desk.session, args.shift, None, desk.now)
    return f"已批准班次 #{args.shift} 的 {approved} 条工时。"


def _hours(args: argparse.Namespace, desk: Desk) -> str:
    first, last = _date(args.first), _date(args.last)
    count = shift_io.export_hours(desk.session, first, last, args.out, desk.settings.zone)
    return f"已导出 {count} 位志愿者 {first}～{last} 的工时到 {args.out}。"


def _skill_add(args: argparse.Namespace, desk: Desk) -> str:
    user_id = _user(desk, args.user)
    held = shifts.skills_of(desk.session, user_id)
    fresh = [s.strip() for s in dict.fromkeys(args.skills) if s.strip() and s.strip() not in held]
    if any(len(s) > 32 for s in fresh):
        raise ShiftError("每项技能或证书最多 32 个字")
    for skill in fresh:
        desk.session.add(VolunteerSkill(user_id=user_id, skill=skill))
    desk.session.flush()
    return f"用户 {user_id} 的技能和证书：{'、'.join(sorted(held | set(fresh)))}"


def _skill_list(args: argparse.Namespace, desk: Desk) -> str:
    held = shifts.skills_of(desk.session, _user(desk, args.user))
    return "、".join(sorted(held)) or "还没有登记技能或证书。"


def _user(desk: Desk, who: str) -> int:
    try:
        return names.person(desk.session, who)
    except ValueError as exc:
        raise ShiftError(str(exc)) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ShiftError(f"日期“{text}”看不懂，请写成 2026-12-01 这样") from None


def _line(desk: Desk, shift: Shift) -> str:
    post = shifts.post_of(desk.session, shift.post_id)
    taken = shifts.taken(desk.session, shift.id or 0)
    return (
        f"【{post.title}】{span(shift.starts_at, shift.ends_at, desk.settings.zone)} "
        f"{post.place}，{taken}/{shift.slots} 人，签到码 {shift.checkin_code}"
    )


def _post_record(post: ShiftPost) -> dict[str, Any]:
    return {
        "id": post.id, "title": post.title, "place": post.place, "community": post.community_id,
        "skills": post.skills, "coordinator": post.coordinator_id,
    }  # fmt: skip


def _shift_record(desk: Desk, shift: Shift) -> dict[str, Any]:
    zone = desk.settings.zone
    return {
        "id": shift.id, "post": shift.post_id, "template": shift.template_id,
        "starts_at": shift.starts_at.astimezone(zone).isoformat(),
        "ends_at": shift.ends_at.astimezone(zone).isoformat(), "slots": shift.slots,
        "taken": shifts.taken(desk.session, shift.id or 0), "checkin_code": shift.checkin_code,
        "activity": shift.activity_id,
    }  # fmt: skip
