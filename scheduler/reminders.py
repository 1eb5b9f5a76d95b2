"""Reminders: one APScheduler job per (activity, offset) in the database job store. A job
carries ids only; when it fires it re-reads the database and queues a reminder for every
registration confirmed at that moment. A unique ReminderLog row per (registration, offset)
makes each reminder queued once — never twice — and one that comes too late is recorded as
missed, never sent late and wrong.

On SQLite a write transaction holds the database lock, and the job store writes through its
own connection: so planning reads in one short session, then changes jobs with no session
open.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from bot.activities import messages
from bot.activities.models import Activity, Phase, Registration, ReminderLog, ReminderRun, Seat
from bot.db import insert_rows, session_scope
from bot.outbox.notifier import Notifier
from scheduler.runtime import Runtime

logger = logging.getLogger(__name__)
_EARLY = dt.timedelta(seconds=2)  # fired this much before its due time: the activity moved


def job_id(activity_id: int, offset: float) -> str:
    """The job's id: one job per activity and offset, however often it is planned."""
    return f"reminder:{activity_id}:{offset:g}"


def planned(engine: Engine) -> list[dict[str, object]]:
    """The reminder jobs waiting in the job store, soonest first (`linli reminders list`)."""
    query = text(
        "SELECT id, next_run_time FROM apscheduler_jobs WHERE id LIKE 'reminder:%' "
        "ORDER BY next_run_time"
    )
    with Session(engine) as session:
        try:
            rows = session.execute(query).all()
        except DBAPIError:  # no job store yet: nothing is planned
            return []
    out: list[dict[str, object]] = []
    for key, when in rows:
        _, activity, offset = str(key).split(":")
        due = dt.datetime.fromtimestamp(float(when), dt.UTC)
        out.append({
            "job": key, "activity": int(activity), "offset_minutes": float(offset),
            "due": due.isoformat(),
        })  # fmt: skip
    return out


def send_reminders(activity_id: int, offset: float, *, runtime: Runtime | None = None) -> str:
    """The job: queue this offset's reminder for everyone confirmed, if still on time. The job
    store keeps only the two ids; the service's executor passes `runtime` (APScheduler checks
    a job's arguments when it is added, before any executor: hence the default)."""
    if runtime is None:
        raise RuntimeError("reminder jobs run in the scheduler service, which passes runtime=")
    rt = runtime
    now = rt.clock()
    grace = dt.timedelta(minutes=rt.settings.activities.misfire_grace_minutes)
    with session_scope(rt.engine) as session:
        found = session.get(Activity, activity_id)
        if found is None or found.status != Phase.PUBLISHED:
            return "skipped"
        due = found.starts_at - dt.timedelta(minutes=offset)
        ran = session.exec(
            select(ReminderRun.id).where(
                ReminderRun.activity_id == activity_id,
                ReminderRun.offset_minutes == offset,
                ReminderRun.due_at == due,
            )
        ).first()
        if ran is not None:
            return "done"  # this job already ran (a second firing sends nothing)
        if now >= due - _EARLY:
            late = now > due + grace
            outcome, count = _run(session, rt.notifier, found, offset, due, late, now)
            rt.metrics.reminded(outcome, count, (now - due).total_seconds())
            return outcome
    rt.plan(activity_id)  # the activity moved later: its job moves with it
    return "moved"


def _run(
    session: Session,
    notifier: Notifier,
    found: Activity,
    offset: float,
    due: dt.datetime,
    late: bool,
    now: dt.datetime,
) -> tuple[str, int]:
    """Queue (or, too late, record as missed) the reminder of every confirmed registration
    that has none for this offset; then record that the job ran. Returns the outcome and
    how many reminders it concerned."""
    outcome = "missed" if late else "queued"
    # it was never due for someone who signed up after its time
    concerned = [r for r in _awaiting(session, found.id or 0, offset)
                 if not (late and r.created_at > due)]  # fmt: skip
    if concerned:
        insert_rows(session, ReminderLog, [
            {"registration_id": r.id, "offset_minutes": offset, "due_at": due,
             "outcome": outcome, "recorded_at": now}
            for r in concerned
        ])  # fmt: skip
    if not late:  # queued together: one job reaches a whole activity (bench_reminders.py)
        messages.reminders(notifier, session, concerned, found, offset)
    session.add(ReminderRun(
        activity_id=found.id or 0, offset_minutes=offset, due_at=due, outcome=outcome, ran_at=now,
    ))  # fmt: skip
    if late:
        logger.warning(
            "reminders %s due at %s recorded as missed", job_id(found.id or 0, offset), due
        )
    return outcome, len(concerned)


