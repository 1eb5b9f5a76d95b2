"""Outbox delivery: each pushed message sent once through its user's channel, within that
channel's rate, retried with back-off, and its outcome recorded."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.config import DeliverySettings
from bot.db import session_scope
from bot.errors import ChannelError, Undeliverable
from bot.files import private_file
from bot.metrics.registry import Metrics
from bot.models import ChannelIdentity, User
from bot.outbox.models import Outbox

logger = logging.getLogger(__name__)
_BATCH = 200
_WINDOW = 4  # a claim looks for unlocked users among this many batches of due rows
_IN_FLIGHT_MAX = 50  # rows marked 'sending' in one commit, at most
_INTERRUPTED = "interrupted while sending"
_BURST_SECONDS = 0.05  # how far sends may run ahead of a channel's even pace (`_Bucket`)
# (outbox row id, sent | undeliverable | retry, error, route taken, seconds the channel asked
# us to wait before trying again)
Result = tuple[int, str, str | None, str | None, float | None]


class Sender(Protocol):
    """Sends pushed messages on one channel."""

    channel: str
    per_second: float

    def prepare(self, identities: Sequence[ChannelIdentity]) -> None:
        """Before a batch: read at once what `send` would otherwise read for each of these
        (its identities on this channel), e.g. WeChat's customer-service quota."""

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
        self._private = False

    def prepare(self, identities: Sequence[ChannelIdentity]) -> None:
        """Nothing to read ahead: the log takes every message."""

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        """Append one JSON line per message."""
        record = {
            "user": identity.external_id,
            "kind": kind,
            "text": "\n".join(texts),
            "at": time.time(),
        }
        with self._lock:
            if not self._private:  # once: the log holds what residents were told
                private_file(self.log)
                self._private = True
            with self.log.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return self.channel


class _Bucket:
    """A token bucket shared by the workers: `rate` sends a second on one channel, in short
    bursts. A nap of 1/rate before every message cost more CPU than the message itself (each
    send after a nap runs on cold caches: 2.2 ms of CPU against 1.5 ms in bursts of 5, measured
    on PostgreSQL at 100/s), so a send may run up to `_BURST_SECONDS` ahead of the even pace:
    over any second at most 5 % (and one message) more than the rate, over a longer run the
    rate itself."""

    def __init__(self, rate: float):
        self.rate = rate
        self.next_free = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + 1.0 / self.rate
        if start - now > _BURST_SECONDS:
            time.sleep(start - now)


def _never() -> bool:
    return False


