"""Cross-validated accuracy of the matcher's calibration on the labelled sets in tests/data.

Fits the confidence models on four fifths of the questions and measures the fifth, five times,
so the numbers are for questions the models never saw. Prints a row per threshold pair.

Run: python tests/bench/cv_calibration.py [FILE ...]
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from bot.cli.evaluation import Labelled, calibrate, read_labelled
from bot.config import Settings
from bot.kb.store import build_matcher
from knowledge.loader import demo_files, load_files
from knowledge.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]
FOLDS = 5


def outcomes(matcher: Matcher, items: list[Labelled]) -> list[tuple[str, float, str, list[str]]]:
    """(expected, confidence, best id, top-3 ids); the best id is "" when the ambiguity rule
    (the best must hold enough of the top three's probability) would not let it answer."""
    rows = []
    for item in items:
        match = matcher.match(item.text)
        ranked = [c.entry.id for c in match.candidates]
        scores = [c.score**2 for c in match.candidates[:3]]
        clear = bool(scores) and scores[0] / sum(scores) >= matcher.thresholds.min_share
        best = ranked[0] if ranked and clear else ""
        rows.append((item.expect, match.confidence, best, ranked[:3]))
    return rows


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]] or sorted(
        (ROOT / "tests" / "data").glob("eval_*.jsonl")
    )
    items = [i for f in files for i in read_labelled(f) if i.expect not in ("help", "handoff")]
    random.Random(11).shuffle(items)
    home = Path(tempfile.mkdtemp(prefix="linli-cv-"))
    matcher = build_matcher(
        load_files(demo_files()).entries, Settings.model_validate({"general": {"home": home}})
    )
    rows = []
    for fold in range(FOLDS):
        test = items[fold::FOLDS]
        train = [i for n, i in enumerate(items) if n % FOLDS != fold]
        matcher.calibration = calibrate(matcher, train)
        rows += outcomes(matcher, test)
    answerable = [r for r in rows if r[0] != "fallback"]
    out_of_scope = [r for r in rows if r[0] == "fallback"]
    print(f"{len(items)} questions from {', '.join(f.name for f in files)}; {FOLDS}-fold")
    print(
        f"ranking: top-1 {sum(r[2] == r[0] for r in answerable) / len(answerable):.1%}, "
        f"top-3 {sum(r[0] in r[3] for r in answerable) / len(answerable):.1%}"
    )
    print(f"{'answer':>6} {'clarify':>7} {'top1':>6} {'+clarify':>8} {'oos fb':>7} {'wrong':>6}")
    for answer in (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        for clarify in (0.2, 0.3, 0.4, 0.5):
            if clarify >= answer:
                continue
            top1 = sum(r[1] >= answer and r[2] == r[0] for r in answerable) / len(answerable)
            rescued = sum(
                r[0] in r[3] and (clarify <= r[1] < answer or (r[1] >= answer and not r[2]))
                for r in answerable
            )
            fallback = sum(r[1] < clarify for r in out_of_scope) / len(out_of_scope)
            # an ambiguous best answers nothing: it is a clarify, counted in `rescued`
            wrong = sum(r[1] >= answer and r[2] not in ("", r[0]) for r in rows) / len(rows)
            print(
                f"{answer:>6} {clarify:>7} {top1:>6.1%} {top1 + rescued / len(answerable):>8.1%} "
                f"{fallback:>7.1%} {wrong:>6.1%}"
            )


if __name__ == "__main__":
    main()
