"""The unanswered log as staff work through it: open questions grouped when alike (the
same question asked in other words, by many residents), and each group closed one way:
added as a paraphrase, made a new entry, answered by a person, or ignored. An ignored
question stays ignored: the same words asked again are not shown again."""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.kb.models import UnansweredQuestion
from bot.models import User
from knowledge.normalize import normalize

RESOLUTIONS = ("paraphrase", "new_entry", "answered", "ignored")
ALIKE = 80  # rapidfuzz ratio (0..100) of the normalised texts at which two questions group
_SHOWN_IGNORED = 5000  # ignored texts remembered when hiding repeats


@dataclass
class Group:
    """Alike open questions: the newest one's words stand for the group."""

    text: str
    key: str  # the normalised text the others were compared with
    ids: list[int] = field(default_factory=list)
    communities: set[str | None] = field(default_factory=set)
    best: Counter[str] = field(default_factory=Counter)  # the matcher's nearest entries
    latest: dt.datetime | None = None
    confidence: float = 0.0  # the highest the matcher gave any of them

    @property
    def count(self) -> int:
        """How many times it was asked."""
        return len(self.ids)

    @property
    def nearest(self) -> list[str]:
        """The entries the matcher found nearest, most often first."""
        return [entry_id for entry_id, _ in self.best.most_common()]


@dataclass(frozen=True)
class Open:
    """An open question as the inbox reads it."""

    id: int
    text: str
    best_entry_id: str | None
    confidence: float | None
    created_at: dt.datetime
    community: str | None  # the asker's


def open_questions(
    session: Session, communities: frozenset[str] | None, limit: int = 10_000
) -> list[Open]:
    """Open fallback questions, newest first, with the asker's community; with
    `communities`, only those of residents of these communities."""
    q = UnansweredQuestion
    statement = (
        sa_select(
            col(q.id),
            col(q.text),
            col(q.best_entry_id),
            col(q.confidence),
            col(q.created_at),
            col(User.community_id),
        )
        .join(User, col(User.id) == q.user_id)
        .where(col(q.kind) == "fallback", col(q.resolved_at).is_(None))
        .order_by(col(q.id).desc())
        .limit(limit)
    )
    if communities is not None:
        statement = statement.where(col(User.community_id).in_(sorted(communities)))
    return [Open(*row) for row in session.execute(statement).all()]


class Grouper:
    """Groups open questions, remembering which group each question fell into: a process
    compares a question with the others once, and later pages only place the new ones."""

    def __init__(self) -> None:
        self._alike = _Alike()
        self._placed: dict[int, tuple[int, str]] = {}  # question id -> (group number, key)
        self._lock = threading.Lock()

    def grouped(
        self, session: Session, communities: frozenset[str] | None, limit: int = 10_000
    ) -> list[Group]:
        """The open questions in groups of alike ones, the most asked first (words staff
        ignored before left out)."""
        ignored = _ignored_keys(session)
        rows = open_questions(session, communities, limit)
        with self._lock:
            places = [self._place(row) for row in rows]
        groups: dict[int, Group] = {}
        for row, (number, key) in zip(rows, places, strict=True):
            if key in ignored:
                continue
            group = groups.get(number)
            if group is None:  # the newest question's words stand for the group
                group = groups[number] = Group(text=row.text, key=key, latest=row.created_at)
            group.ids.append(row.id)
            group.communities.add(row.community)
            if row.best_entry_id:
                group.best[row.best_entry_id] += 1
            group.confidence = max(group.confidence, row.confidence or 0.0)
        ordered = list(groups.values())
        ordered.sort(key=lambda g: (-g.count, -(g.latest.timestamp() if g.latest else 0)))
        return ordered

    def _place(self, row: Open) -> tuple[int, str]:
        placed = self._placed.get(row.id)
        if placed is None:
            key = normalize(row.text)
            number = self._alike.find(key)
            placed = self._placed[row.id] = (
                self._alike.add(key) if number is None else number,
                key,
            )
        return placed


