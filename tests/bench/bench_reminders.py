"""Schedule and fire N reminders (default 100,000) through APScheduler on the database job
store into a fake channel: time to schedule, lateness p50/p99, and duplicates (must be 0).

Run: python tests/bench/bench_reminders.py [--count 100000] [--database-url URL]
Prints numbers; asserts nothing. Loopback only: the fake channel is in-process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, func, select

from bot.activities.models import Activity, Registration, ReminderLog
from bot.app import open_database
from bot.clock import utcnow  # noqa: E402
from bot.config import Settings
from bot.models import ChannelIdentity, User
from bot.outbox.models import Outbox
from scheduler.service import SchedulerService

PER_ACTIVITY = 100


class CountingSender:
    """A fake channel that records every message it is asked to send."""

    channel = "console"
    per_second = 1_000_000.0

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        with self.lock:
            self.received[identity.external_id + "|" + texts[0][:40]] += 1
        return self.channel


def populate(settings: Settings, count: int, fire_at: dt.datetime) -> None:
    """count/2 registrations with two reminders each, all due between fire_at and +60 s."""
    engine = open_database(settings)
    registrations = count // 2
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(insert(User), [{"created_at": now} for _ in range(registrations)])
        connection.execute(insert(ChannelIdentity), [
            {"channel": "console", "external_id": f"r{n}", "user_id": n + 1}
            for n in range(registrations)
        ])  # fmt: skip
        activities = (registrations + PER_ACTIVITY - 1) // PER_ACTIVITY
        rows = []
        for n in range(activities):
            start = fire_at + dt.timedelta(minutes=60, seconds=60 * n / activities)
            rows.append({
                "title": f"活动{n}", "audience": [], "starts_at": start,
                "ends_at": start + dt.timedelta(hours=1), "place": "社区", "capacity": PER_ACTIVITY,
                "signup_deadline": start, "cancel_deadline": start, "max_party": 1,
                "collect": [], "status": "published", "description": "", "checkin_code": "0000",
                "created_at": now, "updated_at": now,
            })  # fmt: skip
        connection.execute(insert(Activity), rows)
        connection.execute(insert(Registration), [
            {"activity_id": n // PER_ACTIVITY + 1, "user_id": n + 1, "party": 1,
             "status": "confirmed", "created_at": now, "updated_at": now}
            for n in range(registrations)
        ])  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--lead", type=float, default=0, help="seconds before the first is due")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    settings = Settings.model_validate({
        "general": {"home": home},
        "database": {"url": args.database_url},
        "activities": {"reminder_offsets_minutes": [60.0, 59.5], "misfire_grace_minutes": 30},
        "delivery": {"interval_seconds": 0.2},
    })  # fmt: skip
    lead = args.lead or max(30.0, args.count / 2000)
    fire_at = utcnow() + dt.timedelta(seconds=lead)
    populate(settings, args.count, fire_at)
    engine = open_database(settings)
    sender = CountingSender()
    service = SchedulerService(engine, settings, utcnow, senders={"console": sender})
    started = time.perf_counter()
    service.tick()  # takes the lease, plans every reminder into the job store
    scheduled = time.perf_counter() - started
    print(f"{args.count} reminders scheduled in {scheduled:.1f} s ({args.count / scheduled:.0f}/s)")
    stop = threading.Event()
    runner = threading.Thread(target=service.run, args=(stop,), daemon=True)
    runner.start()
    deadline = time.monotonic() + lead + 60 + args.count / 50
    while time.monotonic() < deadline:
        with Session(engine) as session:
            done = session.exec(
                select(func.count()).select_from(Outbox).where(Outbox.status == "sent")
            ).one()
        if done >= args.count:
            break
        time.sleep(1)
    stop.set()
    runner.join(timeout=60)
    with Session(engine) as session:
        logs = session.exec(select(ReminderLog)).all()
        sent = session.exec(select(Outbox).where(Outbox.kind == "reminder")).all()
    lateness = [(row.sent_at - log_due).total_seconds() for row, log_due in _pairs(sent, logs)]
    duplicates = sum(n - 1 for n in sender.received.values() if n > 1)
    print(
        f"queued {sum(1 for log in logs if log.outcome == 'queued')}, "
        f"missed {sum(1 for log in logs if log.outcome == 'missed')}, "
        f"delivered {sum(sender.received.values())}, duplicates {duplicates}"
    )
    if lateness:
        print(
            f"lateness (due → delivered): p50 {statistics.median(lateness):.2f} s, "
            f"p99 {sorted(lateness)[int(0.99 * (len(lateness) - 1))]:.2f} s, "
            f"max {max(lateness):.2f} s"
        )


def _pairs(sent: Sequence[Outbox], logs: Sequence[ReminderLog]) -> list[tuple[Outbox, dt.datetime]]:
    due = {f"reminder:{log.registration_id}:{log.offset_minutes:g}": log.due_at for log in logs}
    return [(row, due[row.dedupe_key]) for row in sent if row.sent_at and row.dedupe_key in due]


if __name__ == "__main__":
    main()
