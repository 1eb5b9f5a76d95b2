"""Match a resident's question to knowledge entries and decide: answer, clarify or fallback."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz

from knowledge.analyze import Analysis, Analyzer
from knowledge.attributes import stated_kinds
from knowledge.calibration import CANDIDATE_FEATURES, Calibration
from knowledge.entry import Entry
from knowledge.index import Doc, Index, QueryWeights
from knowledge.normalize import normalize

Decision = Literal["answer", "clarify", "fallback"]
_RECALL_DOCS = 48
_MAX_CANDIDATES = 8
_LOCAL_BONUS = 0.02  # the resident's own community wins a tie
_BALANCE = CANDIDATE_FEATURES.index("balance")
_VOCAB_CACHE = 20000
# a context clause's word names a topic when few knowledge texts use it (0..1 idf share) ...
_TOPIC_SHARE = 0.75
# ... and it is not a word of talk itself ("但是", "自己", "真的")
_DISCOURSE = re.compile(
    r"但是|可是|还有|自己|可以|真的|一个|一些|现在|以前|以后|时候|已经|知道|晓得|不是|就是|还是|"
    r"这个|那个|一下|怎么|什么|为了|因为|所以|然后|好像|听说|觉得|一直|几次|好几|几年|今年|去年|"
    r"前年|我们|你们|他们|她们|大家|人家|老伴|东西|事情|地方|这里|那里|这边|那边|起来|回来|"
    r"还要|应该|经常|平时|旁边|附近|"
    # the speaker's family, who tell the circumstances, not the topic ("带孙子去东坡岛玩")
    r"孙子|孙女|外孙|外孙女|儿子|女儿|儿媳|儿媳妇|女婿|母亲|父亲|老妈|老爸|妈妈|爸爸|老公|老婆|"
    r"娃娃|娃儿|孩子|小孩|小朋友|老人|老头子|老太婆|家人|家里|屋头|邻居|老邻居"
)  # entries whose vocabularies are kept between questions


@dataclass(frozen=True)
class Thresholds:
    """Where the confidence turns a match into an answer, a clarify, or an honest fallback."""

    answer: float = 0.5
    clarify: float = 0.15
    suggestions: int = 3
    suggestion_floor: float = 0.1  # a suggestion is at least this likely to be the one
    # The best candidate must hold at least this share of the top three's (squared)
    # probability to be answered outright: "社区" fits many entries about equally well.
    min_share: float = 0.5
    # A question made only of words many entries use ("社区", "活动") names no one entry:
    # its most telling feature must be at least this informative (idf share) to be answered.
    min_specificity: float = 0.3


@dataclass(frozen=True)
class Candidate:
    """An entry that may answer the question, with the evidence for it."""

    entry: Entry
    score: float  # probability that this is the entry the resident wants
    features: tuple[float, ...]  # see calibration.CANDIDATE_FEATURES
    question: str  # the entry's text that matched best
    number: int = -1  # the entry's place in the matcher's list


@dataclass(frozen=True)
class Evidence:
    """Every candidate for one question, unranked, and how unfamiliar the question is."""

    candidates: list[tuple[int, tuple[float, ...], str]]  # (entry number, features, text)
    unknown: float  # share of the question's worth that no knowledge text has
    specificity: float = 1.0  # how telling the question's most telling known feature is
    # entries that lack a name of the base the question uses (星海卡 asked, 星河卡's entry)
    misnamed: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on one question."""

    decision: Decision
    confidence: float
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The top candidate, if any."""
        return self.candidates[0] if self.candidates else None


class Matcher:
    """Built once from the knowledge entries; `match` is the per-question call."""

    def __init__(
        self,
        entries: Sequence[Entry],
        analyzer: Analyzer,
        thresholds: Thresholds,
        calibration: Calibration | None = None,
    ):
        self.entries = list(entries)
        self.analyzer = analyzer
        self.thresholds = thresholds
        self.calibration = calibration or Calibration.load()
        # the base's own vocabulary weighs as words: its keywords, and the names its entries'
        # titles keep using that the tokenizer would cut into characters (two product names
        # one character apart are two words, not a shared character or two)
        keywords = [k for e in self.entries for k in e.keywords]
        analyzer.add_words(keywords)
        titles = [*(e.question for e in self.entries), *keywords]
        names = analyzer.names_in(titles, (q for e in self.entries for q in e.questions))
        self.words = [*keywords, *names]
        analyzer.add_words(self.words)
        self._name_features = frozenset(
            "w" + text for text in (normalize(w, analyzer.rewrites) for w in names)
            if len(text) >= 2
        ) - {"w" + normalize(k, analyzer.rewrites) for k in keywords}  # fmt: skip
        # the base's own names and keywords, as word features: the topics a text names
        self._topic_features = frozenset(
            "w" + text for text in (normalize(w, analyzer.rewrites) for w in self.words)
            if len(text) >= 2
        )  # fmt: skip
        docs: list[Doc] = []
        self._doc_text: list[str] = []
        self._is_question: list[bool] = []  # a question or paraphrase, not a bare keyword
        self._entry_kinds: list[frozenset[str]] = []
        # What each answer talks about, as feature hashes: a word of the question that the
        # answer uses is explained even if no question of the entry uses it.
        answer_ptr: list[int] = [0]
        answer_hashes: list[int] = []
        for number, entry in enumerate(self.entries):
            kinds: set[str] = set()
            questions = set(entry.questions)
            for text in dict.fromkeys((*entry.questions, *entry.keywords)):
                analysis = analyzer.analyze(text)
                kinds |= analysis.kinds
                if analysis.features:
                    docs.append(Doc(number, analysis))
                    self._doc_text.append(text)
                    self._is_question.append(text in questions)
            answer = analyzer.analyze(entry.answer)
            self._entry_kinds.append(frozenset(kinds | answer.kinds | stated_kinds(entry.answer)))
            answer_ptr.append(answer_ptr[-1] + len(answer.features))
            answer_hashes.extend(_stable_hash(f) for f in answer.features)
        self.index = Index(docs)
        self._answer_ptr = np.array(answer_ptr, dtype=np.int64)
        self._answer_hashes = np.array(answer_hashes, dtype=np.int64)
        self._entry_docs: dict[int, tuple[int, int]] = {}
        for doc_id, doc in enumerate(docs):
            first, _ = self._entry_docs.get(doc.entry, (doc_id, doc_id))
            self._entry_docs[doc.entry] = (first, doc_id)
        self._by_id = {e.id: n for n, e in enumerate(self.entries)}
        self._vocab_cache: dict[int, tuple[set[int], set[int]]] = {}

    def __getstate__(self) -> dict[str, object]:
        """What a cache keeps: everything but the analyzer (jieba is loaded, not pickled)."""
        state = dict(self.__dict__)
        state["analyzer"] = None
        state["_vocab_cache"] = {}
        return state

    def attach(
        self, analyzer: Analyzer, thresholds: Thresholds, calibration: Calibration
    ) -> Matcher:
        """Give a matcher read back from a cache its analyzer and current settings."""
        analyzer.add_words(self.words)
        self.analyzer, self.thresholds, self.calibration = analyzer, thresholds, calibration
        return self

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, if the base has it."""
        number = self._by_id.get(entry_id)
        return None if number is None else self.entries[number]

    def topics(self, text: str) -> list[str]:
        """The words of `text` that name something the knowledge texts talk about: the
        base's own keywords and names ("低保", "助老餐厅"), and words of two or more
        characters that few of its texts use ("漏水", "过期"), in order: what a context
        clause contributes to the question beside it."""
        words = self.analyzer.analyze(text).words
        return [feature[1:] for feature in words if self._topic(feature)]

    def unexplained(self, text: str, entry_id: str) -> float:
        """How informative the most informative word of `text` is that the entry does not
        explain by its questions, keywords or answer (0..1 idf share; 0 when it explains
        every word, 1 for an unknown entry)."""
        number = self._by_id.get(entry_id)
        if number is None:
            return 1.0
        return self._novelty(self.analyzer.analyze(text), number)

    def _topic(self, feature: str) -> bool:
        if feature in self._topic_features:
            return True
        word = feature[1:]
        if len(word) < 2 or _DISCOURSE.fullmatch(word) or feature not in self.index.vocab:
            return False
        return self.index.idf_share(feature) >= _TOPIC_SHARE

    def match(
        self, text: str, community: str | None = None, among: Iterable[str] | None = None
    ) -> Match:
        """Rank the entries for a question and decide what to do with it.

        Args:
            text: the resident's message, as typed.
            community: the resident's community id; its own entries win ties.
            among: only consider these entry ids (used to resolve a clarify reply).
        """
        evidence = self.evidence(text, among)
        return self.decide(evidence, self.calibration, self.thresholds, community)

    def decide(
        self,
        evidence: Evidence,
        calibration: Calibration,
        thresholds: Thresholds,
        community: str | None = None,
    ) -> Match:
        """Rank the candidates of `evidence` by `calibration` and decide by `thresholds`
        (`match` with the matcher's own; `kb calibrate` tries others on the same evidence)."""
        ranked = []
        for number, features, question in evidence.candidates:
            entry = self.entries[number]
            score = calibration.candidate_probability(features)
            if community is not None and entry.community == community:
                score = min(1.0, score + _LOCAL_BONUS)
            ranked.append(Candidate(entry, score, features, question, number))
        ranked.sort(key=lambda c: c.score, reverse=True)
        return _decide(ranked[:_MAX_CANDIDATES], evidence, calibration, thresholds)

    def evidence(self, text: str, among: Iterable[str] | None = None) -> Evidence:
        """What the index knows about each entry that may answer `text` (also used to fit
        the calibration)."""
        query = self.analyzer.analyze(text)
        weights = self.index.query_weights(query)
        if weights.total <= 0:
            return Evidence([], 1.0)
        allowed = None if among is None else {self._by_id[i] for i in among if i in self._by_id}
        doc_ids, bm25 = self.index.recall(query, _RECALL_DOCS)
        per_entry: dict[int, list[float]] = {}
        best_text: dict[int, tuple[float, str]] = {}
        top_bm25 = float(bm25[0]) if len(bm25) else 1.0
        for doc_id, doc_bm25 in zip(doc_ids.tolist(), bm25.tolist(), strict=True):
            number = int(self.index.doc_entry[doc_id])
            if allowed is not None and number not in allowed:
                continue
            features = self._doc_evidence(query, weights, doc_id, doc_bm25 / top_bm25)
            # "asked": the best two-way match among questions only. A keyword alone (三苏祠)
            # says the entity was named, not that this entry answers what was asked about it.
            features.append(features[_BALANCE] if self._is_question[doc_id] else 0.0)
            current = per_entry.setdefault(number, [0.0] * len(features))
            per_entry[number] = [max(a, b) for a, b in zip(current, features, strict=True)]
            if features[_BALANCE] > best_text.get(number, (-1.0, ""))[0]:
                best_text[number] = (features[3], self._doc_text[doc_id])
        unknown = 1.0 - sum(weights.known.values()) / weights.total
        specificity = max((self.index.idf_share(f) for f in query.features), default=0.0)
        candidates = [
            (n, (*f, self._novelty(query, n), self._mismatch(query, n)), best_text[n][1])
            for n, f in per_entry.items()
        ]
        # a name the base learnt from its titles, asked, that some candidates lack while
        # another has it: those are about something else (星河卡 for 星海卡)
        named = [w for w in query.words if w in self._name_features]
        lacking = {n for n in per_entry if named and not self._names_all(n, named)}
        misnamed = frozenset(lacking) if len(lacking) < len(per_entry) else frozenset()
        return Evidence(candidates, unknown, specificity, misnamed)

    def _names_all(self, number: int, names: list[str]) -> bool:
        """Whether entry `number` uses each of these names (by characters: two names of the
        base that sound alike are still two names)."""
        vocabulary, answer = self._vocabulary(number)
        vocab = self.index.vocab
        return all(vocab.get(n) in vocabulary or _stable_hash(n) in answer for n in names)

    def _doc_evidence(
        self, query: Analysis, weights: QueryWeights, doc_id: int, bm25: float
    ) -> list[float]:
        index = self.index
        known = weights.known
        shared = [fid for fid in index.doc_feature_ids(doc_id).tolist() if fid in known]
        matched = sum(known[fid] for fid in shared)
        by_sound = sum(known[fid] for fid in shared if index.is_sound[fid])
        coverage = matched / weights.total
        recall = matched / max(float(index.doc_weight[doc_id]), 1e-9)
        similarity = _similarity(query, index.doc_hanzi[doc_id], index.doc_pinyin[doc_id])
        balance = 2 * coverage * recall / (coverage + recall) if matched else 0.0
        # The better of the two channels: a typo loses characters but keeps the sound.
        explained = max(
            (matched - by_sound) / weights.chars if weights.chars else 0.0,
            by_sound / weights.sound if weights.sound else 0.0,
        )
        return [coverage, recall, similarity, balance, bm25, explained]

    def _novelty(self, query: Analysis, number: int) -> float:
        """How informative the question's most informative word is that entry `number` does
        not explain by characters or by sound (0 when it explains every word)."""
        vocabulary, answer = self._vocabulary(number)
        vocab = self.index.vocab

        def known(feature: str) -> bool:
            return vocab.get(feature) in vocabulary or _stable_hash(feature) in answer

        novelty = 0.0
        for word, sound in query.words.items():
            if known(word) or (sound and all(known(q) for q in sound)):
                continue
            novelty = max(novelty, self.index.idf_share(word))
        return novelty

    def _vocabulary(self, number: int) -> tuple[set[int], set[int]]:
        """An entry's feature ids (its questions) and answer feature hashes, cached: the same
        few entries come up again and again."""
        cached = self._vocab_cache.get(number)
        if cached is None:
            if len(self._vocab_cache) > _VOCAB_CACHE:
                self._vocab_cache.clear()
            first, last = self._entry_docs[number]
            span = slice(self._answer_ptr[number], self._answer_ptr[number + 1])
            cached = (
                self.index.entry_feature_ids(first, last),
                set(self._answer_hashes[span].tolist()),
            )
            self._vocab_cache[number] = cached
        return cached

    def _mismatch(self, query: Analysis, number: int) -> float:
        """1 when the question asks a kind of thing (price, route ...) that neither the
        entry's questions nor its answer touch, else 0."""
        return 1.0 if query.kinds and not (query.kinds & self._entry_kinds[number]) else 0.0


