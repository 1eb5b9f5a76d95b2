"""Notices that could not be pushed (outside WeChat's window, no template) wait here: the
resident's next message says how many, and "通知" shows them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.outbox.models import Outbox


def unread(session: Session, user_id: int) -> Sequence[Outbox]:
    """Undelivered notices the resident has not read yet, oldest first."""
    return session.exec(
        select(Outbox)
        .where(
            Outbox.user_id == user_id,
            Outbox.status == "undeliverable",
            col(Outbox.read_at).is_(None),
            Outbox.kind != "late_reply",
        )
        .order_by(col(Outbox.id))
    ).all()


def announce(session: Session, user_id: int, now: dt.datetime) -> int:
    """How many unread notices are new since the last mention (and mark them mentioned)."""
    fresh = [row for row in unread(session, user_id) if row.announced_at is None]
    for row in fresh:
        row.announced_at = now
        session.add(row)
    return len(fresh)


def read_all(session: Session, user_id: int, now: dt.datetime) -> list[str]:
    """The texts of the unread notices, now marked read."""
    texts = []
    for row in unread(session, user_id):
        texts += [str(r["text"]) for r in row.payload.get("replies", [])]
        row.read_at = now
        session.add(row)
    return texts
