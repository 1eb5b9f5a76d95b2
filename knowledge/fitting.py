"""A calibration a district can trust (`linli kb calibrate`): the confidence models and the
answer / clarify thresholds fitted on labelled questions, and their rates measured k-fold on
questions each fit did not see."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from knowledge.calibration import Calibration, fit
from knowledge.matcher import Evidence, Matcher

FALLBACK = "fallback"  # the label of a question the base should not answer
WRONG_COST = 2.0  # a confidently wrong answer costs twice what a right one earns
MIN_OUT_OF_SCOPE = 20  # fewer out-of-scope questions than this: the thresholds are not fitted
_ANSWER_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.30 .. 0.95
_CLARIFY_GRID = tuple(round(0.05 * i, 2) for i in range(1, 19))  # 0.05 .. 0.90


@dataclass(frozen=True)
class Asked:
    """A labelled question and the matcher's evidence for it (independent of calibration)."""

    evidence: Evidence
    expect: str  # an entry id, or "fallback"


@dataclass(frozen=True)
class Judged:
    """What a calibration makes of one question, before any threshold is applied."""

    expect: str
    confidence: float
    clear: bool  # the best candidate stands out enough to be answered outright
    best: str
    suggested: tuple[str, ...]


@dataclass(frozen=True)
class Rates:
    """How a calibration does on a set of questions, each 0..1."""

    questions: int
    top1: float  # answerable questions answered with their entry
    top1_or_clarify: float  # ... or offered it in a clarify
    out_of_scope_fallback: float  # out-of-scope questions honestly declined
    confidently_wrong: float  # of all questions

    @property
    def balanced(self) -> float:
        """The mean of answerable top-1 and out-of-scope rejection."""
        return (self.top1 + self.out_of_scope_fallback) / 2


@dataclass(frozen=True)
class Fitted:
    """The calibration fitted on every question, and its k-fold held-out rates."""

    calibration: Calibration
    held_out: Rates
    folds: int
    thresholds_fitted: bool


def gather(matcher: Matcher, labelled: Sequence[tuple[str, str]]) -> list[Asked]:
    """The evidence for each (question, expected id or "fallback")."""
    return [Asked(matcher.evidence(text), expect) for text, expect in labelled]


def fit_models(matcher: Matcher, asked: Sequence[Asked]) -> Calibration:
    """The candidate and decision models fitted on these questions (thresholds not set)."""
    evidence = []
    for item in asked:
        candidates = [(matcher.entries[n].id, f) for n, f, _ in item.evidence.candidates]
        evidence.append((candidates, item.evidence.unknown, item.expect))
    return fit(evidence)


def judge(matcher: Matcher, asked: Sequence[Asked], calibration: Calibration) -> list[Judged]:
    """Each question ranked by `calibration`, ready to be decided at any thresholds."""
    floor, shown = matcher.thresholds.suggestion_floor, matcher.thresholds.suggestions
    # at zero thresholds every question is answered or, when its best does not stand out, clarified
    anything = replace(matcher.thresholds, answer=0.0, clarify=0.0)
    judged = []
    for item in asked:
        match = matcher.decide(item.evidence, calibration, anything)
        ids = [c.entry.id for c in match.candidates]
        likely = [c.entry.id for c in match.candidates if c.score >= floor] or ids
        judged.append(Judged(item.expect, match.confidence, match.decision == "answer",
                             ids[0] if ids else "", tuple(likely[:shown])))  # fmt: skip
    return judged


def outcome(j: Judged, answer: float, clarify: float) -> str:
    """answer / clarify / fallback for one judged question at these thresholds."""
    if j.confidence >= answer and j.clear:
        return "answer"
    return "clarify" if j.confidence >= clarify else "fallback"


def rates(judged: Sequence[Judged], decided: Sequence[str]) -> Rates:
    """How right the decisions (`outcome`, one per judged question) are."""
    top1 = rescued = declined = wrong = 0
    for j, decision in zip(judged, decided, strict=True):
        if j.expect == FALLBACK:
            declined += decision == "fallback"
            wrong += decision == "answer"
        else:
            top1 += decision == "answer" and j.best == j.expect
            rescued += decision == "clarify" and j.expect in j.suggested
            wrong += decision == "answer" and j.best != j.expect
    out_of_scope = sum(j.expect == FALLBACK for j in judged)
    answerable = len(judged) - out_of_scope
    return Rates(len(judged), _rate(top1, answerable), _rate(top1 + rescued, answerable),
                 _rate(declined, out_of_scope), _rate(wrong, len(judged)))  # fmt: skip


def rates_at(judged: Sequence[Judged], answer: float, clarify: float) -> Rates:
    """`rates` with every question decided at the same thresholds."""
    return rates(judged, [outcome(j, answer, clarify) for j in judged])


def fit_thresholds(judged: Sequence[Judged]) -> tuple[float, float]:
    """The (answer, clarify) pair with the best balanced accuracy less the cost of being
    confidently wrong; a clarify that offers the right entry earns half an answer."""

    def worth(pair: tuple[float, float]) -> float:
        r = rates_at(judged, *pair)
        answerable = (r.top1 + r.top1_or_clarify) / 2
        return (answerable + r.out_of_scope_fallback) / 2 - WRONG_COST * r.confidently_wrong

    pairs = [(a, c) for a in _ANSWER_GRID for c in _CLARIFY_GRID if c <= a]
    return max(pairs, key=lambda pair: (worth(pair), pair))  # ties: the more careful pair


def fit_all(
    matcher: Matcher, labelled: Sequence[tuple[str, str]], folds: int = 5, seed: int = 11
) -> Fitted:
    """Fit on every question; measure the same fit k-fold (models and thresholds fitted on
    k-1 parts, rates taken on the part left out). The final thresholds are chosen on the
    out-of-fold judgements, so they too are set on questions the models had not seen."""
    asked = gather(matcher, labelled)
    order = list(range(len(asked)))
    random.Random(seed).shuffle(order)
    folds = max(2, min(folds, len(asked)))
    tune = sum(a.expect == FALLBACK for a in asked) >= MIN_OUT_OF_SCOPE
    current = (matcher.thresholds.answer, matcher.thresholds.clarify)
    pooled: list[Judged] = []  # every question, judged by the models of its fold
    decided: list[str] = []  # ... and decided at the thresholds of its fold
    for fold in range(folds):
        train = [asked[i] for n, i in enumerate(order) if n % folds != fold]
        test = [asked[i] for n, i in enumerate(order) if n % folds == fold]
        models = fit_models(matcher, train)
        pair = fit_thresholds(judge(matcher, train, models)) if tune else current
        judged = judge(matcher, test, models)
        pooled += judged
        decided += [outcome(j, *pair) for j in judged]
    models = fit_models(matcher, asked)
    if not tune:
        return Fitted(models, rates(pooled, decided), folds, False)
    answer, clarify = fit_thresholds(pooled)
    calibration = replace(models, answer=answer, clarify=clarify)
    return Fitted(calibration, rates(pooled, decided), folds, True)


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 1.0
