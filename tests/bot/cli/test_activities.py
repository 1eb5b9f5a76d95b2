"""`linli activity ...` as staff use it: each command one transaction, refusals change nothing."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.activities import service as activities
from bot.activities.models import Activity, Registration
from bot.app import open_database
from bot.cli.activities import add_commands
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.outbox.models import Outbox


@dataclass
class Result:
    code: int
    out: str
    err: str


Linli = Callable[..., Result]


@pytest.fixture
def linli(settings: Settings, capsys: pytest.CaptureFixture[str]) -> Linli:
    """Run `linli activity ...` in this process, as bot/cli.py will once it adds the commands."""
    parser = argparse.ArgumentParser(prog="linli")
    add_commands(parser.add_subparsers(required=True))

    def run(*argv: str) -> Result:
        args = parser.parse_args(["activity", *argv])
        code = args.run(args, settings)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return Result(code, out, err)

    return run


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings)
    yield engine
    engine.dispose()


SHANGHAI = ZoneInfo("Asia/Shanghai")


def later(days: int, clock: str) -> str:
    """A local time `days` from now, e.g. later(7, "09:30") -> '2026-12-03 09:30'."""
    return f"{(utcnow() + dt.timedelta(days=days)).astimezone(SHANGHAI):%Y-%m-%d} {clock}"


def create(linli: Linli, *extra: str, capacity: int = 2) -> int:
    result = linli(
        "create", "--title", "重阳包饺子", "--start", later(7, "09:30"), "--end",
        later(7, "11:00"), "--place", "党群服务中心", "--capacity", str(capacity), "--json",
        *extra,
    )  # fmt: skip
    assert result.code == 0, result.err
    created: int = json.loads(result.out)["id"]
    return created


def sign_up(engine: Engine, activity_id: int, *names: str) -> None:
    with session_scope(engine) as session:
        for name in names:
            user = resolve_user(session, "console", name, utcnow())
            assert user.id is not None
            activities.sign_up(session, activity_id, user.id, 1, utcnow(), name, "13900000000")


def count(engine: Engine, model: type, **where: object) -> int:
    with Session(engine) as session:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return int(session.exec(statement).one())


def test_create_then_list(linli: Linli) -> None:
    result = linli(
        "create", "--title", "亲子读书会", "--start", later(3, "14:00"), "--end",
        later(3, "16:00"), "--place", "图书室", "--capacity", "20", "--community", "苏辙社区",
        "--audience", "亲子,儿童", "--collect", "name,phone", "--max-party", "3",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.startswith("已创建活动 #1：【亲子读书会】")
    assert "签到码：" in result.out
    record = json.loads(
        linli("create", "--title", "读书分享", "--start", later(5, "09:00"), "--end",
              later(5, "10:00"), "--place", "广场", "--capacity", "5", "--draft", "--json").out
    )  # fmt: skip
    assert (record["id"], record["status"], record["community"]) == (2, "draft", None)
    assert record["starts_at"].endswith("09:00:00+08:00")
    listed = linli("list").out
    assert "#1 【亲子读书会】" in listed
    assert "名额 0/20，候补 0" in listed
    assert "读书分享" not in listed  # a draft is not open yet
    everything = [json.loads(line) for line in linli("list", "--all", "--json").out.splitlines()]
    assert [(a["id"], a["community"], a["audience"]) for a in everything] == [
        (1, "suzhe", ["亲子", "儿童"]),
        (2, None, []),
    ]
    assert "#2 [草稿] 【读书分享】" in linli("list", "--all").out
    assert linli("update", "2", "--publish").code == 0
    assert "#2 【读书分享】" in linli("list").out


def test_create_refuses_bad_values_and_changes_nothing(linli: Linli, engine: Engine) -> None:
    result = linli(
        "create", "--title", "x", "--start", "2020-01-01 09:00", "--end", "2019-01-01 09:00",
        "--place", "广场", "--capacity", "0", "--community", "atlantis",
    )  # fmt: skip
    assert result.code == 1
    assert result.out == ""
    for problem in ("开始时间已经过去了", "名额要大于 0", "没有这个社区：atlantis"):
        assert problem in result.err
    result = linli(
        "create", "--title", "x", "--start", "下周六", "--end", later(7, "11:00"),
        "--place", "广场", "--capacity", "十",
    )  # fmt: skip
    assert result.code == 1
    assert "开始时间填的“下周六”看不懂" in result.err
    assert "名额要填整数" in result.err
    assert count(engine, Activity) == 0


def test_update_tells_the_registered_when_the_place_moves(linli: Linli, engine: Engine) -> None:
    activity_id = create(linli)
    sign_up(engine, activity_id, "ann", "bob")
    result = linli("update", str(activity_id), "--place", "二楼活动室", "--capacity", "3")
    assert result.code == 0, result.err
    assert "二楼活动室，名额 2/3" in result.out
    assert count(engine, Outbox, kind="activity_moved") == 2
    refused = linli("update", str(activity_id), "--capacity", "1", "--title", "新名字")
    assert refused.code == 1
    assert "名额不能少于已经报名的 2 人" in refused.err
    with Session(engine) as session:
        assert session.get(Activity, activity_id).title == "重阳包饺子"  # type: ignore[union-attr]
    assert linli("update", str(activity_id)).code == 1
    missing = linli("update", "99", "--place", "广场")
    assert (missing.code, missing.err.strip()) == (1, "没有编号为 99 的活动。")


def test_cancel_notifies_everyone_registered_or_waiting(linli: Linli, engine: Engine) -> None:
    activity_id = create(linli, capacity=2)
    sign_up(engine, activity_id, "ann", "bob", "cat")  # cat waits
    result = linli("cancel", str(activity_id))
    assert result.code == 0, result.err
    assert "通知了 3 位" in result.out
    assert count(engine, Outbox, kind="activity_cancelled") == 3
    assert count(engine, Registration, status="cancelled") == 3
    assert "近期没有已发布的活动" in linli("list").out
    again = linli("cancel", str(activity_id))
    assert (again.code, again.err.strip()) == (1, "这个活动已经取消过了。")
    assert count(engine, Outbox, kind="activity_cancelled") == 3


def test_import_is_all_or_nothing(linli: Linli, engine: Engine, tmp_path: Path) -> None:
    header = ["活动名称", "社区", "对象", "开始时间", "结束时间", "地点", "名额"]
    good = ["包饺子", "suzhe", "老人", later(7, "09:30"), later(7, "11:00"), "广场", "10"]
    bad = ["读书会", "", "", later(8, "09:30"), later(8, "11:00"), "图书室", "0"]
    plan = tmp_path / "plan.csv"
    with plan.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([header, good, bad])
    result = linli("import", str(plan))
    assert result.code == 1
    assert result.err.splitlines() == ["plan.csv 第3行：名额要大于 0", "没有导入任何活动。"]
    assert count(engine, Activity) == 0
    with plan.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows([header, good, bad[:6] + ["8"]])
    result = linli("import", str(plan))
    assert result.code == 0, result.err
    assert result.out.startswith("已导入 2 个活动：\n#1 【包饺子】")
    assert count(engine, Activity) == 2


def test_export_attendance_and_summary(linli: Linli, engine: Engine, tmp_path: Path) -> None:
    activity_id = create(linli, capacity=2)
    sign_up(engine, activity_id, "ann", "bob", "cat")
    out = tmp_path / "名单.csv"
    result = linli("export", str(activity_id), "--out", str(out))
    assert result.code == 0, result.err
    with out.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert [(r[1], r[2], r[4], r[5]) for r in rows[1:]] == [
        ("ann", "13900000000", "已确认", ""),
        ("bob", "13900000000", "已确认", ""),
        ("cat", "13900000000", "候补", "1"),
    ]
    stranger = linli(
        "attendance", str(activity_id), "--present", "console:ann", "console:zed", "999"
    )
    assert stranger.code == 1
    assert "有效报名：console:zed、999" in stranger.err
    assert count(engine, Registration, status="attended") == 0
    result = linli("attendance", str(activity_id), "--present", "console:ann")
    assert result.code == 0, result.err
    assert "到场 1 个报名，未到场 1 个" in result.out
    with Session(engine) as session:
        (request,) = session.exec(select(Outbox).where(Outbox.kind == "rating_request")).all()
        ann = resolve_user(session, "console", "ann", utcnow())
        assert request.user_id == ann.id
    summary = json.loads(linli("summary", str(activity_id), "--json").out)
    assert summary == {
        "id": activity_id, "title": "重阳包饺子", "capacity": 2, "confirmed_seats": 1,
        "waitlisted": 1, "attended": 1, "no_show": 1, "cancelled": 0, "average_rating": None,
        "rating_count": 0,
    }  # fmt: skip
    text = linli("summary", str(activity_id)).out
    assert "到场 1，未到场 1，已取消 0" in text
    assert "还没有人打分" in text
