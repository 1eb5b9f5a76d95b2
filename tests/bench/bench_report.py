"""A year report of a busy district: 50,000 residents in 6 communities, 2,000 activities
(20,000 sign-ups), 1,000 shifts, 200,000 questions (20,000 logged unanswered or 找人工) and
500 announcements (100,000 deliveries in the outbox), 10,000 work orders (with their state
changes) over a year; the time to count every figure (this year and the last,
district-wide and per community) and to write the .docx and .xlsx, and the peak memory.

Run: python tests/bench/bench_report.py [--url URL] [--scale 1.0]
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from bot.activities.models import Activity, Registration
from bot.announcements.models import Announcement
from bot.app import open_database
from bot.config import Settings
from bot.db import session_scope
from bot.kb.models import UnansweredQuestion
from bot.models import Community, ProcessedMessage, User
from bot.orders.categories import load_categories
from bot.orders.models import WorkOrder, WorkOrderEvent
from bot.outbox.models import Outbox
from bot.reports.build import make_report, write_files
from bot.reports.periods import period_of
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost

YEAR = 2025
NOW = dt.datetime(YEAR + 1, 1, 2, 9, 0, tzinfo=dt.UTC)
PLACES = ["c1", "c2", "c3", "c4", "c5", "c6"]
INTENTS = ["faq", "faq", "faq", "clarify", "fallback", "signup", "help", "handoff"]


def moment(rng: random.Random) -> dt.datetime:
    start = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
    return start + dt.timedelta(seconds=rng.uniform(0, 364 * 86400))


def bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for first in range(0, len(rows), 5000):
        session.execute(insert(model), rows[first : first + 5000])


def seed(settings: Settings, scale: float) -> None:
    rng = random.Random(5)
    engine = open_database(settings)
    n = {
        k: int(v * scale)
        for k, v in {
            "users": 50_000,
            "activities": 2_000,
            "shifts": 1_000,
            "questions": 200_000,
            "announcements": 500,
            "recipients": 200,  # outbox rows per announcement
            "orders": 10_000,
        }.items()
    }
    with session_scope(engine) as session:
        bulk(
            session,
            Community,
            [{"id": c, "name": f"第{i}社区", "aliases": []} for i, c in enumerate(PLACES)],
        )
        bulk(
            session,
            User,
            [
                {"id": u + 1, "community_id": rng.choice(PLACES), "created_at": NOW}
                for u in range(n["users"])
            ],
        )
        activities, registrations = [], []
        for a in range(1, n["activities"] + 1):
            at = moment(rng)
            activities.append(
                {
                    "id": a,
                    "title": "活动",
                    "community_id": rng.choice(PLACES),
                    "audience": [],
                    "collect": [],
                    "starts_at": at,
                    "ends_at": at,
                    "place": "活动室",
                    "capacity": 30,
                    "signup_deadline": at,
                    "cancel_deadline": at,
                    "status": "finished",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            for user in rng.sample(range(1, n["users"] + 1), 10):
                seat = rng.choice(["attended", "attended", "no_show", "cancelled"])
                registrations.append(
                    {
                        "activity_id": a,
                        "user_id": user,
                        "status": seat,
                        "party": 1,
                        "rating": rng.randint(1, 5) if seat == "attended" else None,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
        bulk(session, Activity, activities)
        bulk(session, Registration, registrations)
        bulk(
            session,
            ShiftPost,
            [
                {
                    "id": p + 1,
                    "title": "帮厨",
                    "community_id": c,
                    "place": "食堂",
                    "skills": [],
                    "created_at": NOW,
                }
                for p, c in enumerate(PLACES)
            ],
        )
        shifts, turns = [], []
        for s in range(1, n["shifts"] + 1):
            at = moment(rng)
            shifts.append(
                {
                    "id": s,
                    "post_id": rng.randint(1, len(PLACES)),
                    "starts_at": at,
                    "ends_at": at,
                    "slots": 3,
                    "status": "open",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            for user in rng.sample(range(1, 2001), rng.randint(1, 3)):
                turns.append(
                    {
                        "shift_id": s,
                        "user_id": user,
                        "status": "done",
                        "minutes": 120,
                        "approved_at": NOW,
                        "source": "self",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
        bulk(session, Shift, shifts)
        bulk(session, ShiftAssignment, turns)
        messages, logged = [], []
        for q in range(n["questions"]):
            user, intent, at = rng.randint(1, n["users"]), rng.choice(INTENTS), moment(rng)
            messages.append(
                {
                    "channel": "wechat",
                    "msg_id": str(q),
                    "user_id": user,
                    "outcome": {"intent": intent, "replies": []},
                    "created_at": at,
                }
            )
            if intent in ("fallback", "handoff"):
                logged.append(
                    {
                        "user_id": user,
                        "channel": "wechat",
                        "kind": intent,
                        "text": "问题",
                        "created_at": at,
                    }
                )
        bulk(session, ProcessedMessage, messages)
        bulk(session, UnansweredQuestion, logged)
        bulk(
            session,
            Announcement,
            [
                {
                    "text": "通知",
                    "communities": [rng.choice(PLACES)],
                    "roles": [],
                    "tags": [],
                    "send_at": moment(rng),
                    "status": "done",
                    "created_at": NOW,
                }
                for _ in range(n["announcements"])
            ],
        )
        deliveries(session, rng, n)
        orders(session, rng, n)
    engine.dispose()


def deliveries(session: Session, rng: random.Random, n: dict[str, int]) -> None:
    """Each announcement's outbox rows: mostly sent, some not delivered."""
    rows = [
        {
            "user_id": rng.randint(1, n["users"]), "kind": "announcement",
            "dedupe_key": f"a:{a}:{r}", "ref": f"announcement:{a}", "payload": {},
            "status": rng.choice(("sent",) * 9 + ("undeliverable",)), "attempts": 1,
            "next_attempt_at": NOW, "created_at": NOW,
        }
        for a in range(1, n["announcements"] + 1)
        for r in range(n["recipients"])
    ]  # fmt: skip
    bulk(session, Outbox, rows)


