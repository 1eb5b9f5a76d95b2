"""`linli kb eval`: how well the assistant does on a labelled question file."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.activities.demo import seed_activities
from bot.app import App, build_dispatcher
from bot.cli.scoring import Line, Scored, labelled_records, score
from bot.clock import utcnow
from bot.config import Settings
from bot.db import create_schema, make_engine
from bot.dispatcher import Dispatcher
from bot.models import Community
from bot.tables import TABLES
from bot.types import Incoming, Outcome
from knowledge.calibration import Calibration
from knowledge.fitting import fit_models, gather
from knowledge.matcher import Matcher

NON_ENTRY_LABELS = ("fallback", "help", "handoff")


@dataclass(frozen=True)
class Labelled:
    """A question and what the right outcome is: an entry id, or fallback / help / handoff."""

    text: str
    expect: str
    line: int


@dataclass
class Report:
    """The numbers of one evaluation run, and every miss."""

    total: int = 0
    answerable: int = 0
    top1: int = 0
    rescued: int = 0  # answerable, not answered right, but the right entry was a clarify choice
    out_of_scope: int = 0
    oos_fallback: int = 0
    fallbacks: int = 0
    fallbacks_right: int = 0
    confident_wrong: int = 0
    intents: int = 0
    intents_right: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def rates(self) -> dict[str, float]:
        """The headline rates, each 0..1."""
        return {
            "top1": _rate(self.top1, self.answerable),
            "top1_or_clarify": _rate(self.top1 + self.rescued, self.answerable),
            "clarify_rescue": _rate(self.rescued, self.answerable - self.top1),
            "out_of_scope_fallback": _rate(self.oos_fallback, self.out_of_scope),
            "fallback_precision": _rate(self.fallbacks_right, self.fallbacks),
            "confidently_wrong": _rate(self.confident_wrong, self.total),
            "intents": _rate(self.intents_right, self.intents),
        }


def read_labelled(path: Path) -> list[Labelled]:
    """Read a JSONL file of {"text": ..., "expect": ...} lines (blank lines and # skipped)."""
    items = []
    for number, record in labelled_records(path):
        try:
            items.append(Labelled(str(record["text"]), str(record["expect"]), number))
        except (KeyError, TypeError) as exc:
            raise ValueError(f'{path}:{number}: 需要 {{"text": ..., "expect": ...}}') from exc
    return items


def evaluate(matcher: Matcher, settings: Settings, items: Sequence[Labelled]) -> Report:
    """Run every question through the whole dispatcher, on a scratch database."""
    unknown = [i for i in items if i.expect not in NON_ENTRY_LABELS and not matcher.entry(i.expect)]
    if unknown:
        lines = ", ".join(f"{i.line}:{i.expect}" for i in unknown[:10])
        raise ValueError(f"标注里有知识库中不存在的条目 id：{lines}")
    report = Report()
    with scratch_dispatcher(matcher, settings) as dispatcher:
        for number, item in enumerate(items):
            outcome = dispatcher.handle(Incoming("eval", f"eval-{number}", item.text))
            _score(report, item, outcome)
    return report


def evaluate_by_kind(app: App, settings: Settings, lines: Sequence[Line]) -> list[Scored]:
    """Score a blind set (bot/cli/scoring.py) on a scratch database holding the app's
    communities and, with the demo on, the demo activities, so commands find something."""
    with Session(app.engine) as session:
        communities = [Community.model_validate(c.model_dump()) for c in session.exec(
            select(Community)).all()]  # fmt: skip

    def furnish(engine: Engine) -> None:
        with Session(engine) as session:
            session.add_all(communities)
            session.commit()
        if settings.knowledge.load_demo:
            seed_activities(engine, utcnow(), settings.zone)

    with scratch_dispatcher(app.matcher, settings, furnish) as dispatcher:
        return score(dispatcher, lines)


@contextmanager
def scratch_dispatcher(
    matcher: Matcher, settings: Settings, furnish: Callable[[Engine], None] | None = None
) -> Iterator[Dispatcher]:
    """The whole dispatcher over `matcher`, on a SQLite database thrown away afterwards, so
    an evaluation leaves no resident, question or sign-up in the district's own database."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'eval.db'}")
        create_schema(engine, TABLES)
        if furnish is not None:
            furnish(engine)
        try:
            yield build_dispatcher(engine, lambda: matcher, settings, utcnow)
        finally:
            engine.dispose()


def calibrate(matcher: Matcher, items: Sequence[Labelled]) -> Calibration:
    """Fit the matcher's confidence models on labelled questions (intent labels are skipped:
    greetings and handoffs never reach the matcher)."""
    return fit_models(matcher, gather(matcher, matched(items)))


def matched(items: Sequence[Labelled]) -> list[tuple[str, str]]:
    """(question, expected id or "fallback") of the items the matcher decides."""
    return [(i.text, i.expect) for i in items if i.expect not in ("help", "handoff")]


def _score(report: Report, item: Labelled, outcome: Outcome) -> None:
    report.total += 1
    chosen = [o.value for o in outcome.suggestions]
    right = False
    if outcome.intent == "fallback":
        report.fallbacks += 1
        report.fallbacks_right += item.expect == "fallback"
    if item.expect in ("help", "handoff"):
        report.intents += 1
        right = outcome.intent == item.expect
        report.intents_right += right
    elif item.expect == "fallback":
        report.out_of_scope += 1
        right = outcome.intent == "fallback"
        report.oos_fallback += right
        report.confident_wrong += outcome.intent == "faq"
    else:
        report.answerable += 1
        right = outcome.intent == "faq" and outcome.answer_id == item.expect
        report.top1 += right
        report.rescued += outcome.intent == "clarify" and item.expect in chosen
        report.confident_wrong += outcome.intent == "faq" and outcome.answer_id != item.expect
    if not right:
        report.misses.append(
            {
                "line": item.line,
                "text": item.text,
                "expect": item.expect,
                "got": outcome.answer_id or outcome.intent,
                "intent": outcome.intent,
                "confidence": outcome.confidence,
                "suggestions": chosen,
            }
        )


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 1.0
