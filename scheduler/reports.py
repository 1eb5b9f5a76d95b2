"""The "四个一" reports, made by the process holding the scheduler lease on their day: for
each kind in `[reports] kinds`, the newest period that is over, once its day and hour have
come (the 1st / 16th at 07:00 by default), for the district and each community. Each is
made once (a stored row per kind, period and place: a restart, a second process or the next
tick finds it and makes nothing), and staff get a notice with its console link. A server
that was down on the day makes it when it comes back; older periods are not filled in."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.db import session_scope
from bot.kb.store import stored_communities
from bot.orders.categories import load_categories
from bot.outbox.notifier import Notifier
from bot.people.models import UserRole
from bot.people.roles import STAFF
from bot.reports import store
from bot.reports.models import MadeReport
from bot.reports.periods import Period, last_finished
from bot.types import Reply

logger = logging.getLogger(__name__)
NOTICE_KIND = "report_made"
RETRY = dt.timedelta(minutes=10)  # a report that failed is tried again this much later
NOTICE = "【邻里】{title}已生成，可在后台查看和下载：{link}"


@dataclass
class ReportsDone:
    """The (kind, first day) this process has finished, so the rest of the period costs one
    comparison a tick (each scheduler service holds one; a new process asks the table)."""

    done: set[tuple[str, dt.date]] = field(default_factory=set)
    # a report that failed, by (kind, first day, place): not tried again before this moment
    retry: dict[tuple[str, dt.date, str | None], dt.datetime] = field(default_factory=dict)


def due(kind: str, now: dt.datetime, settings: Settings) -> Period | None:
    """The period of `kind` whose report is due at `now`, or None before its day and hour."""
    zone = settings.zone
    period = last_finished(kind, now, zone)
    day = period.end + dt.timedelta(days=settings.reports.after_days)
    at = dt.datetime.combine(day, dt.time(settings.reports.hour), tzinfo=zone)
    return period if now >= at else None


def run_due(engine: Engine, now: dt.datetime, settings: Settings, notifier: Notifier,
            memo: ReportsDone) -> int:  # fmt: skip
    """Make one report that is due and not made (a year report of a large district takes
    seconds: one a tick keeps deliveries and the lease going); returns how many were made."""
    for kind in settings.reports.kinds:
        period = due(kind, now, settings)
        if period is None or (kind, period.first) in memo.done:
            continue
        with session_scope(engine) as session:
            places: list[str | None] = [None]
            if settings.reports.communities:
                places += [c.id for c in stored_communities(session)]
            waiting = [p for p in places if store.find(session, period, p) is None]
            ready = [p for p in waiting if memo.retry.get((kind, period.first, p), now) <= now]
            if ready:
                made = _make(session, period, ready[0], now, settings, notifier)
                if not made:
                    memo.retry[(kind, period.first, ready[0])] = now + RETRY
                return made
            if waiting:
                continue  # failed ones wait for their retry
        memo.done.add((kind, period.first))
    return 0


def _make(session: Session, period: Period, place: str | None, now: dt.datetime,
          settings: Settings, notifier: Notifier) -> int:  # fmt: skip
    """One report, in its own savepoint: 1 made, 0 not (made elsewhere meanwhile, or it
    failed: logged, and tried again next tick)."""
    savepoint = session.begin_nested()
    try:
        row = store.make_and_store(
            session, period, place, now, settings.zone, store.folder_of(settings.home),
            load_categories(settings.orders.categories),
        )  # fmt: skip
        if row is not None:
            _tell_staff(session, row, settings, notifier)
    except Exception:
        savepoint.rollback()
        logger.exception("report %s %s %s failed", period.kind, period.first, place or "district")
        return 0
    savepoint.commit()
    if row is not None:
        logger.info("report made: %s", row.title)
    return int(row is not None)


def _tell_staff(session: Session, row: MadeReport, settings: Settings, notifier: Notifier) -> None:
    """Staff of the report's community (district staff for the district's) are told once."""
    staff = session.exec(
        select(UserRole.user_id)
        .where(col(UserRole.role).in_(STAFF), UserRole.community_id == row.community_id)
        .distinct()
    ).all()
    link = f"{settings.console.base_url.rstrip('/')}/admin/reports/{row.id}"
    text = NOTICE.format(title=row.title, link=link)
    for user_id in staff:
        notifier.send(
            session, user_id, NOTICE_KIND, f"report:{row.id}:{user_id}", [Reply(text)],
            ref=f"report-made:{row.id}",
        )  # fmt: skip
