"""Work orders in chat, in process: what starts the form and what it leaves to other intents,
the form's refusals and way out, a reopen by the resident, and the staff-only refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, func, select

from bot.app import App
from bot.orders.models import OrderState, WorkOrder
from bot.outbox.models import Outbox
from bot.types import Incoming
from tests.bot.orders.test_service import person

Say = Callable[[str, str], str]


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Callable[[str, str], str]:
    def send(body: str, user: str = "ann") -> str:
        return app.dispatcher.handle(text(body, user=user)).text

    return send


def intent_of(app: App, text: Callable[..., Incoming], body: str) -> str:
    return app.dispatcher.handle(text(body, user="ann")).intent


def orders_count(app: App) -> int:
    with Session(app.engine) as session:
        return session.exec(select(func.count()).select_from(WorkOrder)).one()


@pytest.mark.parametrize(
    ("body", "category"),
    [("楼道灯坏了好几天了", "路灯照明"), ("小区门口垃圾好几天没人收", "环境卫生"),
     ("楼上装修太吵了", "噪音扰民"), ("电梯坏了", "物业问题")],
)  # fmt: skip
def test_a_problem_in_ones_own_words_starts_the_form(
    app: App, say: Say, body: str, category: str
) -> None:
    person(app.engine, "ann")
    assert f"“{category}”方面的问题吗" in say(body, "ann")


@pytest.mark.parametrize(
    "body",
    ["路灯坏了找谁", "电梯坏了怎么办", "活动", "班次", "接班 1", "报名第1个", "我好几天没来了",
     "云朵灯活动还有名额吗"],
)  # fmt: skip
def test_questions_and_other_commands_are_left_to_their_intents(
    app: App, text: Callable[..., Incoming], body: str
) -> None:
    person(app.engine, "ann")
    assert intent_of(app, text, body) != "orders"


def test_the_form_refuses_what_does_not_fit_and_files_nothing_on_leaving(
    app: App, say: Say
) -> None:
    person(app.engine, "ann")
    assert "哪一类问题" in say("报修", "ann")
    assert "请回复 1 到 7" in say("下水道炸了", "ann")  # not a category
    assert "说说是什么问题" in say("公共设施", "ann")  # by name
    assert "500 字以内" in say("坏" * 501, "ann")
    assert "在哪里" in say("小区健身器材坏了", "ann")
    assert "核对" in say("跳过", "ann")
    assert "回复“确认”提交" in say("好的", "ann")  # filing takes the explicit word
    assert "先不报了" in say("算了", "ann")
    assert orders_count(app) == 0


def test_not_fixed_goes_back_to_its_owner(app: App, say: Say) -> None:
    person(app.engine, "ann")
    vol = person(app.engine, "vol", "volunteer")
    for line in ("楼道灯坏了好几天了", "是", "3栋", "确认"):
        said = say(line, "ann")
    assert "编号 1" in said
    assert "由您负责" in say("接单 1", "vol")
    assert "请写上怎么处理的" in say("办结 1", "vol")
    say("办结 1 换了灯泡", "vol")
    assert "重新交给负责人" in say("没解决 1 晚上还是不亮", "ann")
    assert "还不用确认" in say("已解决 1", "ann")
    with Session(app.engine) as session:
        order = session.get(WorkOrder, 1)
        told = session.exec(select(Outbox).where(Outbox.user_id == vol)).all()
    assert order is not None
    assert order.state == OrderState.REOPENED
    assert ["晚上还是不亮" in row.payload["replies"][0]["text"] for row in told] == [True]


def test_a_resident_cannot_take_or_list_orders(app: App, say: Say) -> None:
    person(app.engine, "ann")
    for command in ("工单", "接单 1", "办结 1 好了", "不受理 1 不管"):
        assert "只有社区工作人员" in say(command, "ann")


def test_a_mobile_number_in_a_report_is_masked_in_the_lists(app: App, say: Say) -> None:
    person(app.engine, "ann")
    person(app.engine, "vol", "volunteer")
    for line in ("电梯坏了，有事打13812345678", "是", "跳过", "确认"):
        say(line, "ann")
    for listing in (say("我的反映", "ann"), say("工单", "vol")):
        assert "138****5678" in listing
        assert "13812345678" not in listing


def file_light(say: Say, who: str = "ann", place: str = "3栋2单元") -> str:
    for line in ("楼道灯坏了好几天了", "是", place):
        said = say(line, who)
    return said


def test_a_second_report_of_the_same_place_is_offered_to_follow(app: App, say: Say) -> None:
    person(app.engine, "ann")
    person(app.engine, "bob")
    assert "核对" in file_light(say)
    say("确认", "ann")
    offer = file_light(say, "bob", "3栋2单元楼道")
    assert "已经有人反映过了（编号 1，待受理），要不要一起关注进度？" in offer
    assert "核对" in say("单独提交", "bob")  # files its own after all
    assert "编号 2" in say("确认", "bob")
    assert "您已经反映过这个问题了（编号 1" in file_light(say, "ann")  # one's own: no second
    assert orders_count(app) == 2


def test_the_rating_takes_a_digit_and_lets_anything_else_go(app: App, say: Say) -> None:
    person(app.engine, "ann")
    person(app.engine, "vol", "volunteer")
    file_light(say)
    say("确认", "ann")
    say("接单 1", "vol")
    say("办结 1 换了灯泡", "vol")
    assert "满意吗？回复 1–5 分" in say("解决了", "ann")  # no number: the one waiting
    assert "活动" in say("活动", "ann")  # not a rating: the message goes its own way
    assert "谢谢您的评价" in say("评价 1 4", "ann")  # and later with the number
    with Session(app.engine) as session:
        order = session.get(WorkOrder, 1)
    assert order is not None
    assert (order.state, order.rating) == (OrderState.CLOSED, 4)


def test_solved_with_nothing_waiting_is_not_about_an_order(
    app: App, text: Callable[..., Incoming]
) -> None:
    person(app.engine, "ann")
    assert intent_of(app, text, "解决了") != "orders"


def test_staff_hand_an_order_over_in_chat(app: App, say: Say) -> None:
    person(app.engine, "ann")
    person(app.engine, "wang", "staff")
    vol = person(app.engine, "vol", "volunteer")
    person(app.engine, "far", "staff", community="shangyou")
    file_light(say)
    say("确认", "ann")
    assert "不是您社区的" in say(f"转派 1 给 {vol}", "far")
    assert f"已转派给 用户 {vol}（没留名字）" in say(f"转派 1 给 {vol}", "wang")
    assert "只有社区工作人员" in say(f"转派 1 给 {vol}", "vol")  # volunteers do not hand over
    assert "记下备注" in say("备注 1 周五来修", "vol")
    assert "办好后发“办结 1" in "\n".join(
        row.payload["replies"][0]["text"] for row in told_rows(app, vol)
    )


def told_rows(app: App, user: int) -> list[Outbox]:
    with Session(app.engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.user_id == user)).all())
