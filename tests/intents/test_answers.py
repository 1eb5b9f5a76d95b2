"""Answers for real residents: a long polite message is answered like its short question; the
right subject with an attribute the base does not hold gets an honest "我这里没有可靠资料";
two questions in one message get both answers (or the first, and a word on the other)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.app import App
from bot.kb.models import UnansweredQuestion
from bot.types import Incoming

Text = Callable[..., Incoming]


@pytest.mark.parametrize(
    ("long", "short"),
    [("你好 我家老头子今年刚满八十岁 听人说八十岁有高龄津贴 我们户口就在东坡区 "
      "想问一下要带些什么东西去", "高龄津贴要带什么"),
     ("同志你好，我是蓬莱社区的退休老职工，今年七十三了，经常听社区广播里讲低保，我孙女也说不清楚。"
      "麻烦你给我讲讲低保怎么申请，谢谢了。", "低保怎么申请")],
)  # fmt: skip
def test_a_long_polite_message_is_answered_like_its_question(
    app: App, text: Text, long: str, short: str
) -> None:
    expected = app.dispatcher.handle(text(short, user="brief"))
    assert expected.intent == "faq"
    outcome = app.dispatcher.handle(text(long))
    assert (outcome.intent, outcome.answer_id) == ("faq", expected.answer_id)


@pytest.mark.parametrize(
    ("long", "short"),
    [("您好同志，我和老伴都八十多了，儿女都在外地打工。前几天听邻居讲可以申请高龄津贴，可我们腿脚"
      "不好走不动，社区能不能帮忙代办？麻烦您了。", "高龄津贴怎么申请"),
     ("你好，我们家是外地来眉山的，我跟着儿子过来带孙子。听人讲要办居住证，但是我不识字，"
      "该带些啥子东西？麻烦你了。", "居住证要带什么材料"),
     # an asking clause that names nothing is about what the speaker named
     ("同志你好，我常去东坡岛散步，听说它以前不叫这个名字，叫什么来着？", "东坡岛原来叫什么"),
     # one that names its subject is answered beside a story about another
     ("同志你好，我外孙女上小学，老师让家长讲讲三苏祠的故事。我想先问问苏辙的字是什么，"
      "好给她讲清楚，麻烦你了。", "苏辙的字是什么")],
)  # fmt: skip
def test_context_clauses_name_what_the_question_asks_about(
    app: App, text: Text, long: str, short: str
) -> None:
    expected = app.dispatcher.handle(text(short, user="brief"))
    outcome = app.dispatcher.handle(text(long))
    assert (outcome.intent, outcome.answer_id) == ("faq", expected.answer_id)


@pytest.mark.parametrize(
    "said",
    ["同志你好，我住在蓬莱社区，老伴腿脚不好。想问一下明天眉山会不会下雨？谢谢。",
     # the community's entry does not explain what is asked of the thing done there
     "你好，我外孙女在蓬莱社区参加过一个剪纸的活动，那个剪纸叫啥名字？"],
)  # fmt: skip
def test_a_context_clause_does_not_answer_a_question_about_something_else(
    app: App, text: Text, said: str
) -> None:
    outcome = app.dispatcher.handle(text(said))
    assert outcome.answer_id != "comm-penglai"


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("三苏祠门票多少钱", "三苏祠的票价和收费"),
        ("东坡区低保标准一个月多少钱", "低保的标准和金额"),
    ],
)
def test_the_right_subject_but_an_unknown_attribute_is_said_honestly(
    app: App, text: Text, question: str, named: str
) -> None:
    outcome = app.dispatcher.handle(text(question))
    assert outcome.intent == "fallback"
    assert outcome.answer_id is None
    assert f"{named}，我这里没有可靠资料" in outcome.text
    with Session(app.engine) as session:
        assert [q.text for q in session.exec(select(UnansweredQuestion))] == [question]
    (offered,) = outcome.suggestions
    shown = app.dispatcher.handle(text("是"))
    assert (shown.intent, shown.answer_id) == ("faq", offered.value)


def test_an_answer_to_part_of_the_question_says_what_it_does_not_state(
    app: App, text: Text
) -> None:
    outcome = app.dispatcher.handle(text("远景楼有多高，晚上几点关门"))
    assert (outcome.intent, outcome.answer_id) == ("faq", "site-yuanjinglou")
    assert "另外，远景楼的开放时间，我这里没有可靠资料" in outcome.replies[-1].text
    with Session(app.engine) as session:
        assert [q.text for q in session.exec(select(UnansweredQuestion))] == [
            "远景楼有多高，晚上几点关门"
        ]


def test_two_questions_in_one_message_get_both_answers(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("苏轼谥号是什么？苏辙谥号又是什么？"))
    assert outcome.intent == "faq"
    assert "文忠" in outcome.text
    assert "文定" in outcome.text
    assert len(outcome.replies) == 2


def test_two_questions_typed_without_question_marks_get_both_answers(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("东坡湖是怎么来的，三苏祠在哪里"))
    assert outcome.answer_id == "site-dongpo-hu"
    assert len(outcome.replies) == 2
    assert "三苏祠" in outcome.replies[1].text


def test_a_second_question_not_answered_is_named(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("苏轼谥号是什么？明天眉山下雨不？"))
    assert "文忠" in outcome.text
    assert "您还问了“明天眉山下雨不”" in outcome.text


def test_a_place_named_in_a_self_introduction_still_counts(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("我住文安西路社区，社区有啥特色"))
    assert (outcome.intent, outcome.answer_id) == ("faq", "comm-wenanxilu")


def test_asking_where_to_find_a_number_is_not_asking_the_number(app: App, text: Text) -> None:
    outcome = app.dispatcher.handle(text("社区的电话号码在哪儿查"))
    assert (outcome.intent, outcome.answer_id) == ("faq", "svc-shequ-lianxi")
