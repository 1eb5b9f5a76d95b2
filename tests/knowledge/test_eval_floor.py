"""The accuracy floor on the labelled question sets (several hundred realistic questions).

The numbers are measured and recorded in the notes; the floors sit a little below them, so a
change that makes Linli answer worse fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.evaluation import evaluate, read_labelled
from bot.config import Settings
from knowledge.matcher import Matcher

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def report(demo_matcher: Matcher, cache_home: Path):  # type: ignore[no-untyped-def]
    items = [i for f in sorted(DATA.glob("eval_*.jsonl")) for i in read_labelled(f)]
    assert len(items) >= 600
    settings = Settings.model_validate({"general": {"home": cache_home}})
    return evaluate(demo_matcher, settings, items)


def test_answers_right_first_time(report) -> None:  # type: ignore[no-untyped-def]
    assert report.rates()["top1"] >= 0.85


def test_says_so_when_out_of_scope(report) -> None:  # type: ignore[no-untyped-def]
    assert report.rates()["out_of_scope_fallback"] >= 0.83


def test_rarely_confidently_wrong(report) -> None:  # type: ignore[no-untyped-def]
    assert report.rates()["confidently_wrong"] <= 0.05


def test_recognises_greetings_and_requests_for_a_person(report) -> None:  # type: ignore[no-untyped-def]
    assert report.rates()["intents"] >= 0.9
