"""Match a resident's question to knowledge entries and decide: answer, clarify or fallback."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from knowledge.analyze import Analysis, Analyzer
from knowledge.entry import Entry
from knowledge.index import Doc, Index

Decision = Literal["answer", "clarify", "fallback"]
_RECALL_DOCS = 64
_MAX_CANDIDATES = 8


@dataclass(frozen=True)
class Thresholds:
    """Where the confidence turns a match into an answer, a clarify, or an honest fallback."""

    answer: float = 0.62
    clarify: float = 0.40
    suggestions: int = 3
    suggestion_gap: float = 0.2  # a suggestion scores at most this far below the best


@dataclass(frozen=True)
class Candidate:
    """An entry that may answer the question, with the evidence for it."""

    entry: Entry
    score: float
    coverage: float  # how much of the question (by worth) this entry's best text has
    recall: float  # how much of that text the question has
    similarity: float  # character / sound similarity of the whole strings, 0..1
    question: str  # the entry's text that matched best


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

    def __init__(self, entries: Sequence[Entry], analyzer: Analyzer, thresholds: Thresholds):
        self.entries = list(entries)
        self.analyzer = analyzer
        self.thresholds = thresholds
        analyzer.add_words(k for e in self.entries for k in e.keywords)
        docs: list[Doc] = []
        self._doc_text: list[str] = []
        for number, entry in enumerate(self.entries):
            for text in dict.fromkeys((*entry.questions, *entry.keywords)):
                analysis = analyzer.analyze(text)
                if analysis.features:
                    docs.append(Doc(number, analysis))
                    self._doc_text.append(text)
        self.index = Index(docs)
        self._by_id = {e.id: n for n, e in enumerate(self.entries)}

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, if the base has it."""
        number = self._by_id.get(entry_id)
        return None if number is None else self.entries[number]

    def match(
        self, text: str, community: str | None = None, among: Iterable[str] | None = None
    ) -> Match:
        """Rank the entries for a question and decide what to do with it.

        Args:
            text: the resident's message, as typed.
            community: the resident's community id; its own entries win ties.
            among: only consider these entry ids (used to resolve a clarify reply).
        """
        query = self.analyzer.analyze(text)
        allowed = None if among is None else {self._by_id[i] for i in among if i in self._by_id}
        candidates = self._rank(query, community, allowed)
        return self._decide(candidates)

    def _rank(
        self, query: Analysis, community: str | None, allowed: set[int] | None
    ) -> list[Candidate]:
        known, total = self.index.query_weights(query)
        if total <= 0:
            return []
        best: dict[int, Candidate] = {}
        for doc_id in self.index.recall(query, _RECALL_DOCS).tolist():
            number = int(self.index.doc_entry[doc_id])
            if allowed is not None and number not in allowed:
                continue
            candidate = self._score(query, known, total, doc_id, number, community)
            if number not in best or candidate.score > best[number].score:
                best[number] = candidate
        ranked = sorted(best.values(), key=lambda c: c.score, reverse=True)
        return ranked[:_MAX_CANDIDATES]

    def _score(
        self,
        query: Analysis,
        known: dict[int, float],
        total: float,
        doc_id: int,
        number: int,
        community: str | None,
    ) -> Candidate:
        index = self.index
        shared = [fid for fid in index.doc_feature_ids(doc_id).tolist() if fid in known]
        matched = sum(known[fid] for fid in shared)
        coverage = matched / total
        recall = matched / max(float(index.doc_weight[doc_id]), 1e-9)
        similarity = _similarity(query, index.doc_hanzi[doc_id], index.doc_pinyin[doc_id])
        entry = self.entries[number]
        score = 0.55 * coverage + 0.15 * recall + 0.30 * similarity
        if community is not None and entry.community == community:
            score += 0.02
        return Candidate(entry, score, coverage, recall, similarity, self._doc_text[doc_id])

    def _decide(self, candidates: list[Candidate]) -> Match:
        if not candidates:
            return Match("fallback", 0.0, ())
        top = candidates[0].score
        runner_up = candidates[1].score if len(candidates) > 1 else 0.0
        confidence = _confidence(top, top - runner_up)
        limits = self.thresholds
        if confidence >= limits.answer:
            return Match("answer", confidence, tuple(candidates))
        if confidence >= limits.clarify:
            close = [c for c in candidates if c.score >= top - limits.suggestion_gap]
            return Match("clarify", confidence, tuple(close[: limits.suggestions]))
        return Match("fallback", confidence, tuple(candidates))


def _similarity(query: Analysis, hanzi: str, pinyin: str) -> float:
    by_sound = fuzz.ratio(query.pinyin, pinyin) if query.pinyin and pinyin else 0.0
    by_char = fuzz.ratio(query.hanzi, hanzi) if query.hanzi and hanzi else 0.0
    return max(by_sound, by_char) / 100.0


def _confidence(top: float, margin: float) -> float:
    """One number in 0..1: how sure we are the best entry answers the question.

    A narrow margin between the best two distinct entries is the strongest sign of doubt.
    """
    penalty = max(0.0, 0.12 - margin) * 1.5
    return max(0.0, min(1.0, top - penalty))
