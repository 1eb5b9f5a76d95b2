"""Activities in and out of spreadsheets: import a plan (xlsx/csv), export sign-up lists."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypedDict, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.activities.models import Activity, Phase, Registration, Seat
from bot.activities.service import ActivityError, ActivityInput, activity, create_activity, problems
from bot.activities.service import seats_taken as held_seats
from bot.models import User
from bot.spreadsheets import (
    Cell,
    ImportProblems,
    SheetError,
    normal,
    plain,
    read_rows,
    write_table,
)
from knowledge.entry import Community

logger = logging.getLogger(__name__)

T = TypeVar("T")

REQUIRED = ("活动名称", "社区", "对象", "开始时间", "结束时间", "地点", "名额")
OPTIONAL = ("报名截止", "取消截止", "每人最多人数", "收集信息", "说明")
COLUMNS = REQUIRED + OPTIONAL
EXPORT_HEADER = ("序号", "姓名", "电话", "人数", "状态", "候补顺序", "报名时间", "评分", "评价")
DISTRICT_WIDE = ("", "全区", "全部", "全区通用")
COLLECT_LABELS = {"name": "姓名", "phone": "电话"}  # what staff read for what is collected
_COLLECT_WORDS = {
    "姓名": "name",
    "名字": "name",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
}
_TIME_PATTERNS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_TIME_EXAMPLE = "2026-12-05 09:30"
# Stand-in for a time that could not be read; such a row is reported, never created.
_UNREADABLE = dt.datetime.min.replace(tzinfo=dt.UTC)


class AttendanceSummary(TypedDict):
    """How an activity went. Counts are sign-ups (each may bring a party), except seats."""

    capacity: int
    confirmed_seats: int  # seats held by confirmed, offered and attended sign-ups (people)
    waitlisted: int
    attended: int
    no_show: int
    cancelled: int
    average_rating: float | None
    rating_count: int


def parse_moment(value: Cell, zone: ZoneInfo) -> dt.datetime:
    """A local time like '2026-12-05 09:30' (or an Excel datetime cell), made aware in `zone`.

    Raises:
        ValueError: empty or unreadable; the message reads after the column name.
    """
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    text = re.sub(r"[年月/.]", "-", normal(value)).replace("日", " ").replace("T", " ")
    text = " ".join(text.split())
    if not text:
        raise ValueError("没有填")
    for pattern in _TIME_PATTERNS:
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(f"填的“{plain(value)}”看不懂，请写成 {_TIME_EXAMPLE} 这样的日期和时间")


def parse_count(value: Cell) -> int:
    """A whole number from a cell ('30', 30, 30.0). Raises ValueError when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = normal(value)
    if not text:
        raise ValueError("没有填")
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"要填整数，现在是“{text}”") from None


def community_id(value: Cell, communities: Sequence[Community]) -> str | None:
    """The community named by id, name or alias; None for district-wide. An unknown name is
    returned as it is, for `problems()` to report."""
    text = normal(value)
    if text in DISTRICT_WIDE:
        return None
    for community in communities:
        if text.lower() == community.id.lower() or text in (community.name, *community.aliases):
            return community.id
    return text


class _Cells:
    """One row's cells by column name. A value that cannot be read is noted in `problems`
    and a stand-in that passes the checks is returned, so the rest of the row is checked too."""

    def __init__(
        self, cells: Mapping[str, Cell], zone: ZoneInfo, communities: Sequence[Community]
    ) -> None:
        self.cells, self.zone, self.communities = cells, zone, communities
        self.problems: list[str] = []

    def text(self, column: str) -> str:
        return plain(self.cells.get(column))

    def moment(self, column: str) -> dt.datetime:
        return self._read(column, lambda value: parse_moment(value, self.zone), _UNREADABLE)

    def deadline(self, column: str) -> dt.datetime | None:
        return self.moment(column) if self.text(column) else None

    def count(self, column: str) -> int:
        return self._read(column, parse_count, 1)

    def party(self, column: str) -> int:
        return self.count(column) if self.text(column) else 1

    def tags(self, column: str) -> list[str]:
        return [t for t in re.split(r"[、,;\s]+", normal(self.cells.get(column))) if t]

    def collect(self, column: str) -> list[str]:
        wanted = [_COLLECT_WORDS.get(t, t.lower()) for t in self.tags(column)]
        return list(dict.fromkeys(wanted))

    def community(self, column: str) -> str | None:
        return community_id(self.cells.get(column), self.communities)

    def _read(self, column: str, parse: Callable[[Cell], T], fallback: T) -> T:
        try:
            return parse(self.cells.get(column))
        except ValueError as exc:
            self.problems.append(f"{column}{exc}")
            return fallback


