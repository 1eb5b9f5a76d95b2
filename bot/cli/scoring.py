"""Scoring a blind set by kind (`linli kb eval --by-kind`, tests/bench/eval_blind.py): each line
as a new resident's first message, its first reply classified right / clarify / fallback / wrong.

- right: an answerable question answered with a reply holding the `expect` phrase (compared
  without punctuation, simplified); a command or small talk handled by the intent its label
  names; an out-of-scope message honestly declined;
- clarify: "which one did you mean?";
- fallback: an honest "I can't answer" for something that had an answer or a command (a reply
  saying it has no reliable material counts as honest, whichever intent gave it);
- wrong: a confident reply without the phrase, or the wrong intent.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.dispatcher import Dispatcher
from bot.types import Incoming
from knowledge.loader import read_text
from knowledge.normalize import to_simplified

DECLINE = "fallback"
SPOKEN = ("command", "chitchat")  # kinds whose `expect` names what should handle them
OUTCOMES = ("right", "clarify", "fallback", "wrong")
# what a command line's `expect` means, as the intents name their outcomes
_SHIFTS = {"volunteers", "shift_list", "shift_refused", "shift_signup", "shift_confirm"}
INTENTS = {
    "signup": {"signup", "activity_list", "activity_detail"},
    "cancel": {"cancel", "my_registrations"},
    "my_signups": {"my_registrations"},
    "reminder": {"reminder"},
    "shift": _SHIFTS,
    "checkin": {"checkin", "shift_checkin"},
    "help": {"help"},
    "social": {"smalltalk", "help"},
    "handoff": {"handoff"},
    "subscriptions": {"subscriptions"},
    "community": {"community"},
    "activities": {"activity_list", "activity_detail"},
    # the same, as blind_v3's writer named them
    "cancel_signup": {"cancel", "my_registrations"},
    "reminders": {"reminder"},
    "shifts": _SHIFTS,
    "human": {"handoff"},
    "notices": {"subscriptions", "notices"},  # notice settings, or the notices themselves
    "report_problem": {"orders"},  # a work order: the form, or its first question
    "my_reports": {"orders"},
}
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
# a reply that says plainly it has no reliable answer (a knowledge entry may say so itself)
_HONEST = re.compile(r"没有查到|没查到|没有.{0,8}可靠资料|不乱说|不敢乱说|乱猜|答不上来")


@dataclass(frozen=True)
class Line:
    """One labelled message of a blind set."""

    number: int
    text: str
    kind: str
    expect: str
    holdout: bool


@dataclass(frozen=True)
class Scored:
    """A line, what Linli did with it, and the verdict."""

    line: Line
    intent: str
    reply: str
    verdict: str


def labelled_records(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, record) of a JSONL file of labelled questions; blank lines and # skipped.

    Raises:
        ValueError: not UTF-8, or a line that is not JSON (the message names the file).
    """
    try:
        text = read_text(path)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: 不是 UTF-8 编码，请另存为 UTF-8 再试") from None
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.strip() and not raw.lstrip().startswith("#"):
            try:
                yield number, json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: 不是一行 JSON") from exc


def read_lines(path: Path) -> list[Line]:
    """A blind set's lines ({"text", "kind", "expect", "holdout"} per line), numbered from 1."""
    lines = []
    for number, record in labelled_records(path):
        try:
            fields = (str(record["text"]), str(record["kind"]), str(record["expect"]))
            lines.append(Line(number, *fields, bool(record.get("holdout", False))))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f'{path}:{number}: 需要 {{"text", "kind", "expect"}}') from exc
    return lines


def _folded(text: str) -> str:
    return _NOT_WORD.sub("", to_simplified(text).lower())


def answerable(line: Line) -> bool:
    """A question the knowledge base should answer (not a command, small talk or decline)."""
    return line.expect != DECLINE and line.kind not in SPOKEN and line.expect not in INTENTS


