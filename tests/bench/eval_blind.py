"""Score Linli on the blind evaluation set (tests/eval/blind_v2.jsonl), the way a resident meets it.

Every line goes through the real dispatcher (the path `linli ask` takes) on a fresh embedded
database with the shipped knowledge and demo activities, each line from a new resident. Each
first reply is classified:

- right: an answerable question answered with a reply holding the expected fact phrase; a
  command or small talk handled by the right intent; an out-of-scope message honestly declined;
- clarify: "which one did you mean?";
- fallback: an honest "I can't answer" for something that had an answer or a command (a
  reply saying it has no reliable material counts as honest, whichever intent gave it);
- wrong: a confident reply that does not hold the expected phrase, or the wrong intent.

Prints a table by kind for the dev lines and the holdout lines apart, then the headline rates.

Run: python tests/bench/eval_blind.py [FILE] [--misses dev|holdout|all] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.app import App, build_app
from bot.channels import console
from bot.clock import utcnow
from bot.config import load_settings
from knowledge.normalize import to_simplified

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "tests" / "eval" / "blind_v2.jsonl"
DECLINE = "fallback"
SPOKEN = ("command", "chitchat")  # kinds whose `expect` names what should handle them
OUTCOMES = ("right", "clarify", "fallback", "wrong")
# what a command line's `expect` means, as the intents name their outcomes
INTENTS = {
    "signup": {"signup", "activity_list", "activity_detail"},
    "cancel": {"cancel", "my_registrations"},
    "my_signups": {"my_registrations"},
    "reminder": {"reminder"},
    "shift": {"volunteers", "shift_list", "shift_refused", "shift_signup", "shift_confirm"},
    "checkin": {"checkin", "shift_checkin"},
    "help": {"help"},
    "social": {"smalltalk", "help"},
    "handoff": {"handoff"},
    "subscriptions": {"subscriptions"},
    "community": {"community"},
    "activities": {"activity_list", "activity_detail"},
}
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
# a reply that says plainly it has no reliable answer (a knowledge entry may say so itself)
_HONEST = re.compile(r"没有查到|没查到|没有.{0,8}可靠资料|不乱说|不敢乱说|乱猜|答不上来")


@dataclass(frozen=True)
class Line:
    """One labelled message of the blind set."""

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


def read_lines(path: Path) -> list[Line]:
    """The blind set's lines, numbered from 1."""
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip():
            record = json.loads(raw)
            lines.append(
                Line(number, record["text"], record["kind"], record["expect"], record["holdout"])
            )
    return lines


def _folded(text: str) -> str:
    return _NOT_WORD.sub("", to_simplified(text).lower())


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


def run(app: App, lines: Sequence[Line]) -> list[Scored]:
    """Each line as the first message of a new resident."""
    scored = []
    for line in lines:
        incoming = console.incoming(f"blind-{line.number}", line.text)
        outcome = app.dispatcher.handle(incoming)
        reply = "\n".join(r.text for r in outcome.replies)
        scored.append(Scored(line, outcome.intent, reply, verdict(line, outcome.intent, reply)))
    return scored


def answerable(line: Line) -> bool:
    """A question the knowledge base should answer (not a command, small talk or decline)."""
    return line.expect != DECLINE and line.kind not in SPOKEN and line.expect not in INTENTS


def headline(scored: Sequence[Scored]) -> dict[str, float]:
    """The three rates the issue tracks, each 0..100."""
    asked = [s for s in scored if answerable(s.line)]
    declined = [s for s in scored if s.line.expect == DECLINE]
    return {
        "answerable_right": _percent(sum(s.verdict == "right" for s in asked), len(asked)),
        "out_of_scope_declined": _percent(
            sum(s.verdict == "right" for s in declined), len(declined)
        ),
        "confidently_wrong": _percent(sum(s.verdict == "wrong" for s in scored), len(scored)),
    }


def table(title: str, scored: Sequence[Scored]) -> list[str]:
    """Counts of each verdict by kind, and the headline rates."""
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for s in scored:
        by_kind[s.line.kind][s.verdict] += 1
    rows = [f"== {title} ({len(scored)} lines)", f"{'kind':<12}{'n':>4}" + "".join(
        f"{o:>10}" for o in OUTCOMES) + f"{'right%':>9}"]  # fmt: skip
    for kind in sorted(by_kind):
        counts = by_kind[kind]
        total = sum(counts.values())
        cells = "".join(f"{counts[o]:>10}" for o in OUTCOMES)
        rows.append(f"{kind:<12}{total:>4}{cells}{_percent(counts['right'], total):>8.1f}%")
    for name, value in headline(scored).items():
        rows.append(f"{name:>24}: {value:5.1f}%")
    unmapped = sum(s.line.kind in SPOKEN and s.line.expect not in INTENTS for s in scored)
    if unmapped:  # their label is compared with the outcome's intent name as it is
        rows.append(f"{'lines with an unmapped label':>24}: {unmapped}")
    return rows


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def _fresh_app(home: Path) -> App:
    settings = load_settings(Path("/dev/null"), environ={"LINLI_HOME": str(home)})
    return build_app(settings, utcnow)


def _print_misses(scored: Iterable[Scored]) -> None:
    for s in scored:
        if s.verdict != "right":
            reply = s.reply.replace("\n", " / ")[:90]
            print(f"  {s.line.number:>3} {s.line.kind:<10} {s.verdict:<8} {s.intent:<16}"
                  f" {s.line.text!r} expect={s.line.expect!r} -> {reply}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Score the file and print the tables (the misses of the chosen part when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--misses", choices=("dev", "holdout", "all"))
    parser.add_argument("--json", action="store_true", help="print the headline rates as JSON")
    args = parser.parse_args(argv)
    lines = read_lines(args.file)
    with tempfile.TemporaryDirectory() as home:
        app = _fresh_app(Path(home))
        scored = run(app, lines)
        app.engine.dispose()
    parts = {
        "dev": [s for s in scored if not s.line.holdout],
        "holdout": [s for s in scored if s.line.holdout],
        "all": scored,
    }
    if args.json:
        print(json.dumps({name: headline(part) for name, part in parts.items()}))
        return 0
    for name, part in parts.items():
        print("\n".join(table(name, part)), end="\n\n")
    if args.misses:
        _print_misses(parts[args.misses])
    return 0


if __name__ == "__main__":
    sys.exit(main())
