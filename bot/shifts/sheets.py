"""Shift lists out: rosters and volunteer hours as spreadsheets (xlsx/csv) for staff, with the
full names Linli holds, and the short masked versions staff read in chat."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.models import User
from bot.people.names import account_of, name_of
from bot.people.names import in_chat as name_in_chat
from bot.shifts.hours import left_early, needing_review
from bot.shifts.messages import heading
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from bot.shifts.service import ShiftError, post_of, shift_of
from bot.spreadsheets import Cell, SheetError, write_table

SOURCE_NAMES = {"self": "自己报名", "assigned": "工作人员安排", "stand_in": "替班"}
ROSTER_HEADER = (
    "序号", "用户编号", "姓名", "账号", "状态", "来源", "确认时间", "签到时间", "签退时间",
    "工时（分钟）", "已批准",
)  # fmt: skip
HOURS_HEADER = (
    "用户编号", "姓名", "账号", "社区", "已批准工时（小时）", "待批准工时（小时）", "完成班次",
    "提前签退次数", "未到岗次数",
)  # fmt: skip


def export_roster(session: Session, shift_id: int, path: Path, zone: ZoneInfo) -> int:
    """Write a shift's roster (everyone ever on it, with their status) to .xlsx or .csv.
    Returns how many rows. Raises ShiftError: no such shift, a bad file type or path."""
    shift = shift_of(session, shift_id)
    rows: list[list[Cell]] = [
        [
            n, a.user_id, name_of(session, a.user_id), account_of(session, a.user_id),
            _status(a, shift),
            SOURCE_NAMES.get(a.source, a.source), _local(a.confirmed_at, zone),
            _local(a.checked_in_at, zone), _local(a.checked_out_at, zone), a.minutes,
            "是" if a.approved_at else "",
        ]
        for n, a in enumerate(_assignments(session, shift_id), start=1)
    ]  # fmt: skip
    _write(path, [list(ROSTER_HEADER), *rows], "班次名单")
    return len(rows)


def export_hours(
    session: Session, first: dt.date, last: dt.date, path: Path, zone: ZoneInfo,
    places: set[str] | None = None,
) -> int:  # fmt: skip
    """Write each volunteer's hours on shifts that started between `first` and `last` (local
    dates, inclusive): approved hours count, pending ones are shown apart. Only the posts of
    `places` (None: every post). Returns how many volunteers."""
    if last < first:
        raise ShiftError("结束日期不能早于开始日期")
    since = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    statement = (
        select(ShiftAssignment, Shift)
        .join(Shift, col(Shift.id) == ShiftAssignment.shift_id)
        .where(Shift.starts_at >= since, Shift.starts_at < until, Shift.status == "open")
    )
    if places is not None:
        statement = statement.join(ShiftPost, col(ShiftPost.id) == Shift.post_id).where(
            col(ShiftPost.community_id).in_(sorted(places))
        )
    rows = session.exec(statement).all()
    # approved minutes, pending minutes, completed shifts, left early, no-shows
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for a, shift in rows:
        counts = tally[a.user_id]
        if a.status == Turn.DONE:
            counts[0 if a.approved_at else 1] += a.minutes or 0
            counts[3 if left_early(a, shift) else 2] += 1
        elif a.status == Turn.NO_SHOW:
            counts[4] += 1
    table: list[list[Cell]] = [list(HOURS_HEADER)]
    for user_id in sorted(tally):
        approved, pending, done, early, missed = tally[user_id]
        user = session.get(User, user_id)
        table.append([
            user_id, name_of(session, user_id), account_of(session, user_id),
            (user.community_id if user else "") or "",
            _hours(approved), _hours(pending), done, early, missed,
        ])  # fmt: skip
    totals = [sum(tally[u][i] for u in tally) for i in range(5)]
    table.append(["合计", "", "", "", _hours(totals[0]), _hours(totals[1]), *totals[2:]])
    _write(path, table, "志愿工时")
    return len(tally)


def roster_text(session: Session, shift_id: int, zone: ZoneInfo) -> str:
    """A shift's roster for chat: masked names, status, the check-in code."""
    shift = shift_of(session, shift_id)
    post = post_of(session, shift.post_id)
    lines = [
        f"{heading(shift, post, zone)}",
        f"签到码：{shift.checkin_code}（志愿者发“班次签到 {shift.checkin_code}”）",
    ]
    people = [a for a in _assignments(session, shift_id) if a.status not in (Turn.CANCELLED,)]
    if not people:
        lines.append("还没有人接这个班次。")
    for n, a in enumerate(people, start=1):
        worked = f" {a.minutes} 分钟" if a.minutes is not None else ""
        lines.append(f"{n}. {name_in_chat(session, a.user_id)} {_status(a, shift)}{worked}")
    lines.append("完整名单请用 linli shift roster 导出。")
    return "\n".join(lines)


def pending_text(
    session: Session, places: set[str] | None, now: dt.datetime, zone: ZoneInfo
) -> str:
    """Hours waiting for approval (and no-shows) of the last 60 days, for chat."""
    # a volunteer may check in (and out) shortly before the start: look a day ahead too
    since, until = now - dt.timedelta(days=60), now + dt.timedelta(days=1)
    review = needing_review(session, places, since, until)
    waiting = [(a, s, p) for a, s, p in review if a.status == Turn.DONE]
    if not waiting:
        return "没有待批准的工时。"
    lines = ["待批准的工时："]
    lines += [
        f"· 班次【{s.id}】{p.title} {s.starts_at.astimezone(zone):%m-%d}｜"
        f"{name_in_chat(session, a.user_id)}｜{a.minutes or 0} 分钟"
        for a, s, p in waiting
    ]
    lines.append("批准：发“批准工时 班次编号”。")
    return "\n".join(lines)


def _write(path: Path, rows: Sequence[Sequence[Cell]], title: str) -> None:
    try:
        write_table(path, rows, title)
    except SheetError as exc:
        raise ShiftError(str(exc)) from exc


def _assignments(session: Session, shift_id: int) -> Sequence[ShiftAssignment]:
    return session.exec(
        select(ShiftAssignment)
        .where(ShiftAssignment.shift_id == shift_id)
        .order_by(col(ShiftAssignment.id))
    ).all()


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment else ""


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _status(assignment: ShiftAssignment, shift: Shift) -> str:
    """The status label, with how early a volunteer left ("已签退（提前 40 分钟）")."""
    early = left_early(assignment, shift)
    label = Turn.label_of(assignment.status)
    return f"{label}（提前 {early} 分钟）" if early else label
