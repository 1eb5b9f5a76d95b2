"""Work orders in chat, through `linli ask --user` (one process per message): a resident
reports a broken stairwell light in their own words and gets its number; a volunteer of that
community takes it and closes it; the resident follows it in "我的反映" and is told each
step; a resident and staff of another community can neither see nor take it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.app import open_database
from bot.config import load_settings
from bot.orders.models import WorkOrder, WorkOrderEvent
from bot.outbox.models import Outbox
from tests.e2e.linli_process import LinliProcess


def database(linli: LinliProcess) -> Engine:
    return open_database(load_settings(Path(os.devnull), environ=linli.env))


def report(linli: LinliProcess, who: str) -> int:
    """`who` reports the stairwell light in their own words; the order's number."""
    asked = linli.ask(who, "楼道灯坏了好几天了")
    assert asked["intent"] == "orders"
    assert "路灯照明" in asked["reply"]
    assert "在哪里" in linli.say(who, "是")
    summary = linli.say(who, "3栋2单元楼道")
    assert "问题：楼道灯坏了好几天了" in summary
    assert "地点：3栋2单元楼道" in summary
    filed = linli.say(who, "确认")
    found = re.search(r"编号 (\d+)", filed)
    assert found, filed
    return int(found.group(1))


def test_a_reported_light_from_filing_to_close_out(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    assert "苏辙社区" in linli.say("ann", "我是苏辙社区的")
    assert "上游社区" in linli.say("bob", "我是上游社区的")
    linli.run("role", "grant", "console:vol", "volunteer", "--community", "suzhe")
    linli.run("role", "grant", "console:far", "staff", "--community", "shangyou")

    number = report(linli, "ann")
    assert f"【编号 {number}】路灯照明 · 待受理" in linli.say("ann", "我的反映")
    assert f"编号 {number}" not in linli.say("bob", "我的反映")  # not bob's to see
    assert f"编号 {number}" not in linli.say("far", "工单")  # another community's staff
    assert "不是您社区的" in linli.say("far", f"接单 {number}")
    assert f"【编号 {number}】路灯照明" in linli.say("vol", "工单")

    assert "由您负责" in linli.say("vol", f"接单 {number}")
    assert "已办结" in linli.say("vol", f"办结 {number} 已更换灯泡")
    assert f"【编号 {number}】路灯照明 · 已办结，待您确认" in linli.say("ann", "我的反映")
    assert "已完成销号" in linli.say("ann", f"已解决 {number}")
    assert f"【编号 {number}】路灯照明 · 已完成" in linli.say("ann", "我的反映")

    engine = database(linli)
    with Session(engine) as session:
        order = session.exec(select(WorkOrder).where(WorkOrder.id == number)).one()
        steps = [e.after for e in session.exec(select(WorkOrderEvent)).all()]
        told = session.exec(select(Outbox).where(Outbox.user_id == order.resident_id)).all()
        owner = session.exec(select(Outbox).where(Outbox.user_id == order.owner_id)).all()
    assert steps == ["submitted", "assigned", "resolved", "closed"]
    texts = [row.payload["replies"][0]["text"] for row in told]
    assert len(texts) == 2  # taken, resolved: what ann did herself her replies said
    assert "已有人接单" in texts[0]
    assert f"已办结：已更换灯泡。\n问题解决了吗？回复“已解决 {number}”" in texts[1]
    assert [row.payload["replies"][0]["text"] for row in owner] == [
        f"工单 {number} 居民已确认解决，已销号。辛苦了！"
    ]
    assert order.community_id == "suzhe"


def test_a_resident_cannot_take_orders_and_can_leave_the_form(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    assert "选社区" in linli.say("cat", "报修")  # no community yet: asked for it first
    linli.say("cat", "我是苏辙社区的")
    assert "哪一类问题" in linli.say("cat", "我要反映个问题")
    assert "说说是什么问题" in linli.say("cat", "2")
    assert "500 字以内" in linli.say("cat", "脏" * 600)
    assert "先不报了" in linli.say("cat", "算了")
    assert "还没有反映过" in linli.say("cat", "我的反映")
    assert "只有社区工作人员" in linli.say("cat", "接单 1")
    assert "活动" in linli.say("cat", "活动")  # the activity list is still the activities'
