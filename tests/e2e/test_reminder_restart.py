"""Reminders survive a crash: `linli serve` is killed between scheduling and firing, a second
one takes over, and every reminder arrives exactly once (none for a cancelled sign-up)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.models import Registration, ReminderLog
from bot.activities.service import ActivityInput
from bot.app import open_database
from bot.clock import utcnow
from bot.config import load_settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from tests.serving import start_serve, stop_serve, wait_for

OFFSETS = [0.25, 0.15]  # minutes before the start: 15 s and 9 s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": str(home),
        "LINLI_ACTIVITIES_REMINDER_OFFSETS_MINUTES": json.dumps(OFFSETS),
        "LINLI_ACTIVITIES_MISFIRE_GRACE_MINUTES": "0.1",
        "LINLI_SCHEDULER_LEASE_SECONDS": "2",
        "LINLI_DELIVERY_INTERVAL_SECONDS": "0.2",
        "LINLI_SERVER_PORT": str(free_port()),
    })  # fmt: skip
    return env


def serve(env: dict[str, str]) -> subprocess.Popen[str]:
    return start_serve(env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_restart_between_scheduling_and_firing(tmp_path: Path) -> None:
    env = environment(tmp_path)
    settings = load_settings(Path(os.devnull), environ=env)
    engine = open_database(settings)
    start = utcnow() + dt.timedelta(seconds=24)
    with session_scope(engine) as session:
        data = ActivityInput(
            title="云朵灯", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="社工室", capacity=10, cancel_deadline=start,
        )  # fmt: skip
        found = activities.create_activity(session, data, utcnow(), [])
        people = [
            resolve_user(session, "console", name, utcnow()).id or 0
            for name in ("ann", "bob", "cat")
        ]
        regs = [activities.sign_up(session, found.id or 0, p, 1, utcnow()) for p in people]
        activities.cancel_registration(
            session, regs[2], utcnow(), Notifier(settings.zone, utcnow), settings.activities
        )
        kept = [r.id for r in regs[:2]]
        cancelled = regs[2].id

    def jobs() -> int:
        with Session(engine) as session:
            try:
                return len(session.execute(text("SELECT id FROM apscheduler_jobs")).all())
            except Exception:
                return 0

    first = serve(env)
    try:
        wait_for(lambda: jobs() == 2, 30)  # one job per activity and offset
    finally:
        first.send_signal(signal.SIGKILL)  # a crash: no clean hand-over of the lease
        first.wait()
        stop_serve(first, 0)
    assert utcnow() < start - dt.timedelta(minutes=OFFSETS[0])  # nothing was due yet
    second = serve(env)
    try:
        wait_for(lambda: utcnow() > start + dt.timedelta(seconds=1), 60)
        wait_for(lambda: _sent(engine) >= 4, 10)
        time.sleep(1)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            output, _ = second.communicate(timeout=30)
        finally:
            stop_serve(second, 0)
    with Session(engine) as session:
        logs = session.exec(select(ReminderLog)).all()
        outbox = session.exec(select(Outbox).where(Outbox.kind == "reminder")).all()
        statuses = {r.id: r.status for r in session.exec(select(Registration)).all()}
    assert sorted((log.registration_id, log.offset_minutes, log.outcome) for log in logs) == sorted(
        (r, o, "queued") for r in kept for o in OFFSETS
    ), output
    assert len(outbox) == 4
    assert all(row.status == "sent" for row in outbox)
    assert statuses[cancelled] == "cancelled"
    lines = (tmp_path / "console-outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["user"] for line in lines) == ["ann", "ann", "bob", "bob"]


def _sent(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return len(session.exec(select(Outbox).where(Outbox.status == "sent")).all())
