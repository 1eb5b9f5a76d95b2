"""Issue 17's resident activity flows, scripted through `linli ask --user` (one process per
message, all state in the database): a party that can never fit, a confirmed cancel, a seat
offer claimed after other messages; a form that goes wrong at every step and logs no phone
number; a reminder that agrees with the cancel deadline; dates and places in questions."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.activities import messages
from bot.activities import service as activities
from bot.activities.models import Activity, Registration
from bot.activities.service import ActivityInput
from bot.app import open_database
from bot.clock import utcnow
from bot.config import load_settings
from bot.db import session_scope
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from tests.e2e.linli_process import LinliProcess


def started(linli: LinliProcess) -> Engine:
    """The database of a Linli that has answered once (demo data loaded)."""
    assert "活动" in linli.say("zed", "活动")
    return open_database(load_settings(Path(os.devnull), environ=linli.env))


def make(engine: Engine, start: dt.datetime, **fields: object) -> int:
    data = ActivityInput(
        title="剪纸课", starts_at=start, ends_at=start + dt.timedelta(hours=1),
        place="活动室", capacity=1, collect=["phone"],
    )  # fmt: skip
    for name, value in fields.items():
        setattr(data, name, value)
    with session_scope(engine) as session:
        return activities.create_activity(session, data, utcnow(), []).id or 0


def test_party_cancel_and_a_claim_after_other_messages(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    n = make(engine, utcnow() + dt.timedelta(days=4), capacity=2, max_party=3)
    say = linli.say
    assert "最多 2 位" in say("ann", f"报名 {n}")
    assert "一共只有 2 个名额" in say("ann", "3")  # item 2: a party that can never fit
    say("ann", "1")
    say("ann", "13812345678")
    assert "报名成功" in say("ann", "确认")
    say("bob", f"报名 {n}")
    say("bob", "2")
    say("bob", "13998765432")
    assert "候补" in say("bob", "确认")
    assert f"【{n}】剪纸课｜" in (listed := say("cat", "活动"))
    assert "已满，可候补" in listed.split(f"【{n}】")[1].splitlines()[0]  # not "剩 1 个名额"
    asked = say("ann", "取消报名")  # item 5: no number: shown first, not done
    assert "剪纸课" in asked
    assert "回复“确认”" in asked
    assert "已取消" in say("ann", "确认")
    say("bob", "低保怎么申请")  # item 1: a message between the offer and the yes
    assert f"确认 {n}" in say("bob", "我的报名")
    assert "名额保留好了" in say("bob", f"确认 {n}")
    with Session(engine) as session:
        bob = session.exec(select(Registration).where(Registration.phone == "13998765432")).one()
    assert bob.status == "confirmed"
    engine.dispose()


def test_a_form_wrong_at_every_step_keeps_its_draft_and_logs_no_phone(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    n = make(engine, utcnow() + dt.timedelta(days=4), capacity=5, max_party=2,
             collect=["name", "phone"])  # fmt: skip
    engine.dispose()
    say = linli.say
    say("dan", f"报名 {n}")
    assert "人数" in say("dan", "周大爷")  # a name at the party-size step
    assert "姓名" in say("dan", "2")
    assert "算了" in say("dan", "在哪里集合？")  # a question mid-form: the step again
    assert "留一个电话" in say("dan", "周大爷")
    assert "座机" in say("dan", "我没有手机")  # a landline, a relative's phone, or none
    assert "139****5678" in say("dan", "139 1234 5678")
    assert "确认" in say("dan", "周大爷")  # not a yes: the summary waits
    assert "先不报了" in say("dan", "算了")
    assert "报名" in say("dan", "13912345678")  # after leaving: a hint, not a question logged
    unanswered = linli.run("unanswered", "--json")  # one JSON line per question left
    assert "1391234" not in unanswered
    assert not any("1391234" in log for log in linli.logs)


def test_the_reminder_and_the_cancel_deadline_agree(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    n = make(engine, utcnow() + dt.timedelta(hours=2, minutes=5))  # deadline in 5 minutes
    linli.say("eve", f"报名 {n}")
    linli.say("eve", "13812345678")
    assert "报名成功" in linli.say("eve", "确认")
    with session_scope(engine) as session:
        registration = session.exec(select(Registration)).one()
        found = session.get(Activity, n)
        assert found is not None
        notifier = Notifier(load_settings(Path(os.devnull), environ=linli.env).zone, utcnow)
        messages.reminder(notifier, session, registration, found, 120)
    with Session(engine) as session:
        sent = session.exec(select(Outbox).where(Outbox.kind == "reminder")).one()
    reminder = sent.payload["replies"][0]["text"]
    assert "回复“取消”" not in reminder  # no offer the deadline would refuse
    assert "找人工" in reminder
    engine.dispose()


def test_dates_and_places_in_activity_questions(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    engine = started(linli)
    with Session(engine) as session:
        demo = {a.title[:4]: a for a in session.exec(select(Activity)).all()}
    engine.dispose()
    zone = load_settings(Path(os.devnull), environ=linli.env).zone
    science = demo["科技少年"].starts_at.astimezone(zone)  # 5 days from today
    say = linli.say
    assert "还没有" in say("fay", "明天有活动吗")  # no demo activity tomorrow: not the whole list
    on_day = say("fay", f"{science.month}月{science.day}号有什么活动")
    assert "科技少年" in on_day
    assert "义诊剪" not in on_day
    assert f"【{demo['东坡地名'].id}】东坡地名文化进社区" in say("fay", "苏辙社区的活动")
    assert "姓名" in say("fay", "帮我报名义诊剪")  # the open activity, not "请留意社区通知"
