"""The question in a message: courtesy, greetings, self-introductions and family context go;
what someone said and what is asked stay; two questions are split."""

from __future__ import annotations

import pytest

from knowledge.focus import focus

LONG = {
    "同志你好，我是蓬莱社区的退休老职工，今年七十三了，经常听人讲“五社联动”，麻烦你给我讲讲"
    "是哪五个方面，谢谢了。": "经常听人讲“五社联动”，给我讲讲是哪五个方面",
    "你好 我家老头子今年刚满八十岁 听人说八十岁有高龄津贴 我们户口就在东坡区 "
    "想问一下要带些什么东西去": "听人说八十岁有高龄津贴，要带些什么东西去",
    "你好，我是苏祠街道的退休职工。我孙子问我眉山为什么叫眉山，他不信。麻烦你了。": (
        "眉山为什么叫眉山"
    ),
    "同志您好，我老伴说通惠街道的名字跟苏东坡的爷爷有关，是真的吗？谢谢。": (
        "通惠街道的名字跟苏东坡的爷爷有关"
    ),
}


@pytest.mark.parametrize(("said", "asked"), LONG.items())
def test_courtesy_and_self_introduction_are_left_out(said: str, asked: str) -> None:
    assert focus(said).text == asked


@pytest.mark.parametrize(
    "said", ["低保怎么申请", "wushe liandong shi shenme yisi", "谢谢", "我是蓬莱社区的", "三苏祠"]
)
def test_a_plain_question_is_kept_as_it_is(said: str) -> None:
    assert focus(said).text == said
    assert focus(said).questions == ()


def test_two_questions_are_split() -> None:
    found = focus("上游社区属于哪个街道？那边最近有什么活动？")
    assert found.questions == ("上游社区属于哪个街道", "那边最近有什么活动")


def test_a_request_for_more_is_not_a_second_question() -> None:
    assert focus("单位要求我们双报到，具体要怎么做呢？麻烦您讲一下，谢谢。").questions == ()


def test_voice_typing_fillers_are_left_out() -> None:
    assert (
        focus("那个蟆颐津嗯就是田令孜在那里把谁沉到江里了").text
        == "蟆颐津田令孜在那里把谁沉到江里了"
    )


def test_the_asking_clauses_are_offered_alone_beside_their_context() -> None:
    found = focus("同志你好，课本里学了苏轼的诗，他问我苏轼是哪一年出生的，谢谢！")
    assert found.text == "课本里学了苏轼的诗，苏轼是哪一年出生的"
    assert found.asked == "苏轼是哪一年出生的"


def test_the_question_and_its_context_are_told_apart() -> None:
    found = focus("你好，我姓王，住在苏辙社区。听邻居讲可以申请高龄津贴，社区能不能帮忙代办？")
    assert found.ask == "社区能不能帮忙代办"
    assert found.context == ("听邻居讲可以申请高龄津贴",)


def test_a_short_request_beside_context_is_a_command_not_a_question() -> None:
    assert focus("我住苏辙社区，帮我报个名").ask == ""


def test_a_name_said_twice_by_voice_typing_counts_once() -> None:
    assert focus("然后那个助老餐厅助老餐厅几点开门").text == "助老餐厅几点开门"


@pytest.mark.parametrize(
    ("said", "asked"),
    [("我想先问问三苏祠在哪里", "三苏祠在哪里"), ("想请教一下东坡湖是怎么来的", "东坡湖是怎么来的"),
     ("他想知道远景楼有多高", "远景楼有多高")],
)  # fmt: skip
def test_the_wish_to_ask_is_not_part_of_the_question(said: str, asked: str) -> None:
    assert focus(said).text == asked


def test_the_speakers_circumstances_are_kept_aside() -> None:
    found = focus("同志你好，我常去东坡岛散步，听说它以前不叫这个名字，叫什么来着？")
    assert found.ask == "叫什么来着"
    assert found.aside == ("我常去东坡岛散步",)


def test_a_question_reported_after_where_it_was_asked_is_that_question() -> None:
    said = "你好，我外孙女学校老师布置作业问东坡湖是怎么来的，我也说不清楚，谢谢。"
    assert focus(said).text == "东坡湖是怎么来的"


def test_asking_whether_one_may_not_is_not_a_repeated_name() -> None:
    assert focus("那天有事，能不能不去了").text == "那天有事，能不能不去了"


def test_short_questions_typed_without_question_marks_are_split() -> None:
    assert focus("三苏祠在哪里，门票多少钱").questions == ("三苏祠在哪里", "门票多少钱")
    assert focus("三苏祠在哪里，是不是免费的").questions == ()
    assert focus("我想去三苏祠，在哪里").questions == ()