# Column → (ActivityInput field, reader) for changing an existing activity.
_CHANGES: dict[str, tuple[str, Callable[[_Cells, str], object]]] = {
    "活动名称": ("title", _Cells.text), "社区": ("community_id", _Cells.community),
    "对象": ("audience", _Cells.tags), "开始时间": ("starts_at", _Cells.moment),
    "结束时间": ("ends_at", _Cells.moment), "地点": ("place", _Cells.text),
    "名额": ("capacity", _Cells.count), "报名截止": ("signup_deadline", _Cells.moment),
    "取消截止": ("cancel_deadline", _Cells.moment), "每人最多人数": ("max_party", _Cells.count),
    "收集信息": ("collect", _Cells.collect), "说明": ("description", _Cells.text),
}  # fmt: skip


def read_activity(
    cells: Mapping[str, Cell], zone: ZoneInfo, now: dt.datetime, communities: Sequence[Community]
) -> ActivityInput:
    """A new activity from values keyed by column name (a sheet row, or the command line).

    Raises:
        ActivityError: every problem with the values, in one message.
    """
    data, wrong = _activity_input(cells, zone, now, communities)
    if wrong:
        raise ActivityError("；".join(wrong))
    return data


def read_changes(
    cells: Mapping[str, Cell], zone: ZoneInfo, communities: Sequence[Community]
) -> dict[str, object]:
    """The ActivityInput fields these values (keyed by column name) change, for update_activity.

    Raises:
        ActivityError: a value cannot be read, or the column is unknown.
    """
    unknown = [column for column in cells if column not in _CHANGES]
    if unknown:
        raise ActivityError(f"不认识的列：{'、'.join(unknown)}")
    row = _Cells(cells, zone, communities)
    changes = {_CHANGES[c][0]: _CHANGES[c][1](row, c) for c in cells}
    if row.problems:
        raise ActivityError("；".join(row.problems))
    return changes


def read_activities(
    path: Path, zone: ZoneInfo, now: dt.datetime, communities: Sequence[Community]
) -> list[ActivityInput]:
    """Read and check a plan of activities (.xlsx first sheet, or UTF-8 .csv).

    The first row names the columns (any order, see COLUMNS); empty rows are skipped.

    Raises:
        ImportProblems: the file cannot be read, or rows are wrong; every problem as
            '文件名 第N行：问题' with N the spreadsheet row number.
    """
    rows = read_rows(path)
    columns = _columns(path.name, rows[0] if rows else [])
    inputs: list[ActivityInput] = []
    found: list[str] = []
    for number, values in enumerate(rows[1:], start=2):
        if not any(plain(v) for v in values):
            continue
        wrong = _stray_cells(columns, values)
        cells = {name: value for name, value in zip(columns, values, strict=False) if name}
        data, more = _activity_input(cells, zone, now, communities)
        found += [f"{path.name} 第{number}行：{problem}" for problem in wrong + more]
        inputs.append(data)
    if not inputs and not found:
        found.append(f"{path.name}：表头下面没有活动")
    if found:
        raise ImportProblems(found)
    return inputs


def import_activities(
    session: Session, inputs: Iterable[ActivityInput], now: dt.datetime,
    communities: Sequence[Community],
) -> list[Activity]:  # fmt: skip
    """Create every activity in the caller's transaction: one failure stops them all.

    Raises:
        ImportProblems: an activity already exists (same title, start and community).
        ActivityError: an activity is not valid.
    """
    ids = [c.id for c in communities]
    created, twins = [], []
    for data in inputs:
        twin = _existing(session, data)  # sees the rows created above: flushed, same session
        if twin is not None:
            twins.append(f"“{data.title}”（{data.starts_at:%Y-%m-%d %H:%M}）已经有了（#{twin}）")
            continue
        created.append(create_activity(session, data, now, ids))
    if twins:
        raise ImportProblems([*twins, "同一个活动不会重复导入，请删掉这些行再导入"])
    return created


