"""A district loads a large FAQ: `linli kb import` of a generated CSV (20k rows by default) in a
new data directory, then the first and second `linli ask` after it — wall time of each, and
what the import printed while it worked (a silent minute looks like a hang).

Run: python tests/bench/bench_kb_import.py [--rows 20000]
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from knowledge.loader import CSV_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.bench.bench_match import TAILS, vocabulary  # noqa: E402


def write_rows(path: Path, rows: int) -> None:
    """`rows` entries, each with a question, two paraphrases and an answer."""
    words, rng = vocabulary(), random.Random(rows)
    with path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
        out.writeheader()
        for number in range(rows):
            topic = "".join(rng.sample(words, 2))
            tails = rng.sample(TAILS, 3)
            out.writerow({
                "id": f"faq-{number}", "category": "service", "community": "",
                "question": f"{topic}{tails[0]}",
                "paraphrases": f"{rng.choice(words)}{topic}{tails[1]}|{topic}",
                "keywords": "", "answer": f"{topic}的办理说明（示例 {number}）。",
                "source": "bench", "updated_at": "2026-12-01",
            })  # fmt: skip


def timed(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
        timeout=1800, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        env["LINLI_HOME"] = home
        source = Path(home) / "faq.csv"
        write_rows(source, rows)
        wall, done = timed(env, "kb", "import", str(source))
        print(f"kb import of {rows} rows: {wall:.1f} s (exit {done.returncode})")
        for line in (done.stderr + done.stdout).strip().splitlines()[-8:]:
            print(f"  | {line}")
        for attempt in ("first", "second"):
            wall, done = timed(env, "ask", "--json", "社区食堂在哪里")
            print(f"{attempt} ask after the import: {wall:.1f} s (exit {done.returncode})")


if __name__ == "__main__":
    main()
