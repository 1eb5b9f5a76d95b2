"""A district's own base: a generated foreign FAQ (tests/bench/foreign_faq.py, a few thousand
product and service entries) imported with `linli kb import`, refitted with `linli kb
calibrate`, and scored on questions neither saw — beside a BM25 over character n-grams and
pinyin at the threshold that suits it best on the very test questions (a generous baseline).

Balanced accuracy = mean of answerable top-1 (answered right at once) and out-of-scope
rejection (honestly declined). Prints numbers; asserts nothing.

Run: python tests/bench/bench_foreign_faq.py [--products 400] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from knowledge.normalize import to_simplified  # noqa: E402
from knowledge.pinyin import hanzi_pinyin  # noqa: E402
from tests.bench.foreign_faq import write  # noqa: E402


def linli(home: Path, *args: str) -> str:
    """Run `python -m bot ...` on the bench's own data directory, without the demo."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    environ.update({"LINLI_HOME": str(home), "LINLI_KNOWLEDGE_LOAD_DEMO": "false"})
    done = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=environ, cwd=home, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"linli {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def tokens(text: str) -> list[str]:
    """Character unigrams and bigrams, and pinyin syllables and syllable pairs."""
    hanzi = "".join(c for c in to_simplified(text) if "\u4e00" <= c <= "\u9fff")
    sounds = hanzi_pinyin(hanzi)
    return [*hanzi, *(hanzi[i : i + 2] for i in range(len(hanzi) - 1)),
            *(f"@{s}" for s in sounds),
            *(f"@{a}_{b}" for a, b in zip(sounds, sounds[1:], strict=False))]  # fmt: skip


class BM25:
    """Okapi BM25 (k1 1.5, b 0.75) over one document per entry question."""

    def __init__(self, docs: list[tuple[str, list[str]]], k1: float = 1.5, b: float = 0.75):
        self.ids = [i for i, _ in docs]
        self.tf = [Counter(t) for _, t in docs]
        self.lengths = [len(t) for _, t in docs]
        average = sum(self.lengths) / len(docs)
        df = Counter(term for tf in self.tf for term in tf)
        self.idf = {t: math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        self.postings: dict[str, list[int]] = {}
        for number, tf in enumerate(self.tf):
            for term in tf:
                self.postings.setdefault(term, []).append(number)
        self.norm = [k1 * (1 - b + b * n / average) for n in self.lengths]
        self.k1 = k1

    def best(self, query: list[str]) -> tuple[str, float]:
        """The best entry id and its score."""
        scores: Counter[int] = Counter()
        for term in set(query):
            for number in self.postings.get(term, ()):
                f = self.tf[number][term]
                scores[number] += self.idf[term] * f * (self.k1 + 1) / (f + self.norm[number])
        if not scores:
            return "", 0.0
        number, score = scores.most_common(1)[0]
        return self.ids[number], score


def bm25_balanced(out: Path) -> tuple[float, float, float, float]:
    """(balanced accuracy, top-1, rejection, threshold) of BM25 at its best threshold."""
    entries = [json.loads(line) for line in (out / "base.jsonl").open(encoding="utf-8")]
    docs = [(e["id"], tokens(q)) for e in entries for q in e["questions"]]
    index = BM25(docs)
    test = [json.loads(line) for line in (out / "test.jsonl").open(encoding="utf-8")]
    ranked = [(t["expect"], *index.best(tokens(t["text"]))) for t in test]
    answerable = [r for r in ranked if r[0] != "fallback"]
    outside = [r for r in ranked if r[0] == "fallback"]
    print(
        f"BM25 ranking alone: top-1 {sum(r[1] == r[0] for r in answerable) / len(answerable):.1%}"
    )  # noqa: T201
    best = (0.0, 0.0, 0.0, 0.0)
    for threshold in sorted({round(r[2], 2) for r in ranked}):
        top1 = sum(r[1] == r[0] and r[2] >= threshold for r in answerable) / len(answerable)
        rejected = sum(r[2] < threshold for r in outside) / len(outside)
        best = max(best, ((top1 + rejected) / 2, top1, rejected, threshold))
    return best


def linli_rates(home: Path, out: Path) -> dict[str, float]:
    rates: dict[str, float] = json.loads(
        linli(home, "kb", "eval", "--json", str(out / "test.jsonl"))
    )["rates"]
    rates["balanced"] = (rates["top1"] + rates["out_of_scope_fallback"]) / 2
    return rates


def _line(name: str, rates: dict[str, float]) -> str:
    return (f"{name:<34} balanced {rates['balanced']:6.1%}  top-1 {rates['top1']:6.1%}  "
            f"rejected {rates['out_of_scope_fallback']:6.1%}  wrong {rates['confidently_wrong']:6.1%}")  # fmt: skip  # noqa: E501


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out, home = Path(scratch) / "faq", Path(scratch) / "home"
        home.mkdir()
        sizes = write(out, args.products, args.seed)
        print(f"generated: {sizes}")  # noqa: T201
        started = time.monotonic()
        linli(home, "kb", "import", "--replace", str(out / "base.jsonl"))
        print(f"kb import: {time.monotonic() - started:.0f} s")  # noqa: T201
        shipped = linli_rates(home, out)
        fitted = linli(home, "kb", "calibrate", str(out / "calibrate.jsonl"), "--write")
        print("kb calibrate (its own k-fold report):\n" + fitted.rstrip())  # noqa: T201
        refit = linli_rates(home, out)
        balanced, top1, rejected, threshold = bm25_balanced(out)
    print(_line("Linli, shipped calibration", shipped))  # noqa: T201
    print(_line("Linli, after kb calibrate", refit))  # noqa: T201
    print(f"{'BM25 chars+pinyin, best threshold':<34} balanced {balanced:6.1%}  top-1 {top1:6.1%}  "
          f"rejected {rejected:6.1%}  (threshold {threshold}, chosen on the test questions)")  # noqa: T201  # fmt: skip


if __name__ == "__main__":
    main()
