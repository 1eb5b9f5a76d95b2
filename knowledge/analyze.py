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
        self._grammar, self._common = _function_characters(Path(self._tokenizer.dictionary))

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the tokenizer names from the knowledge base (助老餐厅, 纱縠行 ...)."""
        for word in words:
            text = normalize(word, self.rewrites)
            if len(text) >= 2:
                self._tokenizer.add_word(text, freq=20000)

    def names_in(self, titles: Iterable[str], texts: Iterable[str]) -> list[str]:
        """The names a base keeps using that the tokenizer does not know (花呗, 星海卡).

        A name is a run of 2 to 4 hanzi in a title that the tokenizer cuts into single
        characters, none of them one jieba tags as grammar (是哪, 我想 are not names) and
        neither end a character that common as a word of its own (苏辙是, 叫眉山), found
        in `texts` (the base's questions) after two or more different characters and before
        two or more: a stretch always seen in the same company ("年费是") is part of
        something longer, not a word of its own.
        """
        candidates: set[str] = set()
        for title in titles:
            for run in self._hanzi_runs(title):
                for part in _single_character_runs(self._tokenizer.lcut(run, HMM=False)):
                    candidates.update(g for g in _grams(part) if not self._grammar.intersection(g))
        if not candidates:
            return []
        before: dict[str, set[str]] = {c: set() for c in candidates}
        after: dict[str, set[str]] = {c: set() for c in candidates}
        for text in texts:
            for run in self._hanzi_runs(text):
                padded = f"^{run}$"
                for gram in _grams(run):
                    if gram in before:
                        for at in _places(padded, gram):
                            before[gram].add(padded[at - 1])
                            after[gram].add(padded[at + len(gram)])
        return sorted(
            c
            for c in candidates
            if len(before[c]) >= 2 and len(after[c]) >= 2 and not self._common & {c[0], c[-1]}
        )

    def _hanzi_runs(self, text: str) -> list[str]:
        return [r for r in _RUNS.findall(normalize(text, self.rewrites)) if r[0] >= "\u3400"]

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


# jieba's part-of-speech tags of function words: pronouns, particles, prepositions,
# conjunctions, adverbs, numerals and measures, modal particles, locality words
_GRAMMAR_TAGS = ("r", "u", "p", "c", "d", "m", "q", "y", "f", "e", "o")


_COMMON = 40000  # a character this frequent as a word of its own (是, 叫, 能) ends no name


@lru_cache(maxsize=1)  # the same dictionary for both matchers: read once
def _function_characters(dictionary: Path) -> tuple[frozenset[str], frozenset[str]]:
    """The single characters the dictionary tags as function words (的, 哪, 我, 在 ...), and
    those it counts so often as words of their own that a name neither starts nor ends
    with them."""
    grammar, common = set(), set()
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, count, tag = (line.split(" ") + ["0", ""])[:3]
        if len(word) == 1 and tag.startswith(_GRAMMAR_TAGS):
            grammar.add(word)
        if len(word) == 1 and int(count) >= _COMMON:
            common.add(word)
    return frozenset(grammar), frozenset(common)


def _single_character_runs(cut: list[str]) -> list[str]:
    """The stretches of a cut where every token is one character, 2 characters or longer."""
    runs, current = [], ""
    for token in [*cut, "  "]:
        if len(token) == 1:
            current += token
            continue
        if len(current) >= 2:
            runs.append(current)
        current = ""
    return runs


def _grams(run: str) -> set[str]:
    return {run[i : i + n] for n in range(2, 5) for i in range(len(run) - n + 1)}


def _places(text: str, part: str) -> list[int]:
    places, at = [], text.find(part)
    while at >= 0:
        places.append(at)
        at = text.find(part, at + 1)
    return places


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
    """A jieba tokenizer of its own (its matcher teaches it the base's words) on a trimmed
    copy of jieba's dictionary, cached in `cache_dir` (not /tmp)."""
    trimmed = _trimmed_dictionary(cache_dir)
    frequencies, total = _prefix_dictionary(trimmed)
    tokenizer = jieba.Tokenizer(dictionary=str(trimmed))
    tokenizer.tmp_dir = str(cache_dir)
    # what initialize() would read from the same file again; a copy, as add_word changes it
    tokenizer.FREQ, tokenizer.total = dict(frequencies), total
    tokenizer.initialized = True
    return tokenizer


def _trimmed_dictionary(cache_dir: Path) -> Path:
    """The most frequent words of jieba's dictionary, written once into `cache_dir`."""
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
    return trimmed


@lru_cache(maxsize=1)
def _prefix_dictionary(trimmed: Path) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary of `trimmed` and its total count, read once a process: the
    knowledge base's and the commands' matchers each start a tokenizer from a copy of it
    (~0.1 s a load otherwise). Never handed out itself: tokenizers learn words into theirs."""
    reader = jieba.Tokenizer(dictionary=str(trimmed))
    reader.tmp_dir = str(trimmed.parent)
    reader.initialize()
    return reader.FREQ, reader.total
