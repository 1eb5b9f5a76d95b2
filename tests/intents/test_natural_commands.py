"""Linli's own commands said in a resident's own words reach the intent that does them; a
question about the same topic is not taken for the command."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.app import App
from bot.types import Incoming
from tests.intents.test_community import community_of

Text = Callable[..., Incoming]

SAID = {
    # reminders
    "开演前两个小时喊我一声": "reminder",
    "讲座开始前发个消息给我": "reminder",
    "麻烦提前半天给我发条提醒": "reminder",
    "活动提醒我不要了，关掉": "reminder",
    # notice settings
    "社区公告我不想再收了": "subscriptions",
    "推送的通知太多了，咋个少点": "subscriptions",
    # choosing a community
    "我想重新选一下社区": "community",
    "社区选错了，怎么改": "community",
    # cancel, my reports, a problem, a person
    "临时去不成了，我报的那个名字帮我划掉": "cancel",
    "我上回反映的楼道灯修好了没有": "orders",
    "小区门口积水好几天了，脏得很": "orders",
    "麻烦帮我叫一下社区的工作人员": "handoff",
    # chit-chat
    "你叫什么名字呀": "smalltalk",
    "吃饭了没有": "smalltalk",
    "你在忙啥呢": "smalltalk",
    # more of the same, in other words
    "你有啥本事": "help",
    "我想投诉": "orders",
    "单元门口的灯一直闪": "orders",
    "讲座快开始的时候记得告诉我": "reminder",
    "社区公告我不想要了": "subscriptions",
    "有没有新的通知": "notices",
    "我想和社区干部说话": "handoff",
    "这个月有哪些活动": "activity_list",
    # a clarify of the commands' matcher naming one command alone is that command
    "你今天好不好嘛": "help",
}


@pytest.mark.parametrize(("said", "intent"), SAID.items())
def test_a_command_in_ones_own_words(app: App, text: Text, said: str, intent: str) -> None:
    assert app.dispatcher.handle(text(said)).intent == intent


@pytest.mark.parametrize(
    "question", ["社区公告一般是谁发的", "提醒老人体检的是哪个部门", "上游社区在哪个街道"]
)
def test_a_question_about_the_topic_is_not_the_command(app: App, text: Text, question: str) -> None:
    intent = app.dispatcher.handle(text(question)).intent
    assert intent not in {"reminder", "subscriptions", "community"}


def test_an_own_reminder_time_is_said_honestly(app: App, text: Text) -> None:
    reply = app.dispatcher.handle(text("活动前三个小时叫我一下")).text
    assert "自己定时间的提醒我还做不到" in reply


def test_reminders_cannot_be_turned_off_alone(app: App, text: Text) -> None:
    reply = app.dispatcher.handle(text("活动提醒帮我关了")).text
    assert "取消报名" in reply


@pytest.mark.parametrize(
    ("said", "community"),
    [
        ("我们家搬了，把社区改成苏辙社区", "suzhe"),
        ("我住蓬莱社区的，帮我绑定一下", "penglai"),
        ("我现在住在苏辙社区了", "suzhe"),
    ],
)
def test_a_community_named_with_what_to_do_is_set(
    app: App, text: Text, said: str, community: str
) -> None:
    assert app.dispatcher.handle(text(said, user="mover")).intent == "community"
    assert community_of(app, "mover") == community


def test_asking_whether_something_moved_sets_nothing(app: App, text: Text) -> None:
    app.dispatcher.handle(text("讲座换到苏辙社区了吗", user="asker"))
    assert community_of(app, "asker") is None
