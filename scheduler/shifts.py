"""Scheduled volunteer work, run every tick by the process holding the scheduler lease:
create the weeks' recurring shifts, queue reminders and coordinator alerts, record no-shows and
send the morning digest (shifts short of people, hours to approve, overdue work orders).

Every step is idempotent — reminders and alerts by their outbox key, no-shows by status, the
digest by its daily key — so running it every second, twice, or after a crash sends nothing
twice. Each step reads a narrow, indexed time window, so a tick stays cheap.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import session_scope
from bot.orders import messages as order_notices
from bot.orders import sla as order_timers
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.people import roles
from bot.people.models import UserRole
from bot.shifts import messages as shift_notices
from bot.shifts.hours import needing_review, record_no_shows, understaffed
from bot.shifts.models import Shift, ShiftAssignment, Turn
from bot.shifts.plan import materialize
from bot.shifts.service import AWAITING, Worked, places_of, worked
from bot.types import Reply

logger = logging.getLogger(__name__)
DIGEST_WINDOW = dt.timedelta(hours=3)  # a digest this late (server down) is skipped that day
ALERT_LOOKBACK = dt.timedelta(days=1)  # answers older than this were alerted, or are moot
Step = Callable[[Session, dt.datetime, Settings, Notifier], None]


@dataclass
class DigestDay:
    """The day this process last completed the digest pass, so the rest of the day costs
    nothing (each scheduler service holds one; a new process starts without it)."""

    day: dt.date | None = None


def run_due(
    engine: Engine, now: dt.datetime, settings: Settings, notifier: Notifier, digest: DigestDay
) -> None:
    """Create recurring shifts, queue reminders, alerts and the morning digest that are due."""
    with session_scope(engine) as session:
        for step in (_materialize, _reminders, _alerts, _no_shows):
            _guarded(session, step, now, settings, notifier)
    if _digest_due(now, settings, digest):
        with session_scope(engine) as session:
            _guarded(session, _digests, now, settings, notifier)
        digest.day = now.astimezone(settings.zone).date()


def _guarded(
    session: Session, step: Step, now: dt.datetime, settings: Settings, notifier: Notifier
) -> None:
    """The error boundary of one step: its writes are undone, the others still run."""
    savepoint = session.begin_nested()
    try:
        step(session, now, settings, notifier)
    except Exception:
        savepoint.rollback()
        logger.exception("shift step %s failed; it runs again next tick", step.__name__)
        return
    savepoint.commit()


def _materialize(session: Session, now: dt.datetime, settings: Settings, _: Notifier) -> None:
    created = materialize(session, now, settings.zone, settings.volunteers.weeks_ahead)
    if created:
        logger.info("%s recurring shifts created", created)


def _reminders(session: Session, now: dt.datetime, settings: Settings, notifier: Notifier) -> None:
    """Reminders due now. One more than the misfire grace late is skipped, never sent late;
    one due before the volunteer signed up was never theirs."""
    grace = dt.timedelta(minutes=settings.activities.misfire_grace_minutes)
    for offset in settings.volunteers.reminder_offsets_minutes:
        lead = dt.timedelta(minutes=offset)
        for work in _on_shifts(session, now + lead - grace, now + lead):
            if work[0].created_at <= work[1].starts_at - lead:
                shift_notices.remind(session, notifier, work, offset, settings.zone)


def _alerts(session: Session, now: dt.datetime, settings: Settings, notifier: Notifier) -> None:
    """Alert coordinators: still unconfirmed close to the start; and, as a backstop for the
    chat (which alerts at once), recent declines, cancellations and stand-in requests."""
    count = settings.volunteers.stand_ins
    close = now + dt.timedelta(minutes=settings.volunteers.unconfirmed_alert_minutes)
    for work in _on_shifts(session, now, close):
        if work[0].status == Turn.SIGNED:
            shift_notices.alert(session, notifier, work, "unconfirmed", count, now)
    for work in _recent_answers(session, now):
        assignment = work[0]
        reason = "stand_in" if assignment.status in AWAITING else assignment.status
        shift_notices.alert(session, notifier, work, reason, count, now)


def _no_shows(session: Session, now: dt.datetime, settings: Settings, _: Notifier) -> None:
    recorded = record_no_shows(session, now)
    if recorded:
        logger.info("%s volunteers recorded as no-shows", len(recorded))


def _on_shifts(session: Session, since: dt.datetime, until: dt.datetime) -> list[Worked]:
    """Volunteers signed or confirmed on open shifts starting in [since, until]."""
    return worked(
        session,
        Shift.status == "open",
        Shift.starts_at >= since,
        Shift.starts_at <= until,
        col(ShiftAssignment.status).in_(AWAITING),
    )


def _recent_answers(session: Session, now: dt.datetime) -> list[Worked]:
    """Declined, cancelled or stand-in-wanted assignments changed lately, shift still ahead."""
    rows = worked(
        session,
        ShiftAssignment.updated_at >= now - ALERT_LOOKBACK,
        Shift.status == "open",
        Shift.starts_at > now,
    )
    return [
        (a, s, p) for a, s, p in rows
        if a.status in (Turn.DECLINED, Turn.CANCELLED)
        or (a.status in AWAITING and a.stand_in_wanted_at is not None)
    ]  # fmt: skip


def _digest_due(now: dt.datetime, settings: Settings, digest: DigestDay) -> bool:
    """Within the digest window this morning, and not yet done today by this process."""
    local = now.astimezone(settings.zone)
    at = dt.time.fromisoformat(settings.volunteers.digest_time)
    start = dt.datetime.combine(local.date(), at, tzinfo=settings.zone)
    return start <= now < start + DIGEST_WINDOW and digest.day != local.date()


def _digests(session: Session, now: dt.datetime, settings: Settings, notifier: Notifier) -> None:
    """Each staff member's digest for their communities, once a day; nothing to say, none."""
    zone = settings.zone
    today = now.astimezone(zone).date()
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    until = now + dt.timedelta(days=settings.volunteers.digest_days)
    staff = sorted(
        set(session.exec(select(UserRole.user_id).where(col(UserRole.role).in_(roles.STAFF))))
    )
    for user_id in staff:
        key = f"digest:{user_id}:{today.isoformat()}"
        if session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).first() is not None:
            continue
        places = places_of(session, user_id, roles.STAFF)
        short = understaffed(session, places, now, until)
        review = needing_review(session, places, midnight - dt.timedelta(days=1), midnight)
        late = order_timers.overdue(session, places, now)
        parts = [shift_notices.digest_text(session, short, review, zone)] if short or review else []
        if late:
            parts.append(order_notices.digest_text(late, now))
        if parts:
            notifier.send(session, user_id, "shift_digest", key, [Reply("\n\n".join(parts))])
