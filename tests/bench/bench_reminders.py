"""Reminders on time: N reminders (default 100,000) due within 90 s, fired and delivered by
`linli serve` itself into the terminal channel's log: on PostgreSQL with `--workers 4` (target:
lateness p99 ≤ 5 s, 0 duplicates, 0 missed), and SQLite's one process beside it.

Run: python tests/bench/bench_reminders.py [--count 100000] [--database-url URL] [--workers 4]
     [--engines postgresql,sqlite]
(PostgreSQL: --database-url or LINLI_TEST_DATABASE_URL; that database is emptied: use one of
its own.) Prints numbers; asserts nothing. Loopback only; each run stops by itself (at the
latest 5 minutes after the last reminder is due) and the server with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.activities.models import Activity, Registration, ReminderLog  # noqa: E402
from bot.app import open_database  # noqa: E402
from bot.clock import utcnow  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.models import ChannelIdentity, User  # noqa: E402
from bot.outbox.models import Outbox  # noqa: E402
from tests.bench.serve import free_port, percentile  # noqa: E402
from tests.conftest import drop_everything  # noqa: E402
from tests.serving import start_serve, stop_serve  # noqa: E402

PER_ACTIVITY = 100
SPREAD = 90  # seconds over which the reminders fall due: offsets 60 and 59.5 min, starts 60 s apart
TARGET_P99 = 5.0


def environment(home: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": str(home), "LINLI_DATABASE_URL": url,
        "LINLI_SERVER_PORT": str(free_port()), "LINLI_KNOWLEDGE_LOAD_DEMO": "false",
        "LINLI_ACTIVITIES_REMINDER_OFFSETS_MINUTES": "[60, 59.5]",
        "LINLI_ACTIVITIES_MISFIRE_GRACE_MINUTES": "30",
        "LINLI_DELIVERY_INTERVAL_SECONDS": "0.2",
        "LINLI_DELIVERY_CONSOLE_PER_SECOND": "1000000",  # the channel is not what is measured
    })  # fmt: skip
    return env


def populate(settings: Settings, count: int, fire_at: dt.datetime) -> None:
    """count/2 registrations with two reminders each, due between fire_at and +90 s."""
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


def run(name: str, url: str, workers: int, count: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    env = environment(home, url)
    settings = load_settings(Path(os.devnull), environ=env)
    if not url.startswith("sqlite"):
        drop_everything(url)
    lead = max(45.0, count / 2000)  # time to start the processes and plan the jobs
    fire_at = utcnow() + dt.timedelta(seconds=lead)
    populate(settings, count, fire_at)
    engine = open_database(settings)
    args = ("--workers", str(workers)) if workers > 1 else ()
    cpu_before = _children_cpu()
    with (home / "serve.log").open("w") as log:
        server = start_serve(env, *args, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + lead + SPREAD + 300
    try:
        while time.monotonic() < deadline and _sent(engine) < count:
            if server.poll() is not None:
                raise SystemExit(f"linli serve stopped: see {home / 'serve.log'}")
            time.sleep(1)
    finally:
        stop_serve(server)
    report(name, workers, count, engine, home / "console-outbox.jsonl")
    cpu = _children_cpu() - cpu_before
    print(f"  linli serve's processes used {cpu:.0f} CPU-seconds ({1000 * cpu / count:.2f} ms a "
          f"reminder; the database's own not counted)", flush=True)  # fmt: skip
    engine.dispose()


def _children_cpu() -> float:
    """CPU time of the finished child processes (the server and its workers, once stopped)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _sent(engine: object) -> int:
    with Session(engine) as session:  # type: ignore[arg-type]
        return int(session.exec(
            select(func.count()).select_from(Outbox).where(Outbox.status == "sent")
        ).one())  # fmt: skip


def report(name: str, workers: int, count: int, engine: object, log: Path) -> None:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    received = Counter((r["user"], r["text"]) for r in map(json.loads, lines))
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    with Session(engine) as session:  # type: ignore[arg-type]
        logs = session.exec(select(ReminderLog)).all()
        sent = session.exec(select(Outbox).where(Outbox.kind == "reminder")).all()
    pairs = _pairs(sent, logs)
    late = sorted((row.sent_at - log.due_at).total_seconds() for row, log in pairs)
    queued = sorted((log.recorded_at - log.due_at).total_seconds() for _, log in pairs)
    waited = sorted((row.sent_at - log.recorded_at).total_seconds() for row, log in pairs)
    missed = count - len(received)
    p99 = percentile(late, 0.99) if late else float("nan")
    verdict = "met" if p99 <= TARGET_P99 and duplicates == missed == 0 else "NOT met"
    print(
        f"{name} ({workers} process{'es' if workers > 1 else ''}): {count} reminders due within "
        f"{SPREAD} s; delivered {len(received)}, duplicates {duplicates}, missed {missed} "
        f"(recorded missed: {sum(1 for log in logs if log.outcome == 'missed')})", flush=True
    )  # fmt: skip
    if late:
        print(
            f"  lateness due → delivered: p50 {statistics.median(late):.2f} s, p99 {p99:.2f} s, "
            f"max {late[-1]:.2f} s   [target p99 ≤ {TARGET_P99:g} s, 0 duplicates, 0 missed: "
            f"{verdict}]", flush=True
        )  # fmt: skip
        print(
            f"  of which due → queued by its job: p50 {statistics.median(queued):.2f} s, p99 "
            f"{percentile(queued, 0.99):.2f} s; queued → delivered: p50 "
            f"{statistics.median(waited):.2f} s, p99 {percentile(waited, 0.99):.2f} s", flush=True
        )  # fmt: skip


def _pairs(sent: Sequence[Outbox], logs: Sequence[ReminderLog]) -> list[tuple[Outbox, ReminderLog]]:
    """Each delivered reminder with the record of its job (due and queued times)."""
    by_key = {f"reminder:{log.registration_id}:{log.offset_minutes:g}": log for log in logs}
    return [
        (row, by_key[row.dedupe_key]) for row in sent if row.sent_at and row.dedupe_key in by_key
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("LINLI_TEST_DATABASE_URL", ""))
    parser.add_argument("--workers", type=int, default=4, help="processes on PostgreSQL")
    parser.add_argument("--engines", default="postgresql,sqlite")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    for name in args.engines.split(","):
        if name == "postgresql" and not args.database_url:
            print("postgresql: skipped (no --database-url / LINLI_TEST_DATABASE_URL)")
        elif name == "postgresql":
            run(name, args.database_url, args.workers, args.count)
        else:
            home = Path(tempfile.mkdtemp(prefix="linli-bench-"))
            run(name, f"sqlite:///{home / 'bench.db'}", 1, args.count)


if __name__ == "__main__":
    main()
