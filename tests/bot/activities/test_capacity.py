"""Capacity is never exceeded, however many sign-ups arrive at once from separate processes."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from pathlib import Path

from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.models import Registration
from bot.activities.service import ActivityError, ActivityInput
from bot.app import open_database
from bot.clock import utcnow
from bot.config import Settings, load_settings
from bot.db import session_scope
from bot.identity import resolve_user

WORKERS = 8
SIGNUPS = 200


def _worker(url: str, activity_id: int, names: list[str], party: int, start: object) -> None:
    settings = load_settings(Path(os.devnull), environ={"LINLI_DATABASE_URL": url})
    engine = open_database(settings)
    start.wait()  # type: ignore[attr-defined]
    for name in names:
        for _ in range(20):  # a deadlock or serialization failure is retried, as the bot does
            try:
                with session_scope(engine) as session:
                    user = resolve_user(session, "console", name, utcnow())
                    activities.sign_up(session, activity_id, user.id or 0, party, utcnow())
                break
            except ActivityError:
                break
            except Exception:  # noqa: BLE001 - lock timeouts under load: try again
                continue
    engine.dispose()


def run_signups(settings: Settings, capacity: int, party: int) -> tuple[int, list[Registration]]:
    engine = open_database(settings)
    start = utcnow() + dt.timedelta(days=3)
    with session_scope(engine) as session:
        data = ActivityInput(
            title="义诊", starts_at=start, ends_at=start + dt.timedelta(hours=2), place="社区",
            capacity=capacity, max_party=2,
        )  # fmt: skip
        activity_id = activities.create_activity(session, data, utcnow(), []).id or 0
    names = [f"resident-{n}" for n in range(SIGNUPS)]
    context = multiprocessing.get_context("spawn")
    gate = context.Event()
    workers = [
        context.Process(
            target=_worker,
            args=(settings.database_url, activity_id, names[i::WORKERS], party, gate),
        )
        for i in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    gate.set()
    for worker in workers:
        worker.join(timeout=240)
        assert worker.exitcode == 0
    with Session(engine) as session:
        rows = list(session.exec(select(Registration).order_by(Registration.id)).all())  # type: ignore[arg-type]
    engine.dispose()
    return activity_id, rows


def test_200_simultaneous_signups_for_10_seats(settings: Settings) -> None:
    _, rows = run_signups(settings, capacity=10, party=1)
    assert len(rows) == SIGNUPS  # nobody lost
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waitlisted"]
    assert sum(r.party for r in confirmed) == 10
    assert len(waiting) == SIGNUPS - 10
    # the waitlist is in arrival order: numbered 1..190 in the order the rows were written
    assert [r.waitlist_seq for r in waiting] == list(range(1, len(waiting) + 1))


def test_parties_never_overfill(settings: Settings) -> None:
    _, rows = run_signups(settings, capacity=9, party=2)
    seats = sum(r.party for r in rows if r.status == "confirmed")
    assert seats <= 9
    assert seats == 8  # four parties of two; the fifth would not fit, so it waits
