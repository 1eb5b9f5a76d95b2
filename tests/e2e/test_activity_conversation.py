"""A scripted sign-up conversation through `linli ask --user`, one process per message, all
state in the database: sign up, list mine, cancel, sign up again; a waitlisted resident is
offered the freed seat and claims it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.models import Registration
from bot.activities.service import ActivityInput
from bot.app import open_database
from bot.clock import utcnow
from bot.config import load_settings
from bot.db import session_scope
from bot.outbox.models import Outbox
from tests.e2e.linli_process import LinliProcess


def test_signup_cancel_waitlist_claim(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    say = linli.say
    assert "活动" in say("ann", "最近有什么活动")  # first start: demo data loaded
    settings = load_settings(Path(os.devnull), environ=linli.env)
    engine = open_database(settings)
    start = utcnow() + dt.timedelta(days=4)
    with session_scope(engine) as session:
        data = ActivityInput(
            title="云朵灯手工", starts_at=start, ends_at=start + dt.timedelta(hours=2),
            place="上游社区社工室", capacity=1, collect=["phone"],
        )  # fmt: skip
        number = activities.create_activity(session, data, utcnow(), []).id

    assert "云朵灯手工" in say("ann", f"活动{number}")
    assert "电话" in say("ann", f"报名 {number}")
    assert "不对" in say("ann", "1381234")  # a wrong number is asked again, with a hint
    summary = say("ann", "138 1234 5678")
    assert "138****5678" in summary  # masked in chat
    assert "报名成功" in say("ann", "确认")
    assert "云朵灯手工" in say("ann", "我的报名")
    assert "已取消" in say("ann", f"取消报名 {number}")
    assert "没有报名" in say("ann", "我的报名")
    say("ann", f"报名 {number}")
    say("ann", "13812345678")
    assert "报名成功" in say("ann", "确认")

    say("bob", f"报名 {number}")
    say("bob", "13998765432")
    assert "第 1 位" in say("bob", "确认")  # full: bob waits
    assert "候补第 1 位" in say("bob", "我的报名")
    assert "已取消" in say("ann", f"取消报名 {number}")  # ann frees the seat...
    with Session(engine) as session:
        offer = session.exec(select(Outbox).where(Outbox.kind == "waitlist_offer")).one()
    assert "回复“确认”" in offer.payload["replies"][0]["text"]  # ...bob is offered it
    assert "名额保留好了" in say("bob", "确认")
    with Session(engine) as session:
        bob = session.exec(select(Registration).where(Registration.phone == "13998765432")).one()
    assert bob.status == "confirmed"
    assert "算了" not in say("cat", "找人工")  # other residents are not affected
    engine.dispose()
