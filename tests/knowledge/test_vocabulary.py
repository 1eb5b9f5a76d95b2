"""A district's own vocabulary weighs as words: names its entry titles keep using, which the
tokenizer would cut into characters, are learnt, and two names one character apart are kept
apart (an entry about the other one is offered, never answered as if it fitted)."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.kb.store import build_matcher
from knowledge.entry import Entry
from knowledge.matcher import Matcher


def _entry(entry_id: str, question: str, *paraphrases: str) -> Entry:
    return Entry(entry_id, "service", question, f"{question}：请看说明。", "示例",
                 paraphrases=paraphrases)  # fmt: skip


def _cards(home: Path) -> Matcher:
    entries = [
        _entry("xinghe-fee", "星河卡的年费是多少", "星河卡收年费吗", "星河卡每年要交多少钱"),
        _entry("xinghe-open", "星河卡怎么开通", "开通星河卡", "星河卡在哪里开"),
        _entry("xinghai-open", "星海卡怎么开通", "开通星海卡", "星海卡在哪里开"),
        _entry("xinghai-limit", "星海卡额度怎么提高", "星海卡提额", "提高星海卡额度"),
        _entry("gas-fee", "燃气费的年费是多少", "燃气费收年费吗"),
    ]
    return build_matcher(entries, Settings.model_validate({"general": {"home": home}}))


def test_a_name_one_character_off_is_not_answered_with_the_other(cache_home: Path) -> None:
    matcher = _cards(cache_home)
    assert "星海卡" in matcher.words  # learnt from the titles: jieba alone cuts it 星/海/卡
    # it used to be answered with 星河卡's fee at 0.93 confidence
    asked = matcher.match("星海卡的年费是多少")
    assert not (asked.decision == "answer" and asked.best and asked.best.entry.id == "xinghe-fee")
    assert "xinghai-open" in [c.entry.id for c in asked.candidates]
    own = matcher.match("星河卡的年费是多少")
    assert (own.decision, own.best and own.best.entry.id) == ("answer", "xinghe-fee")
    assert matcher.match("星海卡怎么开通").best.entry.id == "xinghai-open"  # type: ignore[union-attr]


def test_only_names_are_learnt_not_the_words_around_them(demo_matcher: Matcher) -> None:
    learnt = set(demo_matcher.words)
    assert {"纱縠行", "苏洵", "蟆颐山"} <= learnt  # names of the demo base's titles
    assert not learnt & {"是哪", "的是", "我想", "苏辙是", "叫眉山", "年费是"}
