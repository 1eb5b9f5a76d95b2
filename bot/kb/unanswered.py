"""The unanswered log as staff work through it: open questions grouped when alike (the
same question asked in other words, by many residents), and each group closed one way:
added as a paraphrase, made a new entry, answered by a person, or ignored. An ignored
question stays ignored: the same words asked again are not shown again."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
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


def open_questions(
    session: Session, communities: frozenset[str] | None, limit: int = 10_000
) -> list[tuple[UnansweredQuestion, str | None]]:
    """Open fallback questions, newest first, with the asker's community; with
    `communities`, only those of residents of these communities."""
    statement = (
        select(UnansweredQuestion, User.community_id)
        .join(User, col(User.id) == UnansweredQuestion.user_id)
        .where(UnansweredQuestion.kind == "fallback", col(UnansweredQuestion.resolved_at).is_(None))
        .order_by(col(UnansweredQuestion.id).desc())
        .limit(limit)
    )
    if communities is not None:
        statement = statement.where(col(User.community_id).in_(sorted(communities)))
    return [(row, community) for row, community in session.exec(statement).all()]


def grouped(
    session: Session, communities: frozenset[str] | None, limit: int = 10_000
) -> list[Group]:
    """The open questions in groups of alike ones, the most asked first (ignored words
    left out)."""
    ignored = _ignored_keys(session)
    groups: list[Group] = []
    keys: list[str] = []
    for row, community in open_questions(session, communities, limit):
        key = normalize(row.text)
        if key in ignored:
            continue
        found = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=ALIKE)
        if found is None:
            group = Group(text=row.text, key=key, latest=row.created_at)
            groups.append(group)
            keys.append(key)
        else:
            group = groups[found[2]]
        assert row.id is not None
        group.ids.append(row.id)
        group.communities.add(community)
        if row.best_entry_id:
            group.best[row.best_entry_id] += 1
        group.confidence = max(group.confidence, row.confidence or 0.0)
    groups.sort(key=lambda g: (-g.count, -(g.latest.timestamp() if g.latest else 0)))
    return groups


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
