"""Outbox delivery: each pushed message sent once through its user's channel, within that
channel's rate, retried with back-off, and its outcome recorded."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import DeliverySettings
from bot.db import session_scope
from bot.errors import ChannelError, Undeliverable
from bot.models import ChannelIdentity, Outbox, User, utcnow

logger = logging.getLogger(__name__)
_BATCH = 200
# (outbox row id, sent | undeliverable | retry, error, route taken, seconds the channel asked
# us to wait before trying again)
Result = tuple[int, str, str | None, str | None, float | None]


class Sender(Protocol):
    """Sends pushed messages on one channel."""

    channel: str
    per_second: float

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        """Send; returns the route taken (usually the channel's name). Raises ChannelError
        (retry later) or Undeliverable (give up, recording why)."""


class ConsoleSender:
    """The terminal channel: messages are appended to a log a chat session reads."""

    channel = "console"

    def __init__(self, log: Path, per_second: float):
        self.log = log
        self.per_second = per_second
        self._lock = threading.Lock()

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        """Append one JSON line per message."""
        record = {
            "user": identity.external_id,
            "kind": kind,
            "text": "\n".join(texts),
            "at": time.time(),
        }
        with self._lock, self.log.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return self.channel


@dataclass
class _Bucket:
    """A token bucket: at most `rate` sends a second on one channel."""

    rate: float
    next_free: float = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        if self.next_free > now:
            time.sleep(self.next_free - now)
        self.next_free = max(now, self.next_free) + 1.0 / self.rate


class Delivery:
    """Delivers due outbox rows. One instance runs in the process holding the scheduler lease."""

    def __init__(self, engine: Engine, senders: Mapping[str, Sender], settings: DeliverySettings):
        self.engine = engine
        self.senders = dict(senders)
        self.settings = settings
        self._buckets = {name: _Bucket(s.per_second) for name, s in senders.items()}

    def recover(self) -> int:
        """After a crash, rows caught mid-send may or may not have gone out: they are marked
        'unknown' for staff, never sent a second time. Returns how many."""
        with session_scope(self.engine) as session:
            stuck = session.exec(select(Outbox).where(Outbox.status == "sending")).all()
            for row in stuck:
                row.status, row.last_error = "unknown", "interrupted while sending"
                session.add(row)
        return len(stuck)

    def run_once(self, now: dt.datetime) -> int:
        """Send every due message, a batch at a time: claim (one transaction), send, record
        the outcomes (one transaction). Returns how many were handled."""
        handled = 0
        while True:
            claimed = self._claim(now)
            with Session(self.engine) as session:
                reach = _identities(
                    session, {user_id for _, user_id, _, _ in claimed}, self.senders
                )
            outcomes = [self._deliver(row_id, reach.get(user_id), texts, kind)
                        for row_id, user_id, texts, kind in claimed]  # fmt: skip
            self._record(outcomes, now)
            handled += len(claimed)
            if len(claimed) < _BATCH:
                return handled

    def _claim(self, now: dt.datetime) -> list[tuple[int, int, list[str], str]]:
        """Mark a batch of due rows 'sending' (committed before anything is sent)."""
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(Outbox)
                .where(Outbox.status == "pending", Outbox.next_attempt_at <= now)
                .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
                .limit(_BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            claimed = []
            for row in rows:
                row.status = "sending"
                session.add(row)
                texts = [str(r["text"]) for r in row.payload.get("replies", [])]
                claimed.append((row.id or 0, row.user_id, texts, row.kind))
            return claimed

    def _deliver(
        self, row_id: int, identity: ChannelIdentity | None, texts: list[str], kind: str
    ) -> Result:
        """Send one message and say how it went."""
        channel = identity.channel if identity else None
        try:
            if identity is None:
                raise Undeliverable("no channel this user can be reached on")
            self._buckets[identity.channel].wait()
            route = self.senders[identity.channel].send(identity, texts, kind)
        except Undeliverable as exc:
            return row_id, "undeliverable", str(exc), channel, None
        except ChannelError as exc:
            return row_id, "retry", str(exc), channel, exc.retry_after
        except Exception as exc:  # a bug in a sender: record it, keep delivering the rest
            logger.exception("sender failed for outbox row %s", row_id)
            return row_id, "retry", exc.__class__.__name__, channel, None
        return row_id, "sent", None, route, None

    def _record(self, outcomes: list[Result], now: dt.datetime) -> None:
        if not outcomes:
            return
        sent_at = max(now, utcnow())
        with session_scope(self.engine) as session:
            rows = {
                row.id: row
                for row in session.exec(
                    select(Outbox).where(col(Outbox.id).in_([o[0] for o in outcomes]))
                ).all()
            }
            for row_id, status, error, channel, retry_after in outcomes:
                row = rows.get(row_id)
                if row is None:
                    continue
                row.attempts += 1
                row.channel, row.last_error = channel, error
                if status == "retry":
                    backoff = self.settings.backoff_seconds * 2 ** (row.attempts - 1)
                    wait = backoff if retry_after is None else retry_after  # the channel said
                    failed = row.attempts >= self.settings.max_attempts
                    row.status = "failed" if failed else "pending"
                    row.next_attempt_at = now + dt.timedelta(seconds=wait)
                else:
                    row.status = status
                    row.sent_at = sent_at if status == "sent" else None
                session.add(row)


def _identities(
    session: Session, user_ids: set[int], senders: Mapping[str, Sender]
) -> dict[int, ChannelIdentity]:
    """For each user, the identity to reach them on: the most recently linked one we have a
    sender for."""
    found: dict[int, ChannelIdentity] = {}
    if not user_ids:
        return found
    preferred = dict(
        session.exec(
            select(User.id, User.preferred_channel).where(col(User.id).in_(user_ids))
        ).all()
    )
    identities = session.exec(
        select(ChannelIdentity)
        .where(col(ChannelIdentity.user_id).in_(user_ids))
        .order_by(col(ChannelIdentity.id).desc())
    ).all()
    for identity in identities:
        if identity.channel not in senders:
            continue
        if identity.channel == preferred.get(identity.user_id) or identity.user_id not in found:
            found[identity.user_id] = identity
    return found
