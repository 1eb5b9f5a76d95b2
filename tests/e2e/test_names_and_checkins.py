"""Issue 17's last items, scripted through `linli ask --user` (one process per message) and
the staff CLI: people are named, not numbered, for staff (item 10); a resident without a
mobile signs up; check-in replies say what is wrong; an early 班次签退 is recorded as early
(item 12)."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.activities import service as activities
from bot.activities.models import Registration
from bot.activities.service import ActivityInput
from bot.app import open_database
from bot.clock import utcnow
from bot.config import load_settings
from bot.db import session_scope
from bot.identity import find_user
from bot.outbox.models import Outbox
from bot.shifts import plan as shift_plan
from bot.shifts import service as shifts
from bot.shifts.models import ShiftAssignment
from tests.e2e.linli_process import LinliProcess


def started(linli: LinliProcess) -> Engine:
    """The database of a Linli that has answered once (demo data loaded)."""
    assert "活动" in linli.say("zed", "活动")
    return open_database(load_settings(Path(os.devnull), environ=linli.env))


def shift_now(engine: Engine, start: dt.datetime, minutes: int = 120) -> tuple[int, str]:
    """A shift of a post in 苏辙社区 starting at `start`: its id and check-in code."""
    with session_scope(engine) as session:
        post = shift_plan.create_post(
            session, "助老餐厅帮厨", "幸福食堂", "suzhe", (), None, now=start - dt.timedelta(days=1)
        )
        shift = shift_plan.create_shift(
            session, post.id or 0, start, minutes, 2, start - dt.timedelta(days=1)
        )
        return shift.id or 0, shift.checkin_code


def take(engine: Engine, shift_id: int, volunteer: int) -> None:
    """Staff put a volunteer on a shift that has already begun."""
    with session_scope(engine) as session:
        before = utcnow() - dt.timedelta(hours=2)  # signed up before it began
        shifts.sign_up(session, shift_id, volunteer, before, source="assigned")


def user_id(engine: Engine, who: str) -> int:
    with Session(engine) as session:
        found = find_user(session, who)
    assert found is not None, who
    return found


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as stream:
        return list(csv.reader(stream))


def test_staff_read_and_use_names_not_account_numbers(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    linli.run("role", "grant", "console:boss", "staff")
    linli.run(
        "role", "grant", "console:li", "volunteer", "--community", "suzhe", "--name", "李小红"
    )
    linli.run("role", "grant", "console:mo", "volunteer", "--community", "suzhe")
    assert "莫*山" in linli.say("mo", "我叫莫青山")  # a volunteer names themself
    assert "莫青山" in linli.say("mo", "我叫什么")
    assert "李小红，用户" in linli.run("role", "list")
    number, _ = shift_now(engine, utcnow() + dt.timedelta(days=3))
    li, mo = user_id(engine, "console:li"), user_id(engine, "console:mo")

    assigned = linli.say("boss", f"分配班次 {number} 李小红")  # by name, as staff say it
    assert f"李*红（用户 {li}）" in assigned
    assert "莫*山" in linli.say("boss", f"分配班次 {number} 莫青山")
    assert "没有叫“王五”的志愿者" in linli.say("boss", f"分配班次 {number} 王五")
    roster = linli.say("boss", f"班次名单 {number}")
    assert f"李*红（用户 {li}）" in roster
    assert "李小红" not in roster  # chat shows masked names
    assert "已确认" in linli.say("li", f"确认班次 {number}")
    linli.say("mo", f"不能来 {number}")
    with Session(engine) as session:
        alert = session.exec(select(Outbox).where(Outbox.kind == "shift_alert")).one()
    text = alert.payload["replies"][0]["text"]
    assert f"莫*山（用户 {mo}）回复了不能来" in text
    assert "用户 " + str(mo) + "回复" not in text

    out = tmp_path / "roster.csv"
    linli.run("shift", "roster", str(number), "--out", str(out))
    header, *people = rows(out)
    named = {row[header.index("账号")]: row[header.index("姓名")] for row in people}
    assert named == {"console:li": "李小红", "console:mo": "莫青山"}  # full names: staff export
    assert not any(row[header.index("状态")].isascii() for row in people)  # Chinese statuses
    engine.dispose()


def test_an_invited_volunteer_is_asked_their_name(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    started(linli).dispose()
    made = linli.run("invite", "create", "--role", "volunteer", "--community", "suzhe")
    code = made.split("邀请码：")[1][:8]
    welcome = linli.say("new", f"邀请码 {code}")
    assert "欢迎加入" in welcome
    assert "我叫" in welcome  # how to tell staff who they are
    assert "记住啦" in linli.say("new", "我叫 周 大 山")


def test_a_resident_with_only_a_landline_or_no_phone_signs_up(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    start = utcnow() + dt.timedelta(days=3)
    with session_scope(engine) as session:
        data = ActivityInput(
            title="剪纸课", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="活动室", capacity=5, collect=["phone"],
        )  # fmt: skip
        number = activities.create_activity(session, data, utcnow(), []).id
    say = linli.say
    assert "座机都行" in say("gran", f"报名 {number}")
    assert "028****3456" in say("gran", "座机 028-38123456")
    assert "报名成功" in say("gran", "确认")
    say("gpa", f"报名 {number}")
    assert "不留" in say("gpa", "我没有手机")
    assert "电话：不留" in say("gpa", "不留")
    assert "报名成功" in say("gpa", "确认")
    with Session(engine) as session:
        phones = sorted(
            str(r.phone) for r in session.exec(select(Registration).order_by(col(Registration.id)))
        )
    assert phones == ["02838123456", "None"]
    assert not any("38123456" in log for log in linli.logs)
    engine.dispose()


def test_check_in_replies_say_what_is_wrong(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    start = utcnow() + dt.timedelta(minutes=20)
    with session_scope(engine) as session:
        made = [
            activities.create_activity(
                session,
                ActivityInput(
                    title=title,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    place="活动室",
                    capacity=5,
                    collect=[],
                ),
                utcnow(),
                [],
            )  # fmt: skip
            for title in ("剪纸课", "太极拳")
        ]
    paper, taichi = made[0].checkin_code, made[1].checkin_code
    say = linli.say
    say("ann", f"报名 {made[0].id}")
    assert "报名成功" in say("ann", "确认")
    assert "您没有报名【太极拳】" in say("ann", f"签到{taichi}")  # not "签到码不对"
    assert "签到码不对" in say("ann", "签到000000")
    assert "签到成功" in say("ann", f"签到{paper}")
    assert "已经签到过了" in say("ann", f"签到{paper}")
    assert "您没有报名【剪纸课】" in say("bob", f"签到{paper}")  # no registration at all

    linli.run("role", "grant", "console:vic", "volunteer", "--community", "suzhe")
    number, code = shift_now(engine, utcnow() - dt.timedelta(minutes=5))
    assert "您没有排在" in say("vic", f"班次签到 {code}")
    take(engine, number, user_id(engine, "console:vic"))
    assert "班次签到" in say("vic", f"签到{code}")  # a shift's code sent as an activity's
    assert f"签到{paper}" in say("ann", f"班次签到 {paper}")  # and the other way round
    assert "签到成功" in say("vic", f"班次签到 {code}")
    assert "已经签到过了" in say("vic", f"班次签到 {code}")
    engine.dispose()


def test_an_early_check_out_is_asked_about_and_recorded_as_early(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    linli.run("role", "grant", "console:vic", "volunteer", "--community", "suzhe")
    number, code = shift_now(engine, utcnow() - dt.timedelta(minutes=30), minutes=180)
    say = linli.say
    take(engine, number, user_id(engine, "console:vic"))
    assert "签到成功" in say("vic", f"班次签到 {code}")
    asked = say("vic", f"班次签退 {code}")
    assert "提前签退" in asked
    assert "回复“确认”" in asked
    with Session(engine) as session:
        assert session.exec(select(ShiftAssignment)).one().status == "checked_in"  # not yet
    left = say("vic", "确认")
    assert "已提前" in left
    out = tmp_path / "hours.csv"
    zone = load_settings(Path(os.devnull), environ=linli.env).zone
    day = utcnow().astimezone(zone).date().isoformat()
    linli.run("shift", "hours", "--from", day, "--to", day, "--out", str(out))
    header, vic, _total = rows(out)
    assert vic[header.index("完成班次")] == "0"
    assert vic[header.index("提前签退次数")] == "1"
    roster = tmp_path / "roster.csv"
    linli.run("shift", "roster", str(number), "--out", str(roster))
    header, vic = rows(roster)
    assert vic[header.index("状态")].startswith("已签退（提前")
    engine.dispose()
