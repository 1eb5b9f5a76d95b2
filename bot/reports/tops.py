"""The most asked: the knowledge entries that answered most often, and the unanswered
questions asked most often (alike words counted together, mobile numbers masked), in a
report's window and community."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel import Session, col, func, select

from bot.kb.models import KnowledgeEntry, UnansweredQuestion
from bot.logs import mask_mobiles
from bot.models import ProcessedMessage
from bot.reports.figures import Scope, by_asker
from knowledge.normalize import normalize

TOP = 5
Asked = list[tuple[str, int]]  # (the question, how many times), most asked first


def top_answered(session: Session, scope: Scope, limit: int = TOP) -> Asked:
    """The entries that answered most often (by their canonical question)."""
    answer = col(ProcessedMessage.outcome)["answer_id"].as_string()
    intent = col(ProcessedMessage.outcome)["intent"].as_string()
    statement = (
        select(answer, func.count())
        .select_from(ProcessedMessage)
        .where(
            intent == "faq",
            answer.is_not(None),
            col(ProcessedMessage.created_at) >= scope.since,
            col(ProcessedMessage.created_at) < scope.until,
        )
        .group_by(answer)
        .order_by(func.count().desc(), answer)
        .limit(limit)
    )
    counted = [
        (str(entry), int(n))
        for entry, n in session.exec(by_asker(statement, ProcessedMessage.user_id, scope)).all()
    ]
    questions = dict(
        session.exec(
            select(KnowledgeEntry.id, KnowledgeEntry.question).where(
                col(KnowledgeEntry.id).in_([entry for entry, _ in counted])
            )
        ).all()
    )
    return [(questions.get(entry, entry), n) for entry, n in counted]


def top_unanswered(session: Session, scope: Scope, limit: int = TOP) -> Asked:
    """The unanswered questions asked most often: alike words (the same normalised text)
    together, shown in their latest words."""
    statement = (
        select(UnansweredQuestion.text)
        .where(
            col(UnansweredQuestion.kind) == "fallback",
            col(UnansweredQuestion.created_at) >= scope.since,
            col(UnansweredQuestion.created_at) < scope.until,
        )
        .order_by(col(UnansweredQuestion.id))
    )
    counts: Counter[str] = Counter()
    latest: dict[str, str] = {}
    rows: Any = session.exec(by_asker(statement, UnansweredQuestion.user_id, scope))
    for text in map(str, rows):
        key = normalize(text) or text
        counts[key] += 1
        latest[key] = text
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [(mask_mobiles(latest[key]), n) for key, n in ranked]
