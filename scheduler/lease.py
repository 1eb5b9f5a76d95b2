"""One scheduler for all processes: a lease row in the database decides who runs it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.db import session_scope
from bot.models import SCHEDULER_LEASE, SchedulerLease

NAME = SCHEDULER_LEASE


def acquire(engine: Engine, owner: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """Take or renew the lease. True when `owner` holds it until now + ttl.

    The row is locked while it is read (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite),
    so two processes can never both see it free.
    """
    try:
        with session_scope(engine) as session:
            lease = session.exec(
                select(SchedulerLease).where(SchedulerLease.name == NAME).with_for_update()
            ).first()
            if lease is None:
                session.add(SchedulerLease(name=NAME, owner=owner, expires_at=now + ttl))
                return True
            if lease.owner != owner and lease.expires_at > now:
                return False
            lease.owner, lease.expires_at = owner, now + ttl
            session.add(lease)
            return True
    except IntegrityError:  # another process inserted the first lease at the same moment
        return False


def release(engine: Engine, owner: str) -> None:
    """Give the lease up (on a clean shutdown) so a standby takes over at once."""
    with session_scope(engine) as session:
        lease = session.get(SchedulerLease, NAME)
        if lease is not None and lease.owner == owner:
            session.delete(lease)
