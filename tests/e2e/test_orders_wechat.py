"""Work orders over WeChat end to end (the real webhook, a client that signs and encrypts
like WeChat, the fake WeChat API for what Linli pushes): a resident reports a broken light
with a photo and a location; a second resident reporting the same is offered to follow it
instead; a volunteer accepts and resolves it in chat; the resident says it is not fixed and it
reopens; the second time they confirm and rate 5; both residents were told each step. Also:
bad input leaves nothing half-made, a resident never sees another's details, another
community's staff cannot act, and a photo from someone Linli does not know creates nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.db import session_scope
from bot.identity import resolve_user
from bot.orders.models import OrderState, WorkOrder, WorkOrderFollower, WorkOrderPhoto
from bot.people.roles import grant
from knowledge.matcher import Matcher
from tests.e2e.test_wechat import Rig, text_of, wechat_rig
from tests.fakes.wechat_client import WeChatTestClient

GATE = (30.0421, 103.8312)
NEAR_GATE = (30.0422, 103.8313)  # about 15 m away


@pytest.fixture
def rig(database_url: str, cache_home: Path, demo_matcher: Matcher) -> Iterator[Rig]:
    yield from wechat_rig(database_url, cache_home, demo_matcher)


def join(client: WeChatTestClient, openid: str, community: str = "苏辙社区") -> None:
    """Follow the account and pick the community from the welcome's list."""
    welcome = text_of(client, client.send_event(openid, "subscribe"))
    number = next(line.split(".")[0] for line in welcome.splitlines() if community in line)
    assert community in text_of(client, client.send_text(openid, number))


def make(rig: Rig, openid: str, role: str, community: str) -> None:
    with session_scope(rig.app.engine) as session:
        user = resolve_user(session, "wechat", openid, rig.app.dispatcher.clock())
        grant(session, user.id or 0, role, community)


def pushed(rig: Rig, openid: str) -> list[str]:
    rig.deliver()
    return [m["text"]["content"] for m in rig.api.custom_messages if m["touser"] == openid]


def count(rig: Rig, table: type) -> int:
    with Session(rig.app.engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_a_light_reported_with_photo_and_place_followed_reopened_and_rated(rig: Rig) -> None:
    client = rig.client("safe")
    join(client, "o-ann")
    join(client, "o-bob")
    join(client, "o-vol")
    make(rig, "o-vol", "volunteer", "suzhe")
    join(client, "o-far", "上游社区")
    make(rig, "o-far", "staff", "shangyou")

    say = lambda who, body: text_of(client, client.send_text(who, body))  # noqa: E731
    assert "“路灯照明”方面的问题吗" in say("o-ann", "门口路灯坏了，晚上不亮")
    assert "在哪里" in say("o-ann", "是")
    photo = text_of(client, client.send_image("o-ann", "https://mmbiz.qpic.cn/ann/1", "m-ann-1"))
    assert "收到照片（共 1 张）" in photo
    assert "在哪里" in photo  # the question again
    summary = text_of(client, client.send_location("o-ann", *GATE, "东坡大道12号小区东门"))
    assert "收到位置：东坡大道12号小区东门" in summary
    assert "照片：1 张" in summary
    assert "位置：已发送定位" in summary
    filed = say("o-ann", "确认")
    number = int(re.search(r"编号 (\d+)", filed).group(1))  # type: ignore[union-attr]
    assert "24 小时内响应" in filed

    # the second resident: the same light, a point 15 m away → offered to follow
    assert "方面的问题吗" in say("o-bob", "路灯不亮了")
    assert "在哪里" in say("o-bob", "是")
    offer = text_of(client, client.send_location("o-bob", *NEAR_GATE, "小区东门"))
    assert f"已经有人反映过了（编号 {number}，待受理），要不要一起关注进度？" in offer
    assert "东坡大道12号" not in offer  # nothing of ann's
    assert "晚上不亮" not in offer
    assert f"已为您关注编号 {number}" in say("o-bob", "关注")
    assert count(rig, WorkOrder) == 1
    assert count(rig, WorkOrderFollower) == 1

    assert "不是您社区的" in say("o-far", f"接单 {number}")  # another community's staff
    assert f"【编号 {number}】" not in say("o-far", "工单")
    assert f"【编号 {number}】路灯照明" in say("o-vol", "工单")
    shown = say("o-vol", f"工单 {number}")  # staff of the community see the photos
    assert "照片 1：https://mmbiz.qpic.cn/ann/1" in shown
    assert "定位 30.04210,103.83120" in shown
    assert "只有社区工作人员" in say("o-bob", f"工单 {number}")  # never another's photos
    assert "不是您社区的" in say("o-far", f"工单 {number}")
    assert "由您负责" in say("o-vol", f"接单 {number}")
    assert "已办结" in say("o-vol", f"办结 {number} 已更换灯泡")
    assert "已办结：已更换灯泡。\n问题解决了吗？" in pushed(rig, "o-ann")[-1]

    assert "已重新交给负责人" in say("o-ann", "没解决")
    assert "还没解决" in pushed(rig, "o-vol")[-1]
    assert "已办结" in say("o-vol", f"办结 {number} 换了灯座和灯泡")
    assert "满意吗" in say("o-ann", "解决了")
    assert "谢谢您的评价" in say("o-ann", "5")

    ann, bob = pushed(rig, "o-ann"), pushed(rig, "o-bob")
    assert [t.split("）")[1][:3] for t in ann] == ["已有人", "已办结", "已办结"]  # fmt: skip
    assert len(bob) == 5  # taken, resolved, reopened, resolved again, confirmed
    assert "反映人说还没解决" in bob[2]
    assert "已确认解决" in bob[4]
    assert not any("qpic" in t or "东坡大道12号" in t or "o-ann" in t for t in bob)
    mine = say("o-bob", "我的反映")
    assert f"您关注的问题：\n【编号 {number}】路灯照明 · 已完成" in mine
    assert "晚上不亮" not in mine  # ann's words are hers
    with Session(rig.app.engine) as session:
        order = session.get(WorkOrder, number)
        assert order is not None
        assert (order.state, order.rating) == (OrderState.CLOSED, 5)
        assert (order.latitude, order.longitude) == GATE
        (kept,) = session.exec(select(WorkOrderPhoto)).all()
    assert (kept.media_id, kept.url) == ("m-ann-1", "https://mmbiz.qpic.cn/ann/1")


def test_bad_input_creates_nothing(rig: Rig) -> None:
    client = rig.client("safe")
    say = lambda body: text_of(client, client.send_text("o-cat", body))  # noqa: E731
    # a photo from someone who never followed (no identity, no community): nothing kept
    assert "报修" in text_of(client, client.send_image("o-new", "https://mmbiz.qpic.cn/n/1"))
    join(client, "o-cat")
    assert "哪一类问题" in say("报修")
    assert "请回复 1 到 7 的数字" in say("99")  # no such category
    assert "请回复 1 到 7 的数字" in say("外星人")
    assert "说说是什么问题" in say("1")
    assert "请说说是什么问题" in say("　")  # a full-width space only
    assert "请精简到 500 字以内" in say("灯" * 10_000)
    assert "先不报了" in say("算了")
    assert "报修" in text_of(client, client.send_image("o-cat"))  # outside a report
    assert count(rig, WorkOrder) == 0
    assert count(rig, WorkOrderPhoto) == 0