def orders(session: Session, rng: random.Random, n: dict[str, int]) -> None:
    """Work orders of the demo categories, filed, accepted and (most) resolved."""
    names = [c.name for c in load_categories()]
    filed, events = [], []
    for order in range(1, n["orders"] + 1):
        at = moment(rng)
        filed.append(
            {"id": order, "resident_id": rng.randint(1, n["users"]),
             "community_id": rng.choice(PLACES), "category": rng.choice(names),
             "description": "工单", "place": "", "state": "resolved", "created_at": at,
             "updated_at": at}
        )  # fmt: skip
        taken, fixed = at + dt.timedelta(hours=rng.uniform(1, 60)), None
        if rng.random() < 0.8:
            fixed = taken + dt.timedelta(days=rng.uniform(0.1, 8))
        story = [(at, None, "submitted"), (taken, "submitted", "assigned")]
        story += [(fixed, "assigned", "resolved")] if fixed else []
        events += [
            {"order_id": order, "at": when, "before": before, "after": after, "note": ""}
            for when, before, after in story
        ]
    bulk(session, WorkOrder, filed)
    bulk(session, WorkOrderEvent, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the sizes above")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="linli-report-bench-"))
    url = args.url or f"sqlite:///{folder / 'linli.db'}"
    settings = Settings.model_validate({"database": {"url": url}})
    started = time.perf_counter()
    seed(settings, args.scale)
    seeded = time.perf_counter() - started
    print(f"seeded in {seeded:.1f} s ({url.split(':')[0]}, scale {args.scale:g})")
    engine = open_database(settings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with Session(engine) as session:
        report = make_report(
            session, period_of("year", dt.date(YEAR, 6, 1)), None, NOW, settings.zone
        )
    counted = time.perf_counter() - started
    started = time.perf_counter()
    files = write_files(report, folder)
    written = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"figures counted in {counted:.2f} s; files written in {written:.2f} s")
    print(f"peak RSS {peak / 1024:.0f} MB (after seeding {before / 1024:.0f} MB)")
    tracemalloc.start()  # a second run, traced: what making the report itself holds
    with Session(engine) as session:
        write_files(make_report(session, report.period, None, NOW, settings.zone), folder)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    print(f"the report's own peak (traced Python memory): {traced:.1f} MB")
    tracemalloc.stop()
    asked, held = report.value("questions_asked").now, report.value("activities_held").now
    opened, reached = report.value("orders_opened").now, report.value("announcements_reached").now
    print(f"questions {asked:g}, activities {held:g}, work orders {opened:g}, reached {reached:g}")
    print(*(f"{f.name}: {f.stat().st_size // 1024} KB" for f in files), sep="\n")
    engine.dispose()


if __name__ == "__main__":
    main()
