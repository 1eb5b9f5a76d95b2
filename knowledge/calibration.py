"""Turning match evidence into probabilities: two small logistic models fitted on labelled
questions (`linli kb calibrate`), shipped as knowledge/data/calibration.json."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Evidence about one candidate entry, each 0..1 (see Matcher._evidence).
CANDIDATE_FEATURES = (
    "coverage", "recall", "similarity", "balance", "bm25", "explained", "asked", "novelty",
    "mismatch",
)  # fmt: skip
# Evidence about the whole decision: the best candidate's probability, its lead over the
# runner-up, how much of the question no knowledge text has ever used, and all the evidence
# about the best candidate itself.
DECISION_FEATURES = (
    "best", "margin", "unknown", *(f"top_{f}" for f in CANDIDATE_FEATURES), "novel_unexplained",
)  # fmt: skip
DEFAULT_PATH = Path(__file__).with_name("data") / "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """Weights (then a bias) of the candidate model and of the decision model, and the
    answer / clarify thresholds fitted with them (None: the configured ones apply)."""

    candidate: tuple[float, ...]
    decision: tuple[float, ...]
    answer: float | None = None
    clarify: float | None = None

    def candidate_probability(self, features: Sequence[float]) -> float:
        """How likely this candidate is the entry the resident wants."""
        return _logistic(self.candidate, features)

    def confidence(self, best: float, margin: float, unknown: float, top: Sequence[float]) -> float:
        """How likely answering with the best candidate (its features: `top`) is right."""
        return _logistic(self.decision, (best, margin, unknown, *_decisive(top)))

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Calibration:
        """Read weights written by `save`."""
        data = json.loads(path.read_text(encoding="utf-8"))
        candidate = tuple(float(w) for w in data["candidate"])
        decision = tuple(float(w) for w in data["decision"])
        if len(candidate) != len(CANDIDATE_FEATURES) + 1:
            raise ValueError(f"{path}: candidate needs {len(CANDIDATE_FEATURES) + 1} weights")
        if len(decision) != len(DECISION_FEATURES) + 1:
            raise ValueError(f"{path}: decision needs {len(DECISION_FEATURES) + 1} weights")
        limits = data.get("thresholds")
        if limits is None:
            return cls(candidate, decision)
        answer, clarify = float(limits["answer"]), float(limits["clarify"])
        if not 0 <= clarify <= answer <= 1:
            raise ValueError(f"{path}: thresholds need 0 <= clarify <= answer <= 1")
        return cls(candidate, decision, answer, clarify)

    def save(self, path: Path) -> None:
        """Write the weights as JSON, feature names alongside for people reading it."""
        data: dict[str, object] = {
            "candidate_features": [*CANDIDATE_FEATURES, "bias"],
            "candidate": [round(w, 4) for w in self.candidate],
            "decision_features": [*DECISION_FEATURES, "bias"],
            "decision": [round(w, 4) for w in self.decision],
        }
        if self.answer is not None and self.clarify is not None:
            data["thresholds"] = {"answer": self.answer, "clarify": self.clarify}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def fit_logistic(
    rows: Sequence[Sequence[float]], labels: Sequence[int], l2: float = 0.5
) -> tuple[float, ...]:
    """Fit a logistic regression (weights, then bias) by Newton's method with an L2 penalty.

    Small on purpose: a handful of features and a few hundred questions, no extra dependency.
    """
    x = np.hstack([np.asarray(rows, dtype=float), np.ones((len(rows), 1))])
    y = np.asarray(labels, dtype=float)
    w = np.zeros(x.shape[1])
    penalty = np.eye(x.shape[1]) * l2
    penalty[-1, -1] = 1e-6  # the bias is (all but) not shrunk; a fold with no rows stays solvable
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x.T * (p * (1 - p))) @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return tuple(float(v) for v in w)


def _decisive(features: Sequence[float]) -> tuple[float, ...]:
    """The best candidate's features, as the decision model reads them: a word the entry
    never uses matters most when the entry explains little of the question."""
    novelty = features[CANDIDATE_FEATURES.index("novelty")]
    explained = features[CANDIDATE_FEATURES.index("explained")]
    return (*features, novelty * (1.0 - explained))


def _logistic(weights: Sequence[float], features: Sequence[float]) -> float:
    z = weights[-1] + sum(w * f for w, f in zip(weights, features, strict=False))
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def fit(
    evidence: Sequence[tuple[list[tuple[str, tuple[float, ...]]], float, str]],
) -> Calibration:
    """Fit both models from labelled evidence.

    Args:
        evidence: per question, its candidates as (entry id, features), the share of the
            question no knowledge text has, and the right entry id (anything else, e.g.
            "fallback", means no candidate is right).
    """
    rows = [f for candidates, _, _ in evidence for _, f in candidates]
    labels = [int(i == right) for candidates, _, right in evidence for i, _ in candidates]
    candidate = fit_logistic(rows, labels)
    half = Calibration(candidate, (0.0,) * (len(DECISION_FEATURES) + 1))
    decision_rows, decision_labels = [], []
    for candidates, unknown, right in evidence:
        scored = sorted(
            ((half.candidate_probability(f), i, f) for i, f in candidates), reverse=True
        ) or [(0.0, "", (0.0,) * len(CANDIDATE_FEATURES))]
        best, best_id, features = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        decision_rows.append((best, best - runner_up, unknown, *_decisive(features)))
        decision_labels.append(int(best_id == right))
    return Calibration(candidate, fit_logistic(decision_rows, decision_labels))
