"""Match latency on the demo base and on synthetic bases of 1k, 10k and 100k entries, beside a
naive rapidfuzz full scan; plus how long a one-question `linli ask` takes.

Run: python tests/bench/bench_match.py [--sizes 1000,10000,100000] [--queries 300]
Prints numbers; asserts nothing (the targets are in the README and the issue).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jieba
from rapidfuzz import fuzz, process

from bot.config import Settings
from bot.kb.store import build_matcher
from knowledge.entry import Entry
from knowledge.loader import demo_files, load_files
from knowledge.matcher import Matcher
from knowledge.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
TAILS = [
    "怎么办理",
    "在哪里",
    "是什么",
    "要带什么材料",
    "怎么申请",
    "什么时候开始",
    "找谁",
    "多少钱",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def queries(limit: int) -> list[str]:
    """Realistic resident questions: the labelled evaluation sets."""
    texts = []
    for name in ("eval_dev.jsonl", "eval_holdout.jsonl"):
        path = ROOT / "tests" / "data" / name
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]
    if not texts:  # no labelled sets: the demo base's own paraphrases
        texts = [q for e in load_files(demo_files()).entries for q in e.paraphrases]
    random.Random(7).shuffle(texts)
    return texts[:limit]


def vocabulary() -> list[str]:
    """Common two-to-four-character words from jieba's dictionary, for synthetic entries."""
    source = Path(jieba.__file__).with_name("dict.txt").read_text("utf-8").splitlines()
    rows = [line.split(" ") for line in source]
    words = [w for w, freq, *_ in rows if 2 <= len(w) <= 4 and int(freq) >= 200]
    return words[:40000]


def synthetic(base: list[Entry], size: int, words: list[str]) -> list[Entry]:
    """The demo entries plus generated ones, each with a question and two paraphrases."""
    rng = random.Random(size)
    entries = list(base)
    for number in range(size - len(base)):
        topic = "".join(rng.sample(words, 2))
        tails = rng.sample(TAILS, 3)
        questions = [f"{topic}{tails[0]}", f"{rng.choice(words)}{topic}{tails[1]}", topic]
        entries.append(
            Entry(
                id=f"syn-{number}",
                category="service",
                question=questions[0],
                answer="示例答案",
                source="synthetic",
                paraphrases=tuple(questions[1:]),
            )
        )
    return entries[:size]


def time_matcher(matcher: Matcher, texts: list[str]) -> list[float]:
    for text in texts[:20]:
        matcher.match(text)  # warm caches
    times = []
    for text in texts:
        started = time.perf_counter()
        matcher.match(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def time_naive(entries: list[Entry], texts: list[str]) -> list[float]:
    """What a quick FAQ bot does: rapidfuzz WRatio against every question text."""
    choices = [normalize(q) for e in entries for q in e.questions]
    times = []
    for text in texts:
        started = time.perf_counter()
        process.extractOne(normalize(text), choices, scorer=fuzz.WRatio)
        times.append((time.perf_counter() - started) * 1000)
    return times


def time_cli() -> tuple[float, float]:
    """Wall time of `linli ask` on a new data directory (first start) and again (warm)."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "LINLI_HOME": home}
        env.pop("LINLI_DATABASE_URL", None)
        walls = []
        for _ in range(2):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "bot", "ask", "助老餐厅在哪"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            walls.append(time.perf_counter() - started)
    return walls[0], walls[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--naive-queries", type=int, default=60)
    args = parser.parse_args()
    texts = queries(args.queries)
    home = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    settings = Settings.model_validate({"general": {"home": home}})
    base = load_files(demo_files()).entries
    words = vocabulary()
    print(f"{len(texts)} queries from tests/data; latency in ms")
    print(
        f"{'entries':>8} {'build s':>8} {'p50':>7} {'p99':>7} {'naive p50':>10} {'naive p99':>10}"
    )
    for size in [len(base), *(int(s) for s in args.sizes.split(","))]:
        entries = base if size == len(base) else synthetic(base, size, words)
        started = time.perf_counter()
        matcher = build_matcher(entries, settings)
        built = time.perf_counter() - started
        ours = time_matcher(matcher, texts)
        naive = time_naive(entries, texts[: args.naive_queries])
        print(
            f"{size:>8} {built:>8.1f} {statistics.median(ours):>7.2f} "
            f"{percentile(ours, 0.99):>7.2f} {statistics.median(naive):>10.2f} "
            f"{percentile(naive, 0.99):>10.2f}",
            flush=True,
        )
    first, warm = time_cli()
    print(f"linli ask, one question: first start {first:.2f} s, warm {warm:.2f} s")


if __name__ == "__main__":
    main()
