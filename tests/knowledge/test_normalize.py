"""Normalisation: one form for full-width, traditional, dialect, particles and fillers."""

import pytest

from knowledge.loader import load_rewrites_table
from knowledge.normalize import Rewrites, normalize

REWRITES = Rewrites(load_rewrites_table())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("請問東坡大道名字怎麼來的啊？", "东坡大道名字怎么来的"),
        ("ＺＨＵＬＡＯ　ｃａｎｔｉｎｇ在哪", "zhulao canting在哪"),
        ("你好，低保咋个办嘛", "低保怎么办"),
        ("屋头娃儿可以去耍不", "家里孩子可以去玩不"),
        ("苏澈社区在哪点", "苏辙社区在哪里"),
        ("老年食堂", "助老餐厅"),
        ("😀😀😀", ""),
        ("\x00\x07低保\x1b", "低保"),
        ("'; DROP TABLE user;--", "drop table user"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw, REWRITES) == expected


def test_fillers_can_be_kept() -> None:
    assert normalize("你好", fillers=True) == "你好"
    assert normalize("你好") == ""


def test_rewrites_prefer_the_longest_match() -> None:
    rewrites = Rewrites({"啥": "什么", "啥子": "什么"})
    assert rewrites.apply("啥子事") == "什么事"
