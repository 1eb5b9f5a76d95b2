"""The scheduler service `linli serve` runs: a lease decides the one active process; it runs
APScheduler (reminders) on the database job store, delivers the outbox, passes on expired
waitlist offers and fires work orders' SLA timers. The others stand by and take over when the
lease lapses."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from bot.activities import service as activities
from bot.announcements import delivery as announcement_delivery
from bot.clock import Clock
from bot.config import Settings
from bot.db import session_scope
from bot.metrics.registry import Metrics
from bot.orders.categories import load_categories
from bot.orders.sla import Timers
from bot.outbox.notifier import Notifier
from scheduler import lease, orders, reports, runtime, shifts
from scheduler.delivery import Delivery, Sender
from scheduler.reminders import Planner

logger = logging.getLogger(__name__)
_SKEW = dt.timedelta(seconds=5)  # other processes' clocks and commits may lag a little

# jobs wait on the database more than they compute (a reminder job of 100: ~50 ms, 15 ms of
# it CPU): with 4 threads, 17 jobs a second (bench_reminders.py) fell 6–14 s behind (p50) on
# a busy 2-core machine, with 8 they kept up (0.1–0.5 s)
_JOB_THREADS = 8


class SchedulerService:
    """Call `tick()` regularly (or `run()` until stopped). `senders` (one per channel) are
    built by the wiring (`bot.app.channel_senders`)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        senders: Mapping[str, Sender],
        metrics: Metrics | None = None,
    ):
        self.engine = engine
        self.metrics = metrics or Metrics()
        self.settings = settings
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.notifier = Notifier(settings.zone, clock)
        self.delivery = Delivery(engine, senders, settings.delivery, clock, self.metrics)
        self.scheduler: BackgroundScheduler | None = None
        self._planner: Planner | None = None
        self._watermark: dt.datetime | None = None
        self._stop = threading.Event()
        self._renewed = time.monotonic()  # when the lease was last renewed
        self.behind = False  # the last delivery left due messages for want of time
        self._digest = shifts.DigestDay()
        self.order_timers = Timers.of_district(
            settings, load_categories(settings.orders.categories)
        )
        self._reports = reports.ReportsDone()

    @property
    def leader(self) -> bool:
        """Whether this process runs the scheduler now."""
        return self.scheduler is not None

    def tick(self) -> None:
        """One round: hold the lease, plan changed reminders, pass on offers, deliver. On
        PostgreSQL a standby delivers too (claims keep each user's messages in one process
        at a time); the leader hands back what a dead process left claimed."""
        now = self.clock()
        ttl = dt.timedelta(seconds=self.settings.scheduler.lease_seconds)
        self._renewed, self.behind = time.monotonic(), False
        _guarded("heartbeat", lambda: lease.beat(self.engine, self.delivery.owner, now, ttl))
        if not lease.acquire(self.engine, self.owner, now, ttl):
            if self.leader:
                logger.warning("lost the scheduler lease; standing by")
                self._stop_scheduler()
            if self.shared_delivery:
                self._deliver(now, ttl)
            return
        if not self.leader:
            self._start_scheduler(now)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("recovery", lambda: self._recover(now, ttl)),
            ("reminder planning", lambda: self._plan_changes(now)),
            ("activities", lambda: self._activities(now)),
            ("shifts", lambda: shifts.run_due(
                self.engine, now, self.settings, self.notifier, self._digest)),
            ("announcements", lambda: announcement_delivery.start_due(
                self.engine, now, self.settings.announcements)),
            ("work orders", lambda: orders.run_due(
                self.engine, now, self.order_timers, self.notifier)),
            ("work reports", lambda: reports.run_due(
                self.engine, now, self.settings, self.notifier, self._reports)),
        ]  # fmt: skip
        for name, step in steps:  # one failing step does not hold up the others
            if not self._hold(ttl):
                return
            _guarded(name, step)
        if not self._hold(ttl):
            return
        self._deliver(now, ttl)
        _guarded("reports", lambda: announcement_delivery.finish(self.engine, now, self.notifier))

    def _hold(self, ttl: dt.timedelta) -> bool:
        """Renew the lease and the heartbeat mid-tick once a quarter of the lease has gone
        (a slow step on a busy machine must not let them lapse). False when another process
        took the lease over meanwhile: this one stands by."""
        gone, lasting = time.monotonic() - self._renewed, ttl.total_seconds()
        if gone < lasting / 4:
            return True
        if gone > lasting / 2:
            logger.warning(
                "the scheduler lease was renewed after %.1f s of its %g s", gone, lasting
            )
        now, self._renewed = self.clock(), time.monotonic()
        _guarded("heartbeat", lambda: lease.beat(self.engine, self.delivery.owner, now, ttl))
        if lease.acquire(self.engine, self.owner, now, ttl):
            return True
        logger.warning("lost the scheduler lease mid-tick; standing by")
        self._stop_scheduler()
        return False

    @property
    def shared_delivery(self) -> bool:
        """Whether every process delivers (PostgreSQL), not only the leader (SQLite, where
        writes take turns anyway)."""
        return self.engine.dialect.name == "postgresql"

    def _deliver(self, now: dt.datetime, ttl: dt.timedelta) -> None:
        # a long send (an announcement to thousands) stops in time to renew the lease
        lasting = ttl.total_seconds()
        spent = time.monotonic() - self._renewed
        budget = max(min(1.0, lasting / 6), lasting / 3 - spent)
        began = time.monotonic()
        _guarded("delivery", lambda: self.delivery.run_once(now, self._stop.is_set, budget))
        # stopped by the budget, not for want of due messages: the next tick starts at once
        self.behind = time.monotonic() - began >= budget

    def _recover(self, now: dt.datetime, ttl: dt.timedelta) -> None:
        """Rows held by a process whose heartbeat lapsed (it crashed) go back, or to 'unknown'."""
        unknown = self.delivery.recover(lease.alive(self.engine, now - _SKEW))
        if unknown:
            logger.warning("%s messages caught mid-send by a stopped process marked unknown",
                           unknown)  # fmt: skip
        lease.prune(self.engine, now - 10 * ttl)

    def _activities(self, now: dt.datetime) -> None:
        with session_scope(self.engine) as session:
            activities.expire_offers(session, now, self.notifier, self.settings.activities)
            activities.close_finished(session, now, self.notifier)

    def run(self, stop: threading.Event) -> None:
        """Tick until `stop` is set, then hand the lease over."""
        self._stop = stop
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:
                    logger.exception("scheduler tick failed; trying again")
                if not self.behind:
                    stop.wait(self.settings.delivery.interval_seconds)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the scheduler and release the lease."""
        if self.leader:
            self._stop_scheduler()
            lease.release(self.engine, self.owner)
        lease.release(self.engine, self.delivery.owner, lease.heartbeat_name(self.delivery.owner))

    def plan_activity(self, activity_id: int) -> None:
        """(Re)plan one activity's reminders (used by a job that found its activity moved)."""
        if self._planner is not None:
            self._planner.plan([activity_id], self.clock())

    def _start_scheduler(self, now: dt.datetime) -> None:
        grace = dt.timedelta(minutes=self.settings.activities.misfire_grace_minutes)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine)},
            executors={
                "default": runtime.RuntimeExecutor(self._runtime(), max_workers=_JOB_THREADS)
            },
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=dt.UTC,
        )
        scheduler.start(paused=True)  # plan first, then let due jobs run
        self.scheduler = scheduler
        offsets = list(self.settings.activities.reminder_offsets_minutes)
        self._planner = Planner(self.engine, scheduler, offsets, grace)
        recovered = self.delivery.recover(lease.alive(self.engine, now - _SKEW))
        planned = self._planner.plan_upcoming(now)
        self._watermark = now
        scheduler.resume()
        logger.info(
            "scheduler started by %s: %s reminder jobs planned, %s sends recovered",
            self.owner,
            planned,
            recovered,
        )

    def _plan_changes(self, now: dt.datetime) -> None:
        if self._planner is None or self._watermark is None:
            return
        self._planner.plan_changed(self._watermark - _SKEW, now)
        self._watermark = now

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        self.scheduler, self._planner = None, None

    def _runtime(self) -> runtime.Runtime:
        """What this service's jobs are called with."""
        return runtime.Runtime(
            self.engine, self.settings, self.clock, self.notifier, self.plan_activity,
            self.metrics,
        )  # fmt: skip


def _guarded(name: str, step: Callable[[], object]) -> None:
    """The error boundary of one scheduled step: logged, tried again next tick."""
    try:
        step()
    except Exception:
        logger.exception("scheduler step %s failed; it runs again next tick", name)