def export_registrations(session: Session, activity_id: int, path: Path, zone: ZoneInfo) -> int:
    """Write an activity's sign-ups, with full phone numbers (for staff), to .xlsx or .csv.

    Returns:
        How many sign-ups were written.

    Raises:
        ActivityError: no such activity, another file type, or the file cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ActivityError("只能导出成 .xlsx 或 .csv 文件")
    activity(session, activity_id)
    rows = _export_rows(session, activity_id, zone)
    table: list[list[Cell]] = [list(EXPORT_HEADER), *rows]
    try:
        write_table(path, table, "报名名单")
    except SheetError as exc:
        raise ActivityError(str(exc)) from exc
    return len(rows)


def attendance_summary(session: Session, activity_id: int) -> AttendanceSummary:
    """Capacity, seats, how many came, did not come or cancelled, and the ratings."""
    current = activity(session, activity_id)
    signups = session.exec(
        select(Registration).where(Registration.activity_id == activity_id)
    ).all()
    statuses = Counter(r.status for r in signups)
    ratings = [r.rating for r in signups if r.rating is not None]
    return AttendanceSummary(
        capacity=current.capacity,
        confirmed_seats=held_seats(session, activity_id),
        waitlisted=statuses[Seat.WAITLISTED],
        attended=statuses[Seat.ATTENDED],
        no_show=statuses[Seat.NO_SHOW],
        cancelled=statuses[Seat.CANCELLED],
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        rating_count=len(ratings),
    )


def _activity_input(
    cells: Mapping[str, Cell], zone: ZoneInfo, now: dt.datetime, communities: Sequence[Community]
) -> tuple[ActivityInput, list[str]]:
    row = _Cells(cells, zone, communities)
    data = ActivityInput(
        title=row.text("活动名称"), community_id=row.community("社区"), audience=row.tags("对象"),
        starts_at=row.moment("开始时间"), ends_at=row.moment("结束时间"), place=row.text("地点"),
        capacity=row.count("名额"), signup_deadline=row.deadline("报名截止"),
        cancel_deadline=row.deadline("取消截止"), max_party=row.party("每人最多人数"),
        collect=row.collect("收集信息"), description=row.text("说明"),
    )  # fmt: skip
    ids = [c.id for c in communities]
    if not row.problems:
        return data, problems(data, now, ids)
    # A time that cannot be read is reported alone; the other values are still checked,
    # with stand-in times that pass.
    start = now + dt.timedelta(days=1)
    stand_in = replace(
        data, starts_at=start, ends_at=start + dt.timedelta(hours=1), signup_deadline=None,
        cancel_deadline=None,
    )  # fmt: skip
    return data, row.problems + problems(stand_in, now, ids)


def _columns(label: str, header: Sequence[Cell]) -> list[str | None]:
    names = [normal(cell) or None for cell in header]
    if not any(names):
        raise ImportProblems([f"{label} 第1行：应该是表头（{'、'.join(REQUIRED)} 等），现在是空的"])
    found = []
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        found.append(f"不认识的列：{'、'.join(unknown)}（可以用的列：{'、'.join(COLUMNS)}）")
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        found.append(f"缺少这些列：{'、'.join(missing)}")
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        found.append(f"这些列出现了不止一次：{'、'.join(twice)}")
    if found:
        raise ImportProblems([f"{label} 第1行：{problem}" for problem in found])
    return names


def _stray_cells(columns: Sequence[str | None], values: Sequence[Cell]) -> list[str]:
    """Values under no header: refused rather than silently dropped."""
    stray = [
        str(number) for number, value in enumerate(values, start=1)
        if plain(value) and (number > len(columns) or columns[number - 1] is None)
    ]  # fmt: skip
    return [f"第 {'、'.join(stray)} 列有内容但没有表头"] if stray else []


def _existing(session: Session, data: ActivityInput) -> int | None:
    return session.exec(
        select(Activity.id).where(
            Activity.title == data.title.strip(),
            Activity.starts_at == data.starts_at,
            col(Activity.community_id).is_(None)
            if data.community_id is None
            else col(Activity.community_id) == data.community_id,
            Activity.status != Phase.CANCELLED,
        )
    ).first()


def _export_rows(session: Session, activity_id: int, zone: ZoneInfo) -> list[list[Cell]]:
    found = session.exec(
        select(Registration, User)
        .join(User, col(User.id) == Registration.user_id)
        .where(Registration.activity_id == activity_id)
        .order_by(col(Registration.id))
    ).all()
    waiting = sorted((r for r, _ in found if r.status == Seat.WAITLISTED), key=_seq)
    place = {r.id: number for number, r in enumerate(waiting, start=1)}
    return [
        [
            number, r.name or user.display_name or "", r.phone or "", r.party,
            Seat.label_of(r.status), place.get(r.id),
            f"{r.created_at.astimezone(zone):%Y-%m-%d %H:%M}", r.rating, r.comment or "",
        ]
        for number, (r, user) in enumerate(found, start=1)
    ]  # fmt: skip


def _seq(registration: Registration) -> int:
    return registration.waitlist_seq or 0
