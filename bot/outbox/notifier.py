"""Pushed messages (not replies): queued in the outbox once, delivered by the delivery job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.clock import Clock
from bot.db import added_once
from bot.outbox.models import Outbox
from bot.types import Reply

logger = logging.getLogger(__name__)


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
        payload: dict[str, Any] = {"replies": [{"text": r.as_text()} for r in replies]}
        now = self.clock()
        row = Outbox(
            user_id=user_id, kind=kind, dedupe_key=key, payload=payload, ref=ref,
            next_attempt_at=due or now, created_at=now,
        )  # fmt: skip
        return added_once(session, row)  # False: queued by a concurrent transaction
