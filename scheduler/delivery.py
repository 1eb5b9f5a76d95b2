"""Outbox delivery: each pushed message sent once through its user's channel, within that
channel's rate, retried with back-off, and its outcome recorded."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import update
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


class _Bucket:
    """A token bucket shared by the workers: at most `rate` sends a second on one channel."""

    def __init__(self, rate: float):
        self.rate = rate
        self.next_free = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + 1.0 / self.rate
        if start > now:
            time.sleep(start - now)


def _never() -> bool:
    return False


class Delivery:
    """Delivers due outbox rows. One instance runs in the process holding the scheduler lease.

    A row goes pending → claimed (a batch, committed) → sending (committed just before its own
    send) → its outcome. After a crash, claimed rows go back to pending and the rows caught
    mid-send (at most one per worker) become 'unknown': never sent twice.
    """

    def __init__(self, engine: Engine, senders: Mapping[str, Sender], settings: DeliverySettings):
        self.engine = engine
        self.senders = dict(senders)
        self.settings = settings
        self._buckets = {name: _Bucket(s.per_second) for name, s in senders.items()}

    def recover(self) -> int:
        """After a crash: claimed rows are pending again; rows caught mid-send may or may not
        have gone out, so they are marked 'unknown' for staff. Returns how many were unknown."""
        with session_scope(self.engine) as session:
            for row in session.exec(select(Outbox).where(Outbox.status == "claimed")).all():
                row.status = "pending"
                session.add(row)
            stuck = session.exec(select(Outbox).where(Outbox.status == "sending")).all()
            for row in stuck:
                row.status, row.last_error = "unknown", "interrupted while sending"
                session.add(row)
        return len(stuck)

    def run_once(
        self, now: dt.datetime, stop: Callable[[], bool] = _never, budget: float | None = None
    ) -> int:
        """Send due messages a batch at a time until none is due, `stop()` says so or
        `budget` seconds have passed (checked between messages: the caller must renew its
        lease in time, or another process would take over rows this one still holds).
        Returns how many were handled."""
        handled, deadline = 0, time.monotonic() + (budget if budget is not None else 1e12)

        def enough() -> bool:
            return stop() or time.monotonic() >= deadline

        while not enough():
            claimed = self._claim(now)
            if not claimed:
                break
            with Session(self.engine) as session:
                reach = _identities(session, {c.user_id for c in claimed}, self.senders)
            done, unsent = self._send_batch(claimed, reach, now, enough)
            handled += done
            self._release(unsent)
            if len(claimed) < _BATCH:
                break
        return handled

    def _send_batch(
        self, claimed: list[_Claim], reach: dict[int, ChannelIdentity], now: dt.datetime,
        stop: Callable[[], bool],
    ) -> tuple[int, list[int]]:  # fmt: skip
        """Workers share the batch; one user's messages stay in one lane, in order."""
        lanes: list[list[_Claim]] = [[] for _ in range(self.settings.workers)]
        for claim in claimed:
            lanes[claim.user_id % len(lanes)].append(claim)
        lanes = [lane for lane in lanes if lane]
        if len(lanes) == 1:
            results = [self._lane(lanes[0], reach, now, stop)]
        else:
            with ThreadPoolExecutor(len(lanes), thread_name_prefix="delivery") as pool:
                results = list(pool.map(lambda lane: self._lane(lane, reach, now, stop), lanes))
        return sum(done for done, _ in results), [i for _, left in results for i in left]

    def _lane(
        self, lane: list[_Claim], reach: dict[int, ChannelIdentity], now: dt.datetime,
        stop: Callable[[], bool],
    ) -> tuple[int, list[int]]:  # fmt: skip
        """Send one lane's messages; each outcome and the next 'sending' mark share a commit."""
        previous: Result | None = None
        for done, claim in enumerate(lane):
            if stop():
                self._settle(previous, None, now)
                return done, [c.row_id for c in lane[done:]]
            self._settle(previous, claim.row_id, now)
            previous = self._deliver(claim, reach.get(claim.user_id))
        self._settle(previous, None, now)
        return len(lane), []

    def _claim(self, now: dt.datetime) -> list[_Claim]:
        """Mark a batch of due rows 'claimed' (committed before anything is sent)."""
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
                row.status = "claimed"
                session.add(row)
                texts = [str(r["text"]) for r in row.payload.get("replies", [])]
                claimed.append(_Claim(row.id or 0, row.user_id, texts, row.kind))
            return claimed

    def _release(self, row_ids: list[int]) -> None:
        """Claimed rows not sent (we were told to stop) are pending again."""
        if not row_ids:
            return
        with session_scope(self.engine) as session:
            for row in session.exec(select(Outbox).where(col(Outbox.id).in_(row_ids))).all():
                if row.status == "claimed":
                    row.status = "pending"
                    session.add(row)

    def _deliver(self, claim: _Claim, identity: ChannelIdentity | None) -> Result:
        """Send one message and say how it went."""
        channel = identity.channel if identity else None
        try:
            if identity is None:
                raise Undeliverable("no channel this user can be reached on")
            self._buckets[identity.channel].wait()
            route = self.senders[identity.channel].send(identity, claim.texts, claim.kind)
        except Undeliverable as exc:
            return claim.row_id, "undeliverable", str(exc), channel, None
        except ChannelError as exc:
            return claim.row_id, "retry", str(exc), channel, exc.retry_after
        except Exception as exc:  # a bug in a sender: record it, keep delivering the rest
            logger.exception("sender failed for outbox row %s", claim.row_id)
            return claim.row_id, "retry", exc.__class__.__name__, channel, None
        return claim.row_id, "sent", None, route, None

    def _settle(self, outcome: Result | None, next_id: int | None, now: dt.datetime) -> None:
        """Record one outcome and mark the next row 'sending', in one transaction."""
        if outcome is None and next_id is None:
            return
        with session_scope(self.engine) as session:
            if outcome is not None:
                self._record(session, outcome, now)
            if next_id is not None:
                session.execute(
                    update(Outbox).where(col(Outbox.id) == next_id).values(status="sending")
                )

    def _record(self, session: Session, outcome: Result, now: dt.datetime) -> None:
        row_id, status, error, channel, retry_after = outcome
        if status != "retry":  # the common case, without loading the row
            session.execute(
                update(Outbox).where(col(Outbox.id) == row_id).values(
                    status=status, channel=channel, last_error=error,
                    attempts=col(Outbox.attempts) + 1,
                    sent_at=max(now, utcnow()) if status == "sent" else None,
                )
            )  # fmt: skip
            return
        row = session.get(Outbox, row_id)
        if row is None:
            return
        row.attempts += 1
        row.channel, row.last_error = channel, error
        backoff = self.settings.backoff_seconds * 2 ** (row.attempts - 1)
        wait = backoff if retry_after is None else retry_after  # the channel said
        row.status = "failed" if row.attempts >= self.settings.max_attempts else "pending"
        row.next_attempt_at = now + dt.timedelta(seconds=wait)
        session.add(row)


@dataclass(frozen=True)
class _Claim:
    """A claimed outbox row: what to send to whom."""

    row_id: int
    user_id: int
    texts: list[str]
    kind: str


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
