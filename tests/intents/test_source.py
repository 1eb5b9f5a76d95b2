""" "出处" right after an answer shows where that answer comes from: the publications and
addresses of its entry, never the names of the district's own note files; asked before any
answer, or after a reply that was not one, it says how to use it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.app import App
from bot.types import Incoming
from intents.source import NOTHING_YET, asks_for_source, public_sources
from tests.conftest import Clock


def _say(app: App, clock: Clock, text: Callable[..., Incoming], said: str, user: str = "ann"):
    clock.advance(seconds=5)
    return app.dispatcher.handle(text(said, user=user))


def test_the_source_of_the_last_answer_is_shown(
    app: App, clock: Clock, text: Callable[..., Incoming]
) -> None:
    answer = _say(app, clock, text, "三苏祠以前是谁的家")
    assert answer.intent == "faq"
    entry = app.matcher.entry(answer.answer_id or "")
    assert entry is not None
    shown = _say(app, clock, text, "出处")
    assert shown.intent == "source"
    for part in public_sources(entry.source):
        assert part in shown.text
    assert ".md" not in shown.text
    again = _say(app, clock, text, "你是从哪里看到的？")  # asked twice: the same answer's
    assert again.text == shown.text


def test_the_source_follows_the_latest_answer(
    app: App, clock: Clock, text: Callable[..., Incoming]
) -> None:
    _say(app, clock, text, "三苏祠以前是谁的家")
    second = _say(app, clock, text, "五社联动是什么意思")
    entry = app.matcher.entry(second.answer_id or "")
    assert entry is not None
    shown = _say(app, clock, text, "这个有什么依据")
    assert public_sources(entry.source)[0] in shown.text


def test_no_answer_yet_says_how_to_use_it(
    app: App, clock: Clock, text: Callable[..., Incoming]
) -> None:
    assert _say(app, clock, text, "来源").text == NOTHING_YET
    _say(app, clock, text, "三苏祠以前是谁的家")
    _say(app, clock, text, "你好")  # the last reply was not an answer
    assert _say(app, clock, text, "出处").text == NOTHING_YET


def test_one_residents_answer_is_not_anothers(
    app: App, clock: Clock, text: Callable[..., Incoming]
) -> None:
    _say(app, clock, text, "三苏祠以前是谁的家", user="ann")
    assert _say(app, clock, text, "出处", user="bob").text == NOTHING_YET


@pytest.mark.parametrize(
    ("said", "asks"),
    [
        ("出处", True),
        ("出处呢？", True),
        ("哪里看到的", True),
        ("你从哪儿查到的", True),
        ("有没有依据", True),
        ("这个来源是啥", True),
        ("三苏祠的出处", False),  # a question about something: the matcher's
        ("低保的依据是什么文件", False),
    ],
)
def test_what_asks_for_the_source(said: str, asks: bool) -> None:
    assert asks_for_source(said) is asks


def test_public_sources_leave_out_the_note_files() -> None:
    source = (
        "place-name-facts.md §1.1；杜佑《通典》；seed-article.md（眉山日报，D 部分）；"
        "http://example.org/a ；seed-article.md（眉山日报）"
    )
    assert public_sources(source) == ["杜佑《通典》", "眉山日报", "http://example.org/a"]
    assert public_sources("place-name-facts.md §1.7（社区名由来均【未找到】）") == []
