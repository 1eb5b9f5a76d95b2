"""An inverted index over question texts: BM25 recall in numpy, per-document features for rerank."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from knowledge.analyze import SOUND_KINDS, WEIGHTS, Analysis

_K1, _B = 1.2, 0.75
# A feature found in more than this share of documents (怎么, 什么 ...) is left out of recall:
# its postings would cost more than they tell. It still counts when candidates are reranked.
_COMMON_SHARE = 0.04
_MIN_RECALL_FEATURES = 2


@dataclass(frozen=True)
class QueryWeights:
    """What each known feature of a question is worth, and the worth of all its features by
    channel: characters (hanzi, words, latin) and sound (pinyin)."""

    known: dict[int, float]
    chars: float
    sound: float

    @property
    def total(self) -> float:
        """The worth of the whole question."""
        return self.chars + self.sound


@dataclass(frozen=True)
class Doc:
    """One searchable text (a question or paraphrase) of an entry."""

    entry: int
    analysis: Analysis


class Index:
    """Built once from all documents; answers `recall` and coverage questions fast."""

    def __init__(self, docs: Sequence[Doc]):
        self.size = len(docs)
        self.doc_entry = np.fromiter((d.entry for d in docs), dtype=np.int32, count=self.size)
        self.doc_hanzi = [d.analysis.hanzi for d in docs]
        self.doc_pinyin = [d.analysis.pinyin for d in docs]
        self.vocab: dict[str, int] = {}
        rows: list[list[tuple[int, int]]] = []
        for doc in docs:
            rows.append([(self._feature_id(f), n) for f, n in doc.analysis.features.items()])
        self._build_weights(rows)
        self._build_postings(rows)

    def _feature_id(self, feature: str) -> int:
        fid = self.vocab.get(feature)
        if fid is None:
            fid = self.vocab[feature] = len(self.vocab)
        return fid

    def _build_weights(self, rows: list[list[tuple[int, int]]]) -> None:
        """Idf over entries, not documents: a word in all ten paraphrases of one entry is
        exactly what tells that entry apart, and must not count as common."""
        n_features = len(self.vocab)
        kind_weight = np.zeros(n_features, dtype=np.float32)
        for feature, fid in self.vocab.items():
            kind_weight[fid] = WEIGHTS[feature[0]]
        self.is_sound = np.array([f[0] in SOUND_KINDS for f in self.vocab], dtype=bool)
        pairs = {(fid, int(self.doc_entry[doc])) for doc, row in enumerate(rows) for fid, _ in row}
        self.df = np.zeros(n_features, dtype=np.int32)
        for fid, _entry in pairs:
            self.df[fid] += 1
        n = max(len(set(self.doc_entry.tolist())), 1)
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        idf = np.log1p((n - self.df + 0.5) / (self.df + 0.5)).astype(np.float32)
        # What a feature is worth when we ask "how much of the question did this text cover?"
        self.feature_weight = kind_weight * idf
        self.common_df = max(int(n * _COMMON_SHARE), 20)

    def _build_postings(self, rows: list[list[tuple[int, int]]]) -> None:
        lengths = np.array([sum(n for _, n in row) for row in rows] or [0], dtype=np.float32)
        avg = float(lengths.mean()) or 1.0
        per_feature: list[list[tuple[int, float]]] = [[] for _ in self.vocab]
        doc_ptr = [0]
        doc_feats: list[int] = []
        for doc_id, row in enumerate(rows):
            norm = _K1 * (1 - _B + _B * float(lengths[doc_id]) / avg)
            for fid, tf in row:
                bm25 = float(self.feature_weight[fid]) * tf * (_K1 + 1) / (tf + norm)
                per_feature[fid].append((doc_id, bm25))
                doc_feats.append(fid)
            doc_ptr.append(len(doc_feats))
        self.postings = [
            (np.array([d for d, _ in p], dtype=np.int32), np.array([w for _, w in p], np.float32))
            for p in per_feature
        ]
        self.doc_ptr = np.array(doc_ptr, dtype=np.int64)
        self.doc_feats = np.array(doc_feats, dtype=np.int32)
        # The total worth of each document's features: "how much of this text did we match?"
        self.doc_weight = np.array(
            [float(self.feature_weight[self.doc_feats[a:b]].sum()) for a, b in pairwise(doc_ptr)],
            dtype=np.float32,
        )

    def query_weights(self, analysis: Analysis) -> QueryWeights:
        """The known features of a question with their worth, and the worth of all of them.

        A feature no document has is worth the most: the question asks about something the
        knowledge base does not know.
        """
        known: dict[int, float] = {}
        totals = {True: 0.0, False: 0.0}
        for feature in analysis.features:
            fid = self.vocab.get(feature)
            sound = feature[0] in SOUND_KINDS
            if fid is None:
                totals[sound] += WEIGHTS[feature[0]] * self.max_idf
            else:
                known[fid] = float(self.feature_weight[fid])
                totals[sound] += known[fid]
        return QueryWeights(known, totals[False], totals[True])

    def recall(
        self, analysis: Analysis, limit: int
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """The `limit` documents with the best BM25 score for this question, best first, and
        their scores."""
        known = [self.vocab[f] for f in analysis.features if f in self.vocab]
        if not known or self.size == 0:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
        known.sort(key=lambda fid: self.df[fid])
        rare = [fid for fid in known if self.df[fid] <= self.common_df]
        chosen = rare if len(rare) >= _MIN_RECALL_FEATURES else known[:_MIN_RECALL_FEATURES]
        docs = np.concatenate([self.postings[fid][0] for fid in chosen])
        weights = np.concatenate([self.postings[fid][1] for fid in chosen])
        scores = np.bincount(docs, weights=weights, minlength=self.size)
        top = np.flatnonzero(scores)  # partition only the documents that matched at all
        if len(top) > limit:
            top = top[np.argpartition(-scores[top], limit)[:limit]]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int32), scores[top].astype(np.float64)

    def entry_feature_ids(self, first_doc: int, last_doc: int) -> set[int]:
        """Every feature id of a run of documents (an entry's documents are contiguous)."""
        return set(self.doc_feats[self.doc_ptr[first_doc] : self.doc_ptr[last_doc + 1]].tolist())

    def idf_share(self, feature: str) -> float:
        """How informative a feature is, 0..1 (1 = no knowledge text has it)."""
        fid = self.vocab.get(feature)
        if fid is None:
            return 1.0
        return float(self.feature_weight[fid]) / (WEIGHTS[feature[0]] * self.max_idf)

    def doc_feature_ids(self, doc_id: int) -> npt.NDArray[np.int32]:
        """The feature ids of one document."""
        return self.doc_feats[self.doc_ptr[doc_id] : self.doc_ptr[doc_id + 1]]