def _decide(
    candidates: list[Candidate], evidence: Evidence, calibration: Calibration, limits: Thresholds
) -> Match:
    if not candidates:
        return Match("fallback", 0.0, ())
    top = candidates[0].score
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    confidence = calibration.confidence(
        top, top - runner_up, evidence.unknown, candidates[0].features
    )
    share = top**2 / sum(c.score**2 for c in candidates[:3])
    clear = share >= limits.min_share and evidence.specificity >= limits.min_specificity
    # an entry about another name than the one asked is offered, never answered outright
    clear = clear and candidates[0].number not in evidence.misnamed
    if confidence >= limits.answer and clear:
        return Match("answer", confidence, tuple(candidates))
    if confidence >= limits.clarify:
        likely = [c for c in candidates if c.score >= limits.suggestion_floor] or candidates
        if candidates[0].number in evidence.misnamed:  # the entries of the name asked first
            named = [c for c in candidates if c.number not in evidence.misnamed]
            likely = [*named[:1], *(c for c in likely if c not in named[:1])]
        return Match("clarify", confidence, tuple(likely[: limits.suggestions]))
    return Match("fallback", confidence, tuple(candidates))


def _stable_hash(feature: str) -> int:
    """The same number in every process (str hash is salted per process)."""
    return zlib.crc32(feature.encode("utf-8"))


def _similarity(query: Analysis, hanzi: str, pinyin: str) -> float:
    by_sound = fuzz.ratio(query.pinyin, pinyin) if query.pinyin and pinyin else 0.0
    by_char = fuzz.ratio(query.hanzi, hanzi) if query.hanzi and hanzi else 0.0
    return max(by_sound, by_char) / 100.0
