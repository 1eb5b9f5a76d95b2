"""Score Linli on a blind evaluation set (tests/eval/blind_v3.jsonl by default), the way a
resident meets it: the same scoring as `linli kb eval --by-kind` (bot/cli/scoring.py), on a
fresh embedded home with the shipped knowledge and the demo activities.

Prints a table by kind for the dev lines and the holdout lines apart, then the headline rates.
`--misses dev` lists the dev lines that were not right; the holdout lines are only counted.

Run: python tests/bench/eval_blind.py [FILE] [--misses dev] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.app import build_app
from bot.cli.evaluation import evaluate_by_kind
from bot.cli.scoring import headline, misses, parts, read_lines, table
from bot.clock import utcnow
from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "tests" / "eval" / "blind_v3.jsonl"


def main(argv: Sequence[str] | None = None) -> int:
    """Score the file and print the tables (the dev misses when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--misses", choices=("dev",), help="list the dev lines not right")
    parser.add_argument("--json", action="store_true", help="print the headline rates as JSON")
    args = parser.parse_args(argv)
    lines = read_lines(args.file)
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings(Path("/dev/null"), environ={"LINLI_HOME": home})
        app = build_app(settings, utcnow)
        split = parts(evaluate_by_kind(app, settings, lines))
        app.engine.dispose()
    if args.json:
        print(json.dumps({name: headline(part) for name, part in split.items()}))
        return 0
    for name, part in split.items():
        print("\n".join(table(name, part)), end="\n\n")
    if args.misses:
        print("\n".join(misses(split["dev"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
