"""One scheduler for all processes: a lease row in the database decides who runs it. Every
process that delivers the outbox also keeps a heartbeat row (`heartbeat`), so the leader can
tell the rows a dead process left claimed from the ones a live one is sending."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.db import session_scope
from bot.models import SCHEDULER_LEASE, SchedulerLease

NAME = SCHEDULER_LEASE
_HEARTBEAT = "alive:"  # a process's heartbeat row: this prefix and a digest of its owner


def acquire(
    engine: Engine, owner: str, now: dt.datetime, ttl: dt.timedelta, name: str = NAME
) -> bool:
    """Take or renew the lease `name`. True when `owner` holds it until now + ttl.

    The row is locked while it is read (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite),
    so two processes can never both see it free.
    """
    try:
        with session_scope(engine) as session:
            lease = session.exec(
                select(SchedulerLease).where(SchedulerLease.name == name).with_for_update()
            ).first()
            if lease is None:
                session.add(SchedulerLease(name=name, owner=owner, expires_at=now + ttl))
                return True
            if lease.owner != owner and lease.expires_at > now:
                return False
            lease.owner, lease.expires_at = owner, now + ttl
            session.add(lease)
            return True
    except IntegrityError:  # another process inserted the first lease at the same moment
        return False


def release(engine: Engine, owner: str, name: str = NAME) -> None:
    """Give the lease up (on a clean shutdown) so a standby takes over at once."""
    with session_scope(engine) as session:
        lease = session.get(SchedulerLease, name)
        if lease is not None and lease.owner == owner:
            session.delete(lease)


def heartbeat_name(owner: str) -> str:
    """The name of `owner`'s heartbeat row (names are short; owners are host:pid:id)."""
    return _HEARTBEAT + hashlib.sha256(owner.encode()).hexdigest()[:24]


def beat(engine: Engine, owner: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """Say `owner` is alive until now + ttl."""
    return acquire(engine, owner, now, ttl, heartbeat_name(owner))


def alive(engine: Engine, now: dt.datetime) -> set[str]:
    """The owners whose heartbeat has not expired."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(SchedulerLease.owner).where(
                col(SchedulerLease.name).startswith(_HEARTBEAT), SchedulerLease.expires_at > now
            )
        ).all()
    return set(rows)


def prune(engine: Engine, before: dt.datetime) -> None:
    """Forget heartbeats that expired before `before` (processes long gone)."""
    with session_scope(engine) as session:
        for row in session.exec(
            select(SchedulerLease).where(
                col(SchedulerLease.name).startswith(_HEARTBEAT), SchedulerLease.expires_at < before
            )
        ).all():
            session.delete(row)
