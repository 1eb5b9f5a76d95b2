"""Activity spreadsheets: importing a plan (all or nothing, every problem by row), exporting
sign-up lists for staff, and the attendance summary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.activities import service as activities
from bot.activities.models import Activity, Registration
from bot.activities.sheets import (
    EXPORT_HEADER,
    attendance_summary,
    export_registrations,
    import_activities,
    read_activities,
)
from bot.app import open_database
from bot.config import Settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.kb.store import seed_demo, stored_communities
from bot.outbox.notifier import Notifier
from bot.spreadsheets import ImportProblems
from tests.conftest import NOW

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = NOW.astimezone(ZONE).date()  # dates below are days from the tests' "now"


def day(offset: int) -> str:
    """The date `offset` days from today, as staff write it (2026-12-05)."""
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def slashed(offset: int) -> str:
    """The same, written 2026/12/05."""
    return day(offset).replace("-", "/")


def ymd(offset: int) -> tuple[int, int, int]:
    """Year, month and day of the date `offset` days from today."""
    moment = TODAY + dt.timedelta(days=offset)
    return moment.year, moment.month, moment.day


HEADER = ["活动名称", "社区", "对象", "开始时间", "结束时间", "地点", "名额"]
GOOD = ["重阳包饺子", "suzhe", "老人", f"{day(9)} 09:30", f"{day(9)} 11:00", "党群服务中心", "30"]


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """A fresh database with the demo district (its communities) loaded."""
    engine = open_database(settings)
    seed_demo(engine, NOW.date())
    yield engine
    engine.dispose()


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def excel_time(*parts: int) -> dt.datetime:
    """A datetime cell as Excel keeps it: local time, no timezone."""
    return dt.datetime(*parts, tzinfo=ZONE).replace(tzinfo=None)


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def write(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    return write_xlsx(path, rows) if path.suffix == ".xlsx" else write_csv(path, rows)


def import_file(engine: Engine, path: Path) -> list[Activity]:
    with session_scope(engine) as session:
        communities = stored_communities(session)
        inputs = read_activities(path, ZONE, NOW, communities)
        return import_activities(session, inputs, NOW, communities)


def activity_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Activity)).one())


def refused(engine: Engine, path: Path) -> list[str]:
    """Import a bad file: it must be refused and change nothing. Returns the problems."""
    before = activity_count(engine)
    with pytest.raises(ImportProblems) as refusal:
        import_file(engine, path)
    assert activity_count(engine) == before
    return refusal.value.problems


def test_imports_an_xlsx_with_columns_in_any_order(engine: Engine, tmp_path: Path) -> None:
    plan = write_xlsx(
        tmp_path / "plan.xlsx",
        [
            ["地点", "活动名称", "开始时间", "结束时间", "名额", "社区", "对象", "收集信息",
             "说明"],
            ["党群服务中心", "重阳包饺子", excel_time(*ymd(9), 9, 30),
             excel_time(*ymd(9), 11), 30, "苏辙社区", "老人、儿童", "姓名、电话", "自带围裙"],
            [None] * 9,
            ["文化广场", "亲子读书会", f"{day(10)} 14:00", f"{day(10)} 16:00", "20", "", "亲子",
             None, None],
        ],
    )  # fmt: skip
    dumplings, reading = import_file(engine, plan)
    assert dumplings.community_id == "suzhe"
    assert dumplings.audience == ["老人", "儿童"]
    assert dumplings.starts_at == dt.datetime(*ymd(9), 9, 30, tzinfo=ZONE)
    assert dumplings.ends_at == dt.datetime(*ymd(9), 11, tzinfo=ZONE)
    assert (dumplings.capacity, dumplings.max_party) == (30, 1)
    assert dumplings.collect == ["name", "phone"]
    assert dumplings.description == "自带围裙"
    assert dumplings.signup_deadline == dumplings.starts_at
    assert reading.community_id is None
    assert reading.starts_at == dt.datetime(*ymd(10), 6, tzinfo=dt.UTC)
    assert activity_count(engine) == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_imports_a_csv_with_or_without_bom(engine: Engine, tmp_path: Path, encoding: str) -> None:
    header = [*HEADER, "报名截止", "取消截止", "每人最多人数", "收集信息", "说明"]
    row = [
        "读书会", "文忠街社区", "老人,志愿者", f"{slashed(11)} 14:00", f"{day(11)} 16:00", "图书室",
        "12", f"{day(10)} 18:00", f"{day(11)} 10:00", "2", "电话", "带上老花镜",
    ]  # fmt: skip
    (created,) = import_file(engine, write_csv(tmp_path / "plan.csv", [header, row], encoding))
    assert created.community_id == "wenzhongjie"
    assert created.audience == ["老人", "志愿者"]
    assert created.signup_deadline == dt.datetime(*ymd(10), 18, tzinfo=ZONE)
    assert created.cancel_deadline == dt.datetime(*ymd(11), 10, tzinfo=ZONE)
    assert (created.max_party, created.collect) == (2, ["phone"])


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_every_bad_row_is_reported_by_its_row_number(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    import_file(engine, write_csv(tmp_path / "first.csv", [HEADER, GOOD]))
    rows = [
        HEADER,
        ["已过去", "", "", f"{day(-6)} 09:00", f"{day(-6)} 10:00", "广场", "10"],
        ["零名额", "", "", f"{day(9)} 09:30", f"{day(9)} 11:00", "广场", "0"],
        ["负名额", "", "", f"{day(9)} 09:30", f"{day(9)} 11:00", "广场", "-5"],
        ["倒着走", "", "", f"{day(9)} 11:00", f"{day(9)} 09:30", "广场", "10"],
        ["哪里", "atlantis", "", f"{day(9)} 09:30", f"{day(9)} 11:00", "广场", "10"],
        ["哪天", "", "", "明天上午", f"{day(9)} 11:00", "", "10"],
        ["", "", "", "", "", "", ""],
        ["多少", "", "", f"{day(9)} 09:30", f"{day(9)} 11:00", "广场", "三十"],
        ["好的", "", "", f"{day(10)} 09:30", f"{day(10)} 11:00", "广场", "10"],
    ]
    plan = write(tmp_path / f"plan{suffix}", rows)
    assert refused(engine, plan) == [
        f"plan{suffix} 第2行：开始时间已经过去了",
        f"plan{suffix} 第3行：名额要大于 0",
        f"plan{suffix} 第4行：名额要大于 0",
        f"plan{suffix} 第5行：结束时间要晚于开始时间",
        f"plan{suffix} 第6行：没有这个社区：atlantis",
        f"plan{suffix} 第7行：开始时间填的“明天上午”看不懂，"
        "请写成 2026-12-05 09:30 这样的日期和时间",
        f"plan{suffix} 第7行：活动地点不能为空",
        f"plan{suffix} 第9行：名额要填整数，现在是“三十”",
    ]
    assert activity_count(engine) == 1


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("plan.csv", csv_bytes([HEADER[:-1], GOOD[:-1]]), "plan.csv 第1行：缺少这些列：名额"),
        ("plan.xlsx", xlsx_bytes([[*HEADER, "备注"], [*GOOD, "x"]]), "第1行：不认识的列：备注"),
        ("plan.csv", csv_bytes([[*HEADER, "名额"], [*GOOD, "3"]]), "第1行：这些列出现了不止一次"),
        ("plan.csv", csv_bytes([[], HEADER, GOOD]), "plan.csv 第1行：应该是表头"),
        ("plan.csv", b"", "plan.csv 第1行：应该是表头"),
        ("plan.xlsx", xlsx_bytes([HEADER]), "plan.xlsx：表头下面没有活动"),
        ("plan.csv", csv_bytes([HEADER, [*GOOD, "多"]]), "plan.csv 第2行：第 8 列有内容但没有表头"),
        ("plan.txt", csv_bytes([HEADER, GOOD]), "plan.txt：只能导入 .xlsx 或 .csv 文件"),
        ("plan.xlsx", b"this is not a workbook", "plan.xlsx：打不开，请确认是 Excel 的 .xlsx 文件"),
        ("plan.xlsx", csv_bytes([HEADER, GOOD]), "plan.xlsx：打不开"),
        ("plan.csv", csv_bytes([HEADER, GOOD], "gb18030"), "请把表格另存为“CSV UTF-8”格式"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_a_clear_error(
    engine: Engine, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert any(expected in problem for problem in refused(engine, path))


def test_a_missing_file_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    assert refused(engine, tmp_path / "nowhere.xlsx") == ["nowhere.xlsx：找不到这个文件"]


def test_an_activity_is_not_imported_twice(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, write_csv(tmp_path / "plan.csv", [HEADER, GOOD]))
    problems = refused(engine, write_csv(tmp_path / "again.csv", [HEADER, GOOD]))
    assert f"“重阳包饺子”（{day(9)} 09:30）已经有了（#1）" in problems
    other = [*GOOD[:3], f"{day(13)} 09:30", f"{day(13)} 11:00", *GOOD[5:]]
    # The first row is created, the second repeats it: the whole file is rolled back.
    refused(engine, write_csv(tmp_path / "twice.csv", [HEADER, other, other]))
    assert activity_count(engine) == 1


PEOPLE = {
    "ann": ("王阿姨", "13800001111"), "bob": ("李叔", "13800002222"),
    "eve": ("张姐", "13800003333"), "fay": ("赵哥", "13800004444"),
    "cat": ("陈奶奶", "13800005555"), "dan": ("周爷爷", "13800006666"),
}  # fmt: skip


@pytest.fixture
def closed(engine: Engine, settings: Settings, tmp_path: Path) -> int:
    """An activity after the day: 4 seats, sign-ups of every status, two ratings."""
    (event,) = import_file(engine, write_csv(tmp_path / "four.csv", [HEADER, [*GOOD[:6], "4"]]))
    assert event.id is not None
    notifier = Notifier(ZONE, lambda: NOW)
    with session_scope(engine) as session:
        signups: dict[str, Registration] = {}
        for key, (name, phone) in PEOPLE.items():
            user = resolve_user(session, "console", key, NOW)
            assert user.id is not None
            signups[key] = activities.sign_up(session, event.id, user.id, 1, NOW, name, phone)
        activities.cancel_registration(
            session, signups["bob"], NOW, notifier, settings.activities
        )  # cat, first in line, is offered bob's seat
        present = [signups["ann"].user_id, signups["eve"].user_id]
        assert activities.record_attendance(session, event.id, present, NOW, notifier) == (2, 1)
        activities.rate(session, signups["ann"], 5, "很热闹")
        activities.rate(session, signups["eve"], 4, None)
    return event.id


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_lists_full_phones_and_chinese_statuses(
    engine: Engine, closed: int, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"名单{suffix}"
    with Session(engine) as session:
        assert export_registrations(session, closed, out, ZONE) == 6
    rows = read_back(out)
    assert rows[0] == list(EXPORT_HEADER)
    by_name = {row[1]: row for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    statuses = {name: row[4] for name, row in by_name.items()}
    assert statuses == {
        "王阿姨": "已签到", "李叔": "已取消", "张姐": "已签到", "赵哥": "未到场",
        "陈奶奶": "待确认名额", "周爷爷": "候补",
    }  # fmt: skip
    assert {row[2] for row in rows[1:]} == {phone for _, phone in PEOPLE.values()}
    assert by_name["周爷爷"][5] == "1"
    assert by_name["王阿姨"][5] == ""
    assert by_name["王阿姨"][3] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", by_name["王阿姨"][6])
    assert (by_name["王阿姨"][7], by_name["王阿姨"][8]) == ("5", "很热闹")


def read_back(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return list(csv.reader(stream))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    values = sheet.iter_rows(values_only=True)
    return [["" if v is None else str(v) for v in row] for row in values]


def test_export_refuses_other_file_types_and_unknown_activities(
    engine: Engine, closed: int, tmp_path: Path
) -> None:
    with Session(engine) as session, pytest.raises(activities.ActivityError, match="xlsx"):
        export_registrations(session, closed, tmp_path / "list.pdf", ZONE)
    with Session(engine) as session, pytest.raises(activities.ActivityError, match="99"):
        export_registrations(session, 99, tmp_path / "list.csv", ZONE)
    assert not (tmp_path / "list.pdf").exists()
    assert not (tmp_path / "list.csv").exists()


def test_attendance_summary(engine: Engine, closed: int) -> None:
    with Session(engine) as session:
        summary = attendance_summary(session, closed)
    assert summary == {
        "capacity": 4,
        "confirmed_seats": 3,  # two attended, one seat offered
        "waitlisted": 1,
        "attended": 2,
        "no_show": 1,
        "cancelled": 1,
        "average_rating": 4.5,
        "rating_count": 2,
    }
