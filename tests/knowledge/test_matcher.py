"""The matcher on the demo base: robust to how residents type, honest when it does not know."""

from __future__ import annotations

import pytest

from knowledge.matcher import Matcher


def answer_of(matcher: Matcher, text: str) -> str | None:
    match = matcher.match(text)
    return match.best.entry.id if match.decision == "answer" and match.best else None


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("东坡大道名字怎么来的", "road-dongpo-dadao"),
        ("zhulao canting在哪", "svc-zhulao-canting-howto"),
        ("zhulaocanting zai na", "svc-zhulao-canting-howto"),
        ("低保", "svc-dibao"),
        ("低保咋个申请嘛", "svc-dibao"),
        ("東坡大道名字怎麼來的？", "road-dongpo-dadao"),
        ("主老餐厅在哪", "svc-zhulao-canting-howto"),  # 助 → 主
        ("苏澈社区有啥特色", "comm-suzhe"),  # 辙 → 澈
        ("居住证要带啥子材料", "svc-juzhuzheng"),
        ("ＤＩＢＡＯ", "svc-dibao"),
    ],
)
def test_answers_the_way_residents_type(demo_matcher: Matcher, text: str, entry: str) -> None:
    assert answer_of(demo_matcher, text) == entry


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("义珍剪是啥子活动", "prog-yizhenjian"),  # 诊 → 珍
        ("眉洲为啥叫眉州", "place-meishan"),  # 州 → 洲
    ],
)
def test_homophones_still_find_the_entry(demo_matcher: Matcher, text: str, entry: str) -> None:
    match = demo_matcher.match(text)
    assert match.decision in {"answer", "clarify"}
    assert entry in [c.entry.id for c in match.candidates[:3]]


@pytest.mark.parametrize(
    "text",
    [
        "东坡肉怎么做",
        "眉山到成都怎么坐车",
        "明天股市会涨吗",
        "帮我写一首诗",
        "手机屏幕碎了去哪修",
    ],
)
def test_honest_fallback_for_what_the_base_does_not_answer(
    demo_matcher: Matcher, text: str
) -> None:
    assert demo_matcher.match(text).decision == "fallback"


def test_place_name_answer_states_only_sourced_facts(demo_matcher: Matcher) -> None:
    match = demo_matcher.match("东坡大道名字怎么来的")
    assert match.best is not None
    answer = match.best.entry.answer
    assert "苏轼" in answer
    assert "东坡居士" in answer
    assert "没有" in answer or "未" in answer  # no naming record was found: it says so


def test_clarify_offers_distinct_entries(demo_matcher: Matcher) -> None:
    match = demo_matcher.match("社区")
    assert match.decision == "clarify"
    ids = [c.entry.id for c in match.candidates]
    assert len(ids) == len(set(ids)) >= 2


def test_among_restricts_the_candidates(demo_matcher: Matcher) -> None:
    match = demo_matcher.match("低保", among=["svc-juzhuzheng", "svc-dibao"])
    assert {c.entry.id for c in match.candidates} <= {"svc-juzhuzheng", "svc-dibao"}


@pytest.mark.parametrize(
    "text", ["", "   ", "😀😀", "\x00\x01", "！？。", "a" * 5000, "低" * 10000]
)
def test_odd_input_never_raises(demo_matcher: Matcher, text: str) -> None:
    match = demo_matcher.match(text)
    assert 0.0 <= match.confidence <= 1.0


def test_confidence_is_a_probability_and_ranks_agree(demo_matcher: Matcher) -> None:
    match = demo_matcher.match("高龄津贴怎么领")
    scores = [c.score for c in match.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_topics_are_the_bases_own_words_not_words_of_talk(demo_matcher: Matcher) -> None:
    topics = demo_matcher.topics("听邻居讲可以申请高龄津贴，但是我自己真的跑不动")
    assert "高龄津贴" in topics
    assert not {"可以", "但是", "自己", "真的"} & set(topics)