class Delivery:
    """Delivers due outbox rows. One instance runs in the process holding the scheduler lease.

    A row goes pending → claimed (a batch, committed) → sending (committed just before its
    send, with the few next ones on a fast channel: `_in_flight`) → its outcome. After a crash,
    claimed rows go back to pending and the rows caught mid-send (one per worker on WeChat,
    what a worker sends in `in_flight_seconds` on a faster channel) become 'unknown': never
    sent twice.
    """

    def __init__(
        self,
        engine: Engine,
        senders: Mapping[str, Sender],
        settings: DeliverySettings,
        clock: Clock,
        metrics: Metrics | None = None,
    ):
        self.engine = engine
        self.metrics = metrics or Metrics()
        self.clock = clock  # when a message went out (a delivery run takes a while)
        self.senders = dict(senders)
        self.settings = settings
        self._buckets = {name: _Bucket(s.per_second) for name, s in senders.items()}
        # every state change checks the row is still ours: after a lapsed lease another
        # process may have recovered and re-claimed it
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._runs = itertools.count(1)

    def recover(self, alive: Collection[str] = ()) -> int:
        """After a crash: rows claimed by a process not `alive` (owners, see
        `scheduler.lease.alive`; this one never counts) are pending again; rows it had
        mid-send may or may not have gone out, so they are 'unknown' for staff. Returns how
        many were unknown."""
        keep = set(alive) - {self.owner}
        with session_scope(self.engine) as session:
            held = session.exec(
                select(Outbox).where(col(Outbox.status).in_(("claimed", "sending")))
            ).all()
            stuck = 0
            for row in held:
                if row.claim is not None and row.claim.rsplit(":", 1)[0] in keep:
                    continue  # a live process is sending it
                if row.status == "claimed":
                    row.status, row.claim = "pending", None
                else:
                    row.status, row.last_error, row.claim = "unknown", _INTERRUPTED, None
                    self.metrics.deliveries.labels(row.channel or "none", "unknown").inc()
                    stuck += 1
                session.add(row)
        return stuck

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
            claim = f"{self.owner}:{next(self._runs)}"
            claimed = self._claim(now, claim)
            if not claimed:
                break
            try:
                with Session(self.engine) as session:
                    reach = _identities(session, {c.user_id for c in claimed}, self.senders)
                for name, sender in self.senders.items():
                    sender.prepare([i for i in reach.values() if i.channel == name])
                handled += self._send_batch(claimed, reach, now, enough)
            finally:  # whatever happened, nothing of this batch stays held
                self._release(claim)
            if len(claimed) < _BATCH:
                break
        return handled

    def _send_batch(
        self, claimed: list[_Claim], reach: dict[int, ChannelIdentity], now: dt.datetime,
        stop: Callable[[], bool],
    ) -> int:  # fmt: skip
        """Workers share the batch; one user's messages stay in one lane, in order."""
        lanes: list[list[_Claim]] = [[] for _ in range(self.settings.workers)]
        for claim in claimed:
            lanes[claim.user_id % len(lanes)].append(claim)
        lanes = [lane for lane in lanes if lane]
        if len(lanes) == 1:
            return self._lane(lanes[0], reach, now, stop)
        with ThreadPoolExecutor(len(lanes), thread_name_prefix="delivery") as pool:
            return sum(pool.map(lambda lane: self._lane(lane, reach, now, stop), lanes))

    def _lane(
        self, lane: list[_Claim], reach: dict[int, ChannelIdentity], now: dt.datetime,
        stop: Callable[[], bool],
    ) -> int:  # fmt: skip
        """Send one lane's messages a group at a time: the previous group's outcomes and the
        next group's 'sending' marks share a commit. Stops when told to, or when a row turns
        out not to be ours any more."""
        size, done = self._in_flight(lane, reach), 0
        previous: list[_Done] = []
        for start in range(0, len(lane), size):
            if stop():
                break
            group = lane[start : start + size]
            marked = self._settle(previous, group, now)
            previous = []
            for claim in marked:
                result = self._deliver(claim, reach.get(claim.user_id))
                self.metrics.deliveries.labels(result[3] or "none", result[1]).inc()
                previous.append((claim, result, self.clock()))
            done += len(marked)
            if len(marked) < len(group):
                break
        self._settle(previous, [], now)
        return done

    def _in_flight(self, lane: list[_Claim], reach: dict[int, ChannelIdentity]) -> int:
        """How many of a lane's rows are marked 'sending' in one commit: what the slowest of
        its channels sends in `in_flight_seconds` at one worker's share of its rate. On
        WeChat (20/s) that is 1: a crash leaves at most one message per worker 'unknown'; a
        fast channel is not held to a commit a message."""
        rates = [self.senders[i.channel].per_second for c in lane if (i := reach.get(c.user_id))]
        share = min(rates, default=1.0) / self.settings.workers
        return max(1, min(_IN_FLIGHT_MAX, int(share * self.settings.in_flight_seconds)))

    def _claim(self, now: dt.datetime, claim: str) -> list[_Claim]:
        """Mark a batch of due rows 'claimed' by this run (committed before anything is sent).

        Several processes may deliver at once (PostgreSQL): a user's rows are claimed together
        by one run, and only when none of theirs is in flight elsewhere, so each user's
        messages still go in order. Up to a batch of users with nothing in flight, among the
        next few batches' due rows, are locked (`SKIP LOCKED`: another claimer locks the next
        ones meanwhile instead of finding them all taken); then one `UPDATE ... RETURNING`
        claims their due rows, the in-flight check read again after the lock, where any claim
        committed before it is seen.
        """
        table = Outbox.__table__  # type: ignore[attr-defined]
        users_table = User.__table__  # type: ignore[attr-defined]
        due = (table.c.status == "pending", table.c.next_attempt_at <= now)
        other = table.alias("elsewhere")
        busy = other.c.status.in_(("claimed", "sending"))
        with self.engine.begin() as connection:
            window = (  # a range of the due index (an anti-join here would sort every due row)
                select(table.c.user_id).where(*due)
                .order_by(table.c.next_attempt_at, table.c.id).limit(_WINDOW * _BATCH)
            )  # fmt: skip
            idle = ~select(other.c.id).where(other.c.user_id == users_table.c.id, busy).exists()
            users = connection.scalars(
                select(users_table.c.id)
                .where(users_table.c.id.in_(window.scalar_subquery()), idle)
                .limit(_BATCH).with_for_update(skip_locked=True)
            ).all()  # fmt: skip
            if not users:
                return []
            in_flight = select(other.c.id).where(other.c.user_id == table.c.user_id, busy)
            batch = (
                select(table.c.id)
                .where(*due, table.c.user_id.in_(users), ~in_flight.exists())
                .order_by(table.c.next_attempt_at, table.c.id).limit(_BATCH)
                .with_for_update(of=table)
            )  # fmt: skip
            rows = connection.execute(
                update(table).where(table.c.id.in_(batch.scalar_subquery()))
                .values(status="claimed", claim=claim)
                .returning(table.c.id, table.c.user_id, table.c.kind, table.c.payload,
                           table.c.next_attempt_at)
            ).all()  # fmt: skip
        rows = sorted(rows, key=lambda r: (r.next_attempt_at, r.id))  # RETURNING has no order
        return [
            _Claim(r.id, r.user_id, [str(x["text"]) for x in r.payload.get("replies", [])],
                   r.kind, claim)
            for r in rows
        ]  # fmt: skip

    def _release(self, claim: str) -> None:
        """After a batch: its rows never tried are pending again; a row left 'sending' (an
        error between its send and its record) may have gone out, so it is 'unknown'."""
        with session_scope(self.engine) as session:
            mine = col(Outbox.claim) == claim
            session.execute(
                update(Outbox)
                .where(mine, col(Outbox.status) == "claimed")
                .values(status="pending", claim=None)
            )
            session.execute(
                update(Outbox)
                .where(mine, col(Outbox.status) == "sending")
                .values(status="unknown", last_error=_INTERRUPTED)
            )

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

    def _settle(
        self, previous: list[_Done], upcoming: list[_Claim], now: dt.datetime
    ) -> list[_Claim]:
        """Record the previous outcomes and mark the upcoming rows 'sending', in one
        transaction. Returns the upcoming rows still ours (only those may be sent)."""
        if not previous and not upcoming:
            return []
        with session_scope(self.engine) as session:
            self._record_finished(session, [d for d in previous if d[1][1] != "retry"], now)
            for claim, result, _ in previous:
                if result[1] == "retry":
                    self._record_retry(session, claim, result, now)
            if not upcoming:
                return []
            table = Outbox.__table__  # type: ignore[attr-defined]
            marked = set(session.connection().scalars(  # core: no ORM bulk-update pass
                update(table)
                .where(
                    table.c.id.in_([c.row_id for c in upcoming]),
                    table.c.status == "claimed", table.c.claim == upcoming[0].claim,
                )
                .values(status="sending")
                .returning(table.c.id)
            ).all())  # fmt: skip
            return [c for c in upcoming if c.row_id in marked]

    @staticmethod
    def _record_finished(session: Session, finished: list[_Done], now: dt.datetime) -> None:
        """Sent or undeliverable: one statement per outcome of the group (usually one: all
        sent), without loading the rows (a row recovered by another process meanwhile is not
        ours: it stays 'unknown'). A group's sent rows share the time its last send finished:
        a group is what a worker sends in `in_flight_seconds`, so that is how close it is."""
        outcomes: dict[tuple[str, str | None, str | None], list[int]] = {}
        finished_at = now
        for _, (row_id, status, error, channel, _), at in finished:
            outcomes.setdefault((status, channel, error), []).append(row_id)
            finished_at = max(finished_at, at)
        table = Outbox.__table__  # type: ignore[attr-defined]
        for (status, channel, error), ids in outcomes.items():
            session.connection().execute(
                update(table)
                .where(
                    table.c.id.in_(ids), table.c.status == "sending",
                    table.c.claim == finished[0][0].claim,
                )
                .values(
                    status=status, channel=channel, last_error=error, claim=None,
                    attempts=table.c.attempts + 1,
                    sent_at=finished_at if status == "sent" else None,
                )
            )  # fmt: skip

    def _record_retry(
        self, session: Session, claim: _Claim, outcome: Result, now: dt.datetime
    ) -> None:
        row_id, _, error, channel, retry_after = outcome
        ours = (
            col(Outbox.id) == row_id, col(Outbox.status) == "sending",
            col(Outbox.claim) == claim.claim,
        )  # fmt: skip
        row = session.exec(select(Outbox).where(*ours)).first()
        if row is None:  # recovered by another process meanwhile: it says 'unknown'
            return
        row.attempts += 1
        row.channel, row.last_error, row.claim = channel, error, None
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
    claim: str  # the delivery run that holds it


_Done = tuple[_Claim, Result, dt.datetime]  # a sent row, how it went, and when it finished


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
