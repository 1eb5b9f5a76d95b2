"""Pinyin: latin input split into syllables; accents folded."""

import pytest

from knowledge.pinyin import fuzzy, hanzi_pinyin, split_syllables


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("zhulao", ("zhu", "lao")),
        ("canting", ("can", "ting")),
        ("dongpodadao", ("dong", "po", "da", "dao")),
        ("xian", ("xian",)),
        ("juzhuzheng", ("ju", "zhu", "zheng")),
    ],
)
def test_split_syllables(word: str, syllables: tuple[str, ...]) -> None:
    assert split_syllables(word) == syllables


@pytest.mark.parametrize("word", ["help", "wifi", "qqq"])
def test_not_pinyin(word: str) -> None:
    assert split_syllables(word) is None


def test_fuzzy_folds_what_sichuan_speakers_merge() -> None:
    assert fuzzy("zhu") == fuzzy("zu")
    assert fuzzy("nan") == fuzzy("lan")
    assert fuzzy("sheng") == fuzzy("sen")
    assert fuzzy("lv") == fuzzy("lu")
    assert fuzzy("bao") != fuzzy("pao")


def test_hanzi_pinyin() -> None:
    assert hanzi_pinyin("助老餐厅") == ["zhu", "lao", "can", "ting"]
