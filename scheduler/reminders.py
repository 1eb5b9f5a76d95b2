"""Reminders: one APScheduler job per (registration, offset) in the database job store. Jobs
carry ids only; when one fires it re-reads the database, and a unique ReminderLog row makes
sure each reminder is queued once — never twice, never late and wrong.

On SQLite a write transaction holds the database lock, and the job store writes through its
own connection: so planning reads in one short session, then changes jobs with no session
open, then records what it must in another short one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import bindparam, or_, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import session_scope
from bot.models import Activity, Registration, ReminderLog
from scheduler import runtime

logger = logging.getLogger(__name__)
_EARLY = dt.timedelta(seconds=2)  # fired this much before its due time: the activity moved


def job_id(registration_id: int, offset: float) -> str:
    """The job's id: the same reminder is one job however often it is planned."""
    return f"reminder:{registration_id}:{offset:g}"


def send_reminder(registration_id: int, offset: float) -> str:
    """The job: queue the reminder if it is still wanted and on time. Returns what it did."""
    rt = runtime.current()
    now = rt.clock()
    grace = dt.timedelta(minutes=rt.settings.activities.misfire_grace_minutes)
    with session_scope(rt.engine) as session:
        registration = session.get(Registration, registration_id)
        found = session.get(Activity, registration.activity_id) if registration else None
        if registration is None or found is None:
            return "gone"
        due = found.starts_at - dt.timedelta(minutes=offset)
        if registration.status != "confirmed" or found.status != "published":
            return _log(session, registration_id, offset, due, "skipped")
        if now > due + grace:
            return _log(session, registration_id, offset, due, "missed")
        moved = now < due - _EARLY
        if not moved:
            outcome = _log(session, registration_id, offset, due, "queued")
            if outcome == "queued":
                rt.notifier.reminder(session, registration, found, offset)
            return outcome
    rt.plan(registration_id)  # the activity moved later: its job moves with it
    return "moved"


@dataclass
class _Actions:
    add: list[tuple[str, dt.datetime, int, float]] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    missed: list[tuple[int, float, dt.datetime]] = field(default_factory=list)


@dataclass
class Planner:
    """Keeps the job store in step with the registrations, reading what exists in bulk."""

    engine: Engine
    scheduler: BaseScheduler
    offsets: list[float]
    grace: dt.timedelta

    def plan_upcoming(self, now: dt.datetime) -> int:
        """Plan every registration of an activity not yet over the grace (at start-up)."""
        with Session(self.engine) as session:
            ids = session.exec(
                select(Registration.id)
                .join(Activity, col(Activity.id) == Registration.activity_id)
                .where(Activity.starts_at > now - self.grace)
            ).all()
        return self.plan([i for i in ids if i is not None], now)

    def plan_changed(self, since: dt.datetime, now: dt.datetime) -> int:
        """Plan registrations that changed, or whose activity changed, since `since`."""
        with Session(self.engine) as session:
            moved = select(Activity.id).where(Activity.updated_at >= since)
            ids = session.exec(
                select(Registration.id).where(
                    or_(
                        col(Registration.updated_at) >= since,
                        col(Registration.activity_id).in_(moved),
                    )
                )
            ).all()
        return self.plan([i for i in ids if i is not None], now)

    def plan(self, registration_ids: Iterable[int], now: dt.datetime) -> int:
        """Add, move or remove jobs so each wanted reminder has one at the right time.
        Returns how many jobs were added or moved."""
        ids = list(registration_ids)
        actions = _Actions()
        for start in range(0, len(ids), 500):
            self._decide(ids[start : start + 500], now, actions)
        for key in actions.remove:
            with contextlib.suppress(JobLookupError):  # it ran, or was removed, meanwhile
                self.scheduler.remove_job(key)
        grace = max(1, int(self.grace.total_seconds()))
        for key, run_at, registration_id, offset in actions.add:
            self.scheduler.add_job(
                send_reminder, "date", run_date=run_at, args=[registration_id, offset], id=key,
                replace_existing=True, misfire_grace_time=grace,
            )  # fmt: skip
        if actions.missed:
            with session_scope(self.engine) as session:
                for registration_id, offset, due in actions.missed:
                    _log(session, registration_id, offset, due, "missed")
        return len(actions.add)

    def _decide(self, ids: list[int], now: dt.datetime, actions: _Actions) -> None:
        with Session(self.engine) as session:
            rows = session.exec(
                select(Registration, Activity)
                .join(Activity, col(Activity.id) == Registration.activity_id)
                .where(col(Registration.id).in_(ids))
            ).all()
            logged = set(
                session.exec(
                    select(ReminderLog.registration_id, ReminderLog.offset_minutes).where(
                        col(ReminderLog.registration_id).in_(ids)
                    )
                ).all()
            )
            existing = _job_times(session, [job_id(i, o) for i in ids for o in self.offsets])
        for registration, found in rows:
            wanted = registration.status == "confirmed" and found.status == "published"
            for offset in self.offsets:
                key = job_id(registration.id or 0, offset)
                due = found.starts_at - dt.timedelta(minutes=offset)
                if not wanted or (registration.id, offset) in logged:
                    if key in existing:
                        actions.remove.append(key)
                elif due + self.grace < now:  # should have gone while nobody ran: say so
                    actions.missed.append((registration.id or 0, offset, due))
                elif abs(existing.get(key, -1.0) - max(due, now).timestamp()) > 0.001:
                    actions.add.append((key, max(due, now), registration.id or 0, offset))


def _job_times(session: Session, keys: list[str]) -> dict[str, float]:
    """Next run times (epoch seconds) of these jobs, read straight from the job store."""
    query = text("SELECT id, next_run_time FROM apscheduler_jobs WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    times: dict[str, float] = {}
    for start in range(0, len(keys), 500):
        rows = session.execute(query, {"ids": keys[start : start + 500]}).all()
        times.update({str(key): float(when) for key, when in rows if when is not None})
    return times


def _log(
    session: Session, registration_id: int, offset: float, due: dt.datetime, outcome: str
) -> str:
    """Record what became of a reminder; whatever got there first stands (unique row)."""
    exists = session.exec(
        select(ReminderLog.id).where(
            ReminderLog.registration_id == registration_id, ReminderLog.offset_minutes == offset
        )
    ).first()
    if exists is not None:
        return "duplicate"
    savepoint = session.begin_nested()
    try:
        row = ReminderLog(
            registration_id=registration_id, offset_minutes=offset, due_at=due, outcome=outcome
        )
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return "duplicate"
    savepoint.commit()
    if outcome == "missed":
        key = job_id(registration_id, offset)
        logger.warning("reminder %s was due at %s: recorded as missed, not sent late", key, due)
    return outcome
