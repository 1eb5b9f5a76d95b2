"""`linli shift ...` and `linli volunteer skill ...` as staff use them: one transaction each;
bad input is told in Chinese on stderr with exit code 2, and changes nothing."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from bot.app import open_database
from bot.cli.shifts import add_commands
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.people.roles import grant
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, ShiftTemplate


@dataclass
class Result:
    code: int
    out: str
    err: str


Linli = Callable[..., Result]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def linli(settings: Settings, capsys: pytest.CaptureFixture[str]) -> Linli:
    parser = argparse.ArgumentParser(prog="linli")
    add_commands(parser.add_subparsers(required=True))

    def run(*argv: str) -> Result:
        args = parser.parse_args(list(argv))
        code = args.run(args, settings)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return Result(code, out, err)

    return run


def later(days: int, clock: str = "09:00") -> str:
    return f"{(utcnow() + dt.timedelta(days=days)).astimezone(SHANGHAI):%Y-%m-%d} {clock}"


def volunteer(settings: Settings, name: str) -> int:
    engine = open_database(settings)
    with session_scope(engine) as session:
        user_id = resolve_user(session, "console", name, utcnow()).id or 0
        grant(session, user_id, "volunteer", "suzhe")
    engine.dispose()
    return user_id


def count(settings: Settings, model: type) -> int:
    engine = open_database(settings)
    with Session(engine) as session:
        found = int(session.exec(select(func.count()).select_from(model)).one())
    engine.dispose()
    return found


def test_plan_assign_approve_and_export(linli: Linli, settings: Settings, tmp_path: Path) -> None:
    posted = linli(
        "shift", "post", "add", "--title", "助老餐厅帮厨", "--place", "幸福食堂",
        "--community", "苏辙社区", "--skills", "健康证", "--json",
    )  # fmt: skip
    assert posted.code == 0, posted.err
    post = json.loads(posted.out)
    assert (post["community"], post["skills"]) == ("suzhe", ["健康证"])
    assert "助老餐厅帮厨" in linli("shift", "post", "list").out
    added = linli(
        "shift", "add", "--post", str(post["id"]), "--start", later(3), "--minutes", "120",
        "--slots", "2", "--json",
    )  # fmt: skip
    shift = json.loads(added.out)
    assert shift["starts_at"].endswith("09:00:00+08:00")
    assert len(shift["checkin_code"]) == 6
    ann = volunteer(settings, "ann")
    refused = linli("shift", "assign", str(shift["id"]), "console:ann")
    assert (refused.code, "健康证" in refused.err) == (2, True)
    assert "健康证" in linli("volunteer", "skill", "add", "console:ann", "健康证").out
    assert linli("shift", "assign", str(shift["id"]), "console:ann").code == 0
    listed = [json.loads(line) for line in linli("shift", "list", "--json").out.splitlines()]
    assert [(s["id"], s["taken"]) for s in listed] == [(shift["id"], 1)]
    engine = open_database(settings)
    with session_scope(engine) as session:  # she came and worked 100 minutes
        row = session.exec(select(ShiftAssignment).where(ShiftAssignment.user_id == ann)).one()
        row.status, row.minutes = "done", 100
        session.add(row)
    engine.dispose()
    assert "1 条工时" in linli("shift", "approve", str(shift["id"])).out
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"roster{suffix}"
        assert linli("shift", "roster", str(shift["id"]), "--out", str(out)).code == 0
        assert out.stat().st_size > 0
    day = later(3)[:10]
    hours = tmp_path / "hours.csv"
    assert linli("shift", "hours", "--from", day, "--to", day, "--out", str(hours)).code == 0
    rows = list(csv.reader(hours.open(encoding="utf-8-sig")))
    assert rows[1][:6] == [str(ann), "", "console:ann", "", "1.67", "0.0"]  # no name given yet
    assert rows[-1][0] == "合计"
    xlsx = tmp_path / "hours.xlsx"
    assert linli("shift", "hours", "--from", day, "--to", day, "--out", str(xlsx)).code == 0


def test_weekly_shifts(linli: Linli, settings: Settings) -> None:
    linli("shift", "post", "add", "--title", "街长巡查", "--place", "文安西路")
    start = later(0)[:10]
    made = linli(
        "shift", "weekly", "--post", "1", "--weekday", "2", "--time", "09:00", "--minutes", "90",
        "--slots", "2", "--from", start, "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    assert json.loads(made.out)["created"] == settings.volunteers.weeks_ahead
    assert count(settings, Shift) == settings.volunteers.weeks_ahead


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("shift", "add", "--post", "9", "--start", later(2), "--minutes", "60", "--slots", "1"),
         "没有编号为 9 的岗位"),
        (("shift", "add", "--post", "1", "--start", "明天早上", "--minutes", "60", "--slots", "1"),
         "看不懂"),
        (("shift", "add", "--post", "1", "--start", later(-2), "--minutes", "60", "--slots", "1"),
         "已经过去"),
        (("shift", "add", "--post", "1", "--start", later(2), "--minutes", "60", "--slots", "0"),
         "人数"),
        (("shift", "weekly", "--post", "1", "--weekday", "7", "--time", "09:00", "--minutes",
          "60", "--slots", "1", "--from", "2026-12-01"), "星期"),
        (("shift", "weekly", "--post", "1", "--weekday", "1", "--time", "9点", "--minutes",
          "60", "--slots", "1", "--from", "2026-12-01"), "看不懂"),
        (("shift", "assign", "1", "console:nobody"), "没有找到用户"),
        (("shift", "roster", "99", "--out", "x.csv"), "没有编号为 99 的班次"),
        (("shift", "hours", "--from", "2026-12-31", "--to", "2026-12-01", "--out", "h.csv"),
         "结束日期"),
        (("shift", "hours", "--from", "2026-12-01", "--to", "2026-12-31", "--out", "h.pdf"),
         ".xlsx 或 .csv"),
        (("shift", "post", "add", "--title", "帮厨", "--place", "食堂", "--community", "火星"),
         "没有这个社区"),
    ],
)  # fmt: skip
def test_bad_input_changes_nothing(
    linli: Linli, settings: Settings, argv: tuple[str, ...], message: str
) -> None:
    linli("shift", "post", "add", "--title", "街长巡查", "--place", "文安西路")
    before = [count(settings, m) for m in (ShiftPost, Shift, ShiftTemplate, ShiftAssignment)]
    result = linli(*argv)
    assert result.code == 2
    assert message in result.err
    assert result.out == ""
    assert [
        count(settings, m) for m in (ShiftPost, Shift, ShiftTemplate, ShiftAssignment)
    ] == before
