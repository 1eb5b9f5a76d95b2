"""Greetings and "what can you do" get the help; a real question that happens to hold 怎么用,
功能 or 可以做什么 goes on to the knowledge base."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.app import App
from bot.types import Incoming
from intents.help import HELP_TEXT


@pytest.mark.parametrize(
    "said",
    [
        "帮助",
        "菜单",
        "你会做什么",
        "怎么用你这个",
        "你都会些啥子嘛",
        "你能干啥",
        "你好",
        "使用说明",
    ],
)
def test_asking_what_linli_does_gets_the_help(
    app: App, text: Callable[..., Incoming], said: str
) -> None:
    outcome = app.dispatcher.handle(text(said))
    assert outcome.intent == "help"
    assert HELP_TEXT in outcome.text


@pytest.mark.parametrize("said", ["医保卡怎么用", "老年人可以做什么体检", "怎样检查肾功能"])
def test_a_real_question_with_help_words_is_not_swallowed(
    app: App, text: Callable[..., Incoming], said: str
) -> None:
    outcome = app.dispatcher.handle(text(said))
    assert outcome.intent != "help"
    assert HELP_TEXT not in outcome.text
