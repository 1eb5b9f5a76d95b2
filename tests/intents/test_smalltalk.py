"""Short social messages get a short warm line, never a knowledge-base answer or the help; a
bare yes, no or number outside a flow is met with "您是想…？"; none is logged for staff."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.app import App
from bot.kb.models import UnansweredQuestion
from bot.types import Incoming

SOCIAL = {
    "谢谢": "不客气", "多谢啦": "不客气", "好的": "好的", "嗯": "好的", "嗯嗯": "好的",
    "晓得了": "好的", "知道了": "好的", "好的谢谢": "不客气", "再见": "再见", "拜拜": "再见",
    "88": "再见", "晚安": "晚安", "辛苦了": "辛苦", "辛苦你们了": "辛苦",
}  # fmt: skip


@pytest.mark.parametrize(("said", "reply"), SOCIAL.items())
def test_social_messages_get_one_warm_line(
    app: App, text: Callable[..., Incoming], said: str, reply: str
) -> None:
    outcome = app.dispatcher.handle(text(said))
    assert outcome.intent == "smalltalk"
    assert reply in outcome.text
    assert len(outcome.text.splitlines()) == 1  # not the 9-line help
    with Session(app.engine) as session:
        assert session.exec(select(UnansweredQuestion)).all() == []


@pytest.mark.parametrize(
    ("said", "nudge"),
    [("5", "您是想看编号 5 的活动吗"), ("不对", "您是想问什么呢"), ("是", "您是想确认什么呢"),
     ("第三个", "您是想问什么呢"), ("签到", "签到码")],
)  # fmt: skip
def test_a_bare_number_or_yes_no_is_not_a_question(
    app: App, text: Callable[..., Incoming], said: str, nudge: str
) -> None:
    outcome = app.dispatcher.handle(text(said))
    assert (outcome.intent, outcome.answer_id) == ("smalltalk", None)
    assert nudge in outcome.text


def test_a_number_in_a_clarify_still_picks(app: App, text: Callable[..., Incoming]) -> None:
    asked = app.dispatcher.handle(text("社区"))
    assert asked.intent == "clarify"
    assert app.dispatcher.handle(text("1")).intent == "faq"


def test_greetings_still_get_the_help(app: App, text: Callable[..., Incoming]) -> None:
    assert "小助手" in app.dispatcher.handle(text("你好")).text


@pytest.mark.parametrize(
    ("said", "reply"),
    [("下次再聊", "再见"), ("晚安，好梦", "晚安"), ("好滴", "好的"), ("没事了", "好的"),
     ("新年快乐", "节日快乐"), ("谢谢小邻", "不客气"), ("辛苦你了同志", "辛苦"),
     ("谢谢你啊，你们社区服务真好", "不客气"), ("👍", "好的"), ("巴适", "不客气")],
)  # fmt: skip
def test_more_ways_of_saying_thanks_and_goodbye(
    app: App, text: Callable[..., Incoming], said: str, reply: str
) -> None:
    outcome = app.dispatcher.handle(text(said))
    assert outcome.intent == "smalltalk"
    assert reply in outcome.text


def test_a_word_of_address_alone_is_not_small_talk(app: App, text: Callable[..., Incoming]) -> None:
    assert app.dispatcher.handle(text("同志")).intent != "smalltalk"