def grouped(
    session: Session, communities: frozenset[str] | None, limit: int = 10_000
) -> list[Group]:
    """The open questions in groups of alike ones (no memory of an earlier call)."""
    return Grouper().grouped(session, communities, limit)


class _Alike:
    """The groups' keys, indexed by their character pairs, so that a question is compared
    only with keys that can be 80% alike, not with every group (prefix filtering, as in
    similarity joins). Two texts of lengths a and b whose indel ratio is at least 0.8 keep
    at least 0.2 (a + b) - 1 >= a / 3 - 1 of the shorter one's character pairs (b is at least
    2a / 3); so a key of p pairs that needs t shared pairs is compared only with keys holding
    one of its p - t + 1 rarest pairs: the common ones ("怎么", "社区") are skipped."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.exact: dict[str, int] = {}
        self.pairs: dict[str, list[int]] = {}

    def find(self, key: str) -> int | None:
        """The group whose key is alike, or None."""
        if key in self.exact:
            return self.exact[key]
        pairs = sorted(_pairs(key), key=lambda pair: len(self.pairs.get(pair, ())))
        needed = max(1, math.ceil(len(key) / 3 - 1))
        near = {
            number
            for pair in pairs[: max(1, len(pairs) - needed + 1)]
            for number in self.pairs.get(pair, ())
        }
        if not near:
            return None
        found = process.extractOne(
            key, {number: self.keys[number] for number in near}, scorer=fuzz.ratio,
            score_cutoff=ALIKE,
        )  # fmt: skip
        return None if found is None else int(found[2])

    def add(self, key: str) -> int:
        """A new group for `key`; its number."""
        number = len(self.keys)
        self.keys.append(key)
        self.exact[key] = number
        for pair in _pairs(key):
            self.pairs.setdefault(pair, []).append(number)
        return number


def _pairs(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)} or {key}


def _ignored_keys(session: Session) -> set[str]:
    texts = session.exec(
        select(UnansweredQuestion.text)
        .where(UnansweredQuestion.resolution == "ignored")
        .order_by(col(UnansweredQuestion.id).desc())
        .limit(_SHOWN_IGNORED)
    ).all()
    return {normalize(text) for text in texts}


def visible(
    session: Session, ids: Iterable[int], communities: frozenset[str] | None
) -> Sequence[UnansweredQuestion]:
    """The open questions among `ids` that staff of `communities` may close."""
    statement = (
        select(UnansweredQuestion)
        .join(User, col(User.id) == UnansweredQuestion.user_id)
        .where(col(UnansweredQuestion.id).in_(sorted(set(ids))))
        .where(col(UnansweredQuestion.resolved_at).is_(None))
    )
    if communities is not None:
        statement = statement.where(col(User.community_id).in_(sorted(communities)))
    return session.exec(statement).all()


def resolve(
    rows: Sequence[UnansweredQuestion], resolution: str, by: int, now: dt.datetime
) -> list[int]:
    """Close these questions (rows of the caller's session); returns their ids."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}")
    for row in rows:
        row.resolved_at, row.resolution, row.resolved_by = now, resolution, by
    return [row.id for row in rows if row.id is not None]


def counts_since(
    session: Session, since: dt.datetime, communities: frozenset[str] | None
) -> dict[str, int]:
    """How many questions Linli could not answer and how many asked for a person since
    `since`, and how many of each are still open."""
    statement = (
        select(UnansweredQuestion.kind, UnansweredQuestion.resolved_at)
        .join(User, col(User.id) == UnansweredQuestion.user_id)
        .where(UnansweredQuestion.created_at >= since)
    )
    if communities is not None:
        statement = statement.where(col(User.community_id).in_(sorted(communities)))
    found = Counter[str]()
    for kind, resolved_at in session.exec(statement).all():
        found[kind] += 1
        if resolved_at is None:
            found[f"{kind}_open"] += 1
    return dict(found)
