"""Reminder jobs stored before the layout move still fire after it: the job store keeps
`scheduler.reminders:send_reminders` and two ids, and the service's executor hands the job
its runtime. The rows come from tests/data/stored_jobs_9752aa4.json (made by that commit's
code; tests/data/capture_stored_jobs.py shows how)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import pickle
import threading
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import insert
from sqlmodel import Session, select

from bot.activities.models import Activity, Registration
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from scheduler.reminders import send_reminders
from scheduler.runtime import Runtime, RuntimeExecutor

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "data" / "stored_jobs_9752aa4.json").read_text(encoding="utf-8")
)
START = dt.datetime.fromisoformat(FIXTURE["activity_starts_at"])
HANG = 30  # seconds: only a hang takes this long


def stored_activity(app: App) -> None:
    """Activity 1 of the fixture, with one confirmed registration (written as rows: its time
    is fixed, whatever day the test runs)."""
    created = START - dt.timedelta(days=7)
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", "ann", created)
        session.add(Activity(
            id=1, title="云朵灯手工", starts_at=START, ends_at=START + dt.timedelta(hours=2),
            place="社工室", capacity=5, signup_deadline=START, cancel_deadline=START,
            created_at=created, updated_at=created,
        ))  # fmt: skip
        session.flush()
        session.add(Registration(
            activity_id=1, user_id=user.id or 0, status="confirmed",
            created_at=created, updated_at=created,
        ))  # fmt: skip


def test_the_stored_rows_name_the_function_that_runs_now() -> None:
    for job in FIXTURE["jobs"]:
        state = pickle.loads(base64.b64decode(job["job_state"]))
        assert state["func"] == "scheduler.reminders:send_reminders"
        assert state["kwargs"] == {}  # the runtime was never stored, and is not now


def test_a_job_stored_before_the_move_fires_through_the_service_executor(app: App) -> None:
    stored_activity(app)
    due = START - dt.timedelta(minutes=120)
    notifier = Notifier(app.settings.zone, lambda: due)
    runtime = Runtime(app.engine, app.settings, lambda: due, notifier, lambda _: None)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=app.engine)},
        executors={"default": RuntimeExecutor(runtime, max_workers=1)},
        timezone=dt.UTC,
    )
    done = threading.Event()
    results: list[JobExecutionEvent] = []

    def record(event: JobExecutionEvent) -> None:
        results.append(event)
        done.set()

    scheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start(paused=True)  # creates the job store's table
    two_hours = next(job for job in FIXTURE["jobs"] if job["id"] == "reminder:1:120")
    with app.engine.begin() as connection:  # the row exactly as the old code stored it
        connection.execute(
            insert(SQLAlchemyJobStore(engine=app.engine).jobs_t),
            {
                "id": two_hours["id"],
                "next_run_time": two_hours["next_run_time"],
                "job_state": base64.b64decode(two_hours["job_state"]),
            },
        )
    try:
        scheduler.resume()  # its time (2026-11-28) has passed: it runs at once
        assert done.wait(HANG)
    finally:
        scheduler.shutdown(wait=True)
    assert [(e.code, e.job_id, e.retval) for e in results] == [
        (EVENT_JOB_EXECUTED, "reminder:1:120", "queued")
    ]
    with Session(app.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == "reminder")).all()
    assert len(rows) == 1
    assert "云朵灯手工" in rows[0].payload["replies"][0]["text"]


def test_a_job_called_without_the_service_says_why() -> None:
    with pytest.raises(RuntimeError, match="runtime="):
        send_reminders(1, 120.0)
