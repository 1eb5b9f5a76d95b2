"""Pushed messages (not replies): queued in the outbox once, delivered by the delivery job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.db import added_once, insert_rows
from bot.outbox.models import Outbox
from bot.types import Reply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """One notice of a batch (`Notifier.send_many`): to whom, what kind, its key, the text."""

    user_id: int
    kind: str
    key: str
    replies: Sequence[Reply]


class Notifier:
    """Queues notices for users. Each notice has a key: the same key is queued once."""

    def __init__(self, zone: ZoneInfo, clock: Clock):
        self.zone = zone
        self.clock = clock  # notices are due "now" by the clock the rest of Linli runs on

    def send(
        self,
        session: Session,
        user_id: int,
        kind: str,
        key: str,
        replies: Sequence[Reply],
        due: dt.datetime | None = None,
        ref: str | None = None,
    ) -> bool:
        """Queue a notice. Returns False when a notice with this key was queued before.
        `ref` names what it belongs to ("shift:3"), for reports."""
        if session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).first() is not None:
            return False
        row = self._row(Notice(user_id, kind, key, replies), due, ref)
        return added_once(session, row)  # False: queued by a concurrent transaction

    def send_many(self, session: Session, notices: Sequence[Notice]) -> int:
        """Queue many notices in a few statements (a reminder to everyone in an activity);
        a key queued before is skipped. Returns how many were queued."""
        keys = [n.key for n in notices]
        queued_before: set[str] = set()
        for chunk in range(0, len(keys), 500):
            taken = col(Outbox.dedupe_key).in_(keys[chunk : chunk + 500])
            queued_before.update(session.exec(select(Outbox.dedupe_key).where(taken)).all())
        fresh = [n for n in notices if n.key not in queued_before]
        if not fresh:
            return 0
        now = self.clock()
        rows = [
            {"user_id": n.user_id, "kind": n.kind, "dedupe_key": n.key, "status": "pending",
             "payload": {"replies": [{"text": r.as_text()} for r in n.replies]}, "attempts": 0,
             "next_attempt_at": now, "created_at": now}
            for n in fresh
        ]  # fmt: skip
        savepoint = session.begin_nested()
        try:  # one statement, no objects built: a reminder job queues hundreds
            insert_rows(session, Outbox, rows)
        except IntegrityError:
            savepoint.rollback()  # one was queued by a concurrent transaction meanwhile
            return sum(self.send(session, n.user_id, n.kind, n.key, n.replies) for n in fresh)
        savepoint.commit()
        return len(fresh)

    def _row(
        self, notice: Notice, due: dt.datetime | None = None, ref: str | None = None
    ) -> Outbox:
        payload: dict[str, Any] = {"replies": [{"text": r.as_text()} for r in notice.replies]}
        now = self.clock()
        return Outbox(
            user_id=notice.user_id, kind=notice.kind, dedupe_key=notice.key, payload=payload,
            ref=ref, next_attempt_at=due or now, created_at=now,
        )  # fmt: skip
