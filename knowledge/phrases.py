"""Linli's own commands described by what residents say (knowledge/data/intent_examples.yaml),
matched by the same matcher as the knowledge base: "报了名去不了了" reads as "取消报名"."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.entry import Entry
from knowledge.focus import focus
from knowledge.matcher import Matcher

EXAMPLES = Path(__file__).with_name("data") / "intent_examples.yaml"


def example_entries(path: Path = EXAMPLES) -> list[Entry]:
    """One entry per command: its id and its answer are the command, its questions the
    residents' ways of saying it."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Entry(
            str(command),
            "howto",
            str(examples[0]),
            str(command),
            "intent_examples.yaml",
            paraphrases=tuple(str(e) for e in examples[1:]),
        )  # fmt: skip
        for command, examples in doc.items()
        if examples
    ]


class CommandPhrases:
    """Which command a message means, when it clearly means one."""

    def __init__(self, matcher: Matcher):
        self.matcher = matcher

    def __call__(self, text: str) -> str | None:
        """The command `text` says in other words, or None when it is not clearly one."""
        match = self.matcher.match(focus(text).text)
        if match.best is None or match.decision == "fallback":
            return None
        # only asked when the knowledge base had no answer: a clarify naming one command
        # alone is that command (each one's first reply asks before it changes anything)
        if match.decision == "clarify" and len(match.candidates) > 1:
            return None
        return match.best.entry.id