def verdict(line: Line, intent: str, reply: str) -> str:
    """right / clarify / fallback / wrong for one first reply."""
    honest = intent in ("fallback", "handoff") or bool(_HONEST.search(reply))
    if line.expect == DECLINE:
        if honest:
            return "right"
        return "clarify" if intent == "clarify" else "wrong"
    if intent == "clarify":
        return "clarify"
    if not answerable(line):
        if intent == "fallback":
            return "fallback"
        return "right" if intent in INTENTS.get(line.expect, {line.expect}) else "wrong"
    if intent == "faq" and _folded(line.expect) in _folded(reply):
        return "right"
    return "fallback" if honest else "wrong"


def score(dispatcher: Dispatcher, lines: Sequence[Line]) -> list[Scored]:
    """Each line as the first message of a new resident (in the terminal), and its verdict."""
    scored = []
    for line in lines:
        outcome = dispatcher.handle(Incoming("console", f"blind-{line.number}", line.text))
        reply = "\n".join(r.text for r in outcome.replies)
        scored.append(Scored(line, outcome.intent, reply, verdict(line, outcome.intent, reply)))
    return scored


def parts(scored: Sequence[Scored]) -> dict[str, list[Scored]]:
    """The dev lines, the held-out lines, and all of them."""
    return {
        "dev": [s for s in scored if not s.line.holdout],
        "holdout": [s for s in scored if s.line.holdout],
        "all": list(scored),
    }


def headline(scored: Sequence[Scored]) -> dict[str, float]:
    """The three rates the blind sets track, each 0..100."""
    asked = [s for s in scored if answerable(s.line)]
    declined = [s for s in scored if s.line.expect == DECLINE]
    return {
        "answerable_right": _percent(sum(s.verdict == "right" for s in asked), len(asked)),
        "out_of_scope_declined": _percent(
            sum(s.verdict == "right" for s in declined), len(declined)
        ),
        "confidently_wrong": _percent(sum(s.verdict == "wrong" for s in scored), len(scored)),
    }


def by_kind(scored: Sequence[Scored]) -> dict[str, dict[str, int]]:
    """Counts of each verdict per kind, kinds in order."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for s in scored:
        counts[s.line.kind][s.verdict] += 1
    return {kind: {o: counts[kind][o] for o in OUTCOMES} for kind in sorted(counts)}


def table(title: str, scored: Sequence[Scored]) -> list[str]:
    """Counts of each verdict by kind, and the headline rates, as printed lines."""
    rows = [f"== {title} ({len(scored)} lines)", f"{'kind':<12}{'n':>4}" + "".join(
        f"{o:>10}" for o in OUTCOMES) + f"{'right%':>9}"]  # fmt: skip
    for kind, counts in by_kind(scored).items():
        total = sum(counts.values())
        cells = "".join(f"{counts[o]:>10}" for o in OUTCOMES)
        rows.append(f"{kind:<12}{total:>4}{cells}{_percent(counts['right'], total):>8.1f}%")
    for name, value in headline(scored).items():
        rows.append(f"{name:>24}: {value:5.1f}%")
    unmapped = sum(s.line.kind in SPOKEN and s.line.expect not in INTENTS for s in scored)
    if unmapped:  # their label is compared with the outcome's intent name as it is
        rows.append(f"{'lines with an unmapped label':>24}: {unmapped}")
    return rows


def misses(scored: Sequence[Scored]) -> list[str]:
    """One line per reply that was not right (for the dev part only: the holdout is counted)."""
    rows = []
    for s in scored:
        if s.verdict != "right":
            reply = s.reply.replace("\n", " / ")[:90]
            rows.append(f"  {s.line.number:>3} {s.line.kind:<10} {s.verdict:<8} {s.intent:<16}"
                        f" {s.line.text!r} expect={s.line.expect!r} -> {reply}")  # fmt: skip
    return rows


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0