def _awaiting(session: Session, activity_id: int, offset: float) -> list[Registration]:
    """Confirmed registrations that have no record for this offset yet."""
    # correlated on the (registration, offset) unique index: not a scan of every log so far
    done = select(ReminderLog.id).where(
        ReminderLog.registration_id == Registration.id, ReminderLog.offset_minutes == offset
    )
    return list(
        session.exec(
            select(Registration).where(
                Registration.activity_id == activity_id,
                Registration.status == Seat.CONFIRMED,
                ~done.exists(),
            )
        ).all()
    )


@dataclass
class _Actions:
    add: list[tuple[str, dt.datetime, int, float]] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)


@dataclass
class Planner:
    """Keeps the job store in step with the activities, reading what exists in bulk."""

    engine: Engine
    scheduler: BaseScheduler
    offsets: list[float]
    grace: dt.timedelta

    def plan_upcoming(self, now: dt.datetime) -> int:
        """Plan every activity not yet started (at start-up). Returns jobs added or moved."""
        with Session(self.engine) as session:
            ids = session.exec(
                select(Activity.id).where(Activity.starts_at > now - self.grace)
            ).all()
        return self.plan([i for i in ids if i is not None], now)

    def plan_changed(self, since: dt.datetime, now: dt.datetime) -> int:
        """Plan activities created or changed since `since`."""
        with Session(self.engine) as session:
            ids = session.exec(select(Activity.id).where(Activity.updated_at >= since)).all()
        return self.plan([i for i in ids if i is not None], now)

    def plan(self, activity_ids: Iterable[int], now: dt.datetime) -> int:
        """Add, move or remove jobs so each activity has one per offset at the right time.
        A due time already past (the server was down) is planned for now: the job then sends
        within the grace, or records the reminders as missed. Returns jobs added or moved."""
        ids = list(activity_ids)
        actions = _Actions()
        for start in range(0, len(ids), 500):
            self._decide(ids[start : start + 500], now, actions)
        for key in actions.remove:
            with contextlib.suppress(JobLookupError):  # it ran, or was removed, meanwhile
                self.scheduler.remove_job(key)
        for key, run_at, activity_id, offset in actions.add:
            # misfire_grace_time=None: APScheduler always runs a late job; the job itself
            # decides between sending (within the grace) and recording "missed"
            self.scheduler.add_job(
                send_reminders, "date", run_date=run_at, args=[activity_id, offset], id=key,
                replace_existing=True, misfire_grace_time=None, coalesce=True,
            )  # fmt: skip
        return len(actions.add)

    def _decide(self, ids: list[int], now: dt.datetime, actions: _Actions) -> None:
        with Session(self.engine) as session:
            found = session.exec(select(Activity).where(col(Activity.id).in_(ids))).all()
            existing = _job_times(session, [job_id(i, o) for i in ids for o in self.offsets])
            ran = {
                (r.activity_id, r.offset_minutes, r.due_at)
                for r in session.exec(
                    select(ReminderRun).where(col(ReminderRun.activity_id).in_(ids))
                ).all()
            }
        for activity in found:
            for offset in self.offsets:
                key = job_id(activity.id or 0, offset)
                due = activity.starts_at - dt.timedelta(minutes=offset)
                wanted = (
                    activity.status == Phase.PUBLISHED
                    and (activity.id, offset, due) not in ran
                    and due >= activity.created_at  # never due if created after its time
                )
                if not wanted:
                    if key in existing:
                        actions.remove.append(key)
                    continue
                run_at = max(due, now)
                if abs(existing.get(key, -1.0) - run_at.timestamp()) > 0.001:
                    actions.add.append((key, run_at, activity.id or 0, offset))


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
