"""Turn a normalised text into weighted matching features: hanzi n-grams, words and pinyin."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba

from knowledge.normalize import Rewrites, normalize
from knowledge.pinyin import fuzzy, hanzi_pinyin, split_syllables

logger = logging.getLogger(__name__)

# Feature kinds and their weight. Bigrams of hanzi and of pinyin carry the meaning; unigrams
# rescue single-character typos; pinyin catches homophones and latin (pinyin) input.
WEIGHTS: dict[str, float] = {
    "b": 1.0,  # hanzi bigram
    "w": 0.6,  # jieba word of 2+ characters
    "u": 0.25,  # hanzi unigram
    "q": 0.8,  # fuzzy pinyin bigram
    "p": 0.15,  # fuzzy pinyin syllable
    "l": 1.0,  # latin word that is not pinyin, or a number
}
SOUND_KINDS = frozenset("qp")  # the pinyin features; the rest describe characters
_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z]+|[0-9]+")
_DICT_WORDS = 60000  # the most frequent words of jieba's dictionary: loads in ~0.15 s, not ~1 s


@dataclass(frozen=True)
class Analysis:
    """What the matcher knows about one text."""

    text: str  # normalised text
    hanzi: str  # the hanzi only, for character similarity
    pinyin: str  # fuzzy pinyin syllables joined by spaces, for sound similarity
    features: dict[str, int]  # feature -> count
    words: dict[str, tuple[str, ...]]  # each word's feature -> the pinyin features of its sound
    kinds: frozenset[str]  # what the text asks for: price, time, route ... (may be empty)


class Analyzer:
    """Normalises texts and extracts features; owns a jieba tokenizer with a trimmed dictionary."""

    def __init__(
        self,
        rewrites: Rewrites,
        cache_dir: Path,
        kinds: Mapping[str, Iterable[str]] | None = None,
    ):
        self.rewrites = rewrites
        self._kinds = [(kind, tuple(words)) for kind, words in (kinds or {}).items()]
        self._tokenizer = _load_tokenizer(cache_dir)

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the tokenizer names from the knowledge base (助老餐厅, 纱縠行 ...)."""
        for word in words:
            text = normalize(word, self.rewrites)
            if len(text) >= 2:
                self._tokenizer.add_word(text, freq=20000)

    def analyze(self, raw: str) -> Analysis:
        """Normalise a text and extract its features."""
        text = normalize(raw, self.rewrites)
        features: Counter[str] = Counter()
        hanzi: list[str] = []
        syllables: list[str] = []
        words: dict[str, tuple[str, ...]] = {}
        for run in _RUNS.findall(text):
            if run[0] >= "\u3400":
                hanzi.append(run)
                syllables.extend(fuzzy(s) for s in hanzi_pinyin(run))
                cut = self._tokenizer.lcut(run, HMM=False)
                _add_hanzi(features, run, cut)
                words.update((_word_feature(w), _word_sound(w)) for w in cut)
            elif run.isdigit():
                features["l" + run] += 1
            else:
                split = split_syllables(run) if len(run) > 1 or run in "aeo" else None
                if split is None:
                    features["l" + run] += 1
                else:
                    syllables.extend(fuzzy(s) for s in split)
        _add_pinyin(features, syllables)
        compact = text.replace(" ", "")
        kinds = frozenset(k for k, cues in self._kinds if any(c in compact for c in cues))
        return Analysis(text, "".join(hanzi), " ".join(syllables), dict(features), words, kinds)


def _add_hanzi(features: Counter[str], run: str, words: list[str]) -> None:
    for ch in run:
        features["u" + ch] += 1
    for i in range(len(run) - 1):
        features["b" + run[i : i + 2]] += 1
    for word in words:
        if len(word) >= 2:
            features["w" + word] += 1


def _add_pinyin(features: Counter[str], syllables: list[str]) -> None:
    for s in syllables:
        features["p" + s] += 1
    for a, b in zip(syllables, syllables[1:], strict=False):
        features[f"q{a}_{b}"] += 1


def _word_feature(word: str) -> str:
    return ("w" if len(word) >= 2 else "u") + word


@lru_cache(maxsize=65536)
def _word_sound(word: str) -> tuple[str, ...]:
    syllables = [fuzzy(s) for s in hanzi_pinyin(word)]
    if len(syllables) == 1:
        return ("p" + syllables[0],)
    return tuple(f"q{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False))


def _load_tokenizer(cache_dir: Path) -> jieba.Tokenizer:
    """A jieba tokenizer on a trimmed copy of its dictionary, cached in `cache_dir` (not /tmp)."""
    jieba.setLogLevel(logging.WARNING)
    cache_dir.mkdir(parents=True, exist_ok=True)
    trimmed = cache_dir / f"jieba-dict-{_DICT_WORDS}.txt"
    if not trimmed.exists():
        source = Path(jieba.__file__).with_name("dict.txt")
        rows = [line.split(" ") for line in source.read_text(encoding="utf-8").splitlines()]
        rows.sort(key=lambda row: -int(row[1]))
        partial = trimmed.with_suffix(".part")
        partial.write_text("".join(" ".join(r) + "\n" for r in rows[:_DICT_WORDS]), "utf-8")
        partial.replace(trimmed)
    tokenizer = jieba.Tokenizer(dictionary=str(trimmed))
    tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    return tokenizer
