"""A base seeded with known rows over two report periods (a month and the one before), and
the rows themselves, so a test counts each figure on its own and compares."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.activities.models import Activity, Registration, Seat
from bot.announcements.models import Announcement, Stage
from bot.app import open_database
from bot.config import Settings
from bot.db import session_scope
from bot.kb.models import KnowledgeEntry, UnansweredQuestion
from bot.models import Community, ProcessedMessage, User
from bot.reports.periods import Period, last_finished
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from tests.conftest import NOW

COMMUNITIES = {"dongpo": "东坡社区", "suzhe": "苏辙社区"}
PLACES = (*COMMUNITIES, None)  # None: district-wide rows (or a resident of no community)
INTENTS = ("faq", "clarify", "fallback", "signup", "help", "handoff")
ENTRIES = {"dibao": "低保怎么申请", "clinic": "社区医院几点开门", "library": "图书馆在哪"}
# unanswered words: the first two are alike (the same normalised text), one has a mobile number
UNANSWERED = ("电动车在哪充电", "电动车在哪充电？", "停车位怎么租", "请回电13912345678")


@dataclass
class Seeded:
    """The rows written, as plain records a test can count over."""

    engine: Engine
    settings: Settings
    period: Period  # the last month over at NOW
    users: dict[int, str | None] = field(default_factory=dict)  # user id -> community
    activities: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    shifts: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    logged: list[dict[str, Any]] = field(default_factory=list)
    announcements: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # announcements' outbox rows
    orders: list[dict[str, Any]] = field(default_factory=list)  # work orders with their events


@pytest.fixture
def empty_base(settings: Settings) -> Iterator[tuple[Engine, Settings]]:
    """A fresh database with the two communities and nothing else."""
    engine = open_database(settings)
    with session_scope(engine) as session:
        for cid, name in COMMUNITIES.items():
            session.add(Community(id=cid, name=name))
    yield engine, settings
    engine.dispose()


@pytest.fixture
def seeded(empty_base: tuple[Engine, Settings]) -> Seeded:
    """Random but fixed rows (seed 13) in this period, the previous one and just outside."""
    engine, settings = empty_base
    period = last_finished("month", NOW, settings.zone)
    base = Seeded(engine, settings, period)
    rng = random.Random(13)
    with session_scope(engine) as session:
        for entry_id, question in ENTRIES.items():
            session.add(
                KnowledgeEntry(
                    id=entry_id, category="service", question=question, answer="答", source="demo",
                    updated_at=NOW.date(),
                )
            )  # fmt: skip
        for number in range(18):
            user = User(
                display_name=f"居民{number}", community_id=PLACES[number % 3], created_at=NOW
            )
            session.add(user)
            session.flush()
            base.users[user.id or 0] = user.community_id
        for moment in _moments(rng, period, settings, 90):
            _activity(session, rng, base, moment)
            _shift(session, rng, base, moment)
            _message(session, rng, base, moment)
            _announcement(session, rng, base, moment)
    return base


def _moments(rng: random.Random, period: Period, settings: Settings, n: int) -> list[dt.datetime]:
    """Times spread over the previous period, this one and the days around them, with the
    edges themselves (local midnights) among them."""
    zone = settings.zone
    edges = [*period.previous().window(zone), period.window(zone)[1]]
    edges += [e - dt.timedelta(seconds=1) for e in edges]
    since = edges[0] - dt.timedelta(days=3)
    span = (edges[2] - since).total_seconds() + 6 * 86400
    return edges + [since + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n)]


def _activity(session: Any, rng: random.Random, base: Seeded, moment: dt.datetime) -> None:
    status = rng.choice(("published", "finished", "finished", "cancelled", "draft"))
    community = rng.choice(PLACES)
    activity = Activity(
        title="活动", community_id=community,
        starts_at=moment, ends_at=moment + dt.timedelta(hours=2),
        place="社区活动室", capacity=30, signup_deadline=moment, cancel_deadline=moment,
        status=status, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    session.add(activity)
    session.flush()
    base.activities.append(
        {"id": activity.id, "community": community, "at": moment, "status": status}
    )
    for user_id in rng.sample(sorted(base.users), rng.randint(0, 7)):
        seat = rng.choice([s.value for s in Seat])
        rating = rng.randint(1, 5) if seat == Seat.ATTENDED and rng.random() < 0.6 else None
        session.add(
            Registration(
                activity_id=activity.id or 0, user_id=user_id, status=seat, rating=rating,
                created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
        base.registrations.append({"activity": activity.id, "status": seat, "rating": rating})


def _shift(session: Any, rng: random.Random, base: Seeded, moment: dt.datetime) -> None:
    community = rng.choice(PLACES)
    post = ShiftPost(title="助老餐厅帮厨", community_id=community, place="幸福食堂", created_at=NOW)
    session.add(post)
    session.flush()
    status, slots = rng.choice(("open", "open", "cancelled")), rng.randint(1, 3)
    shift = Shift(
        post_id=post.id or 0, starts_at=moment, ends_at=moment + dt.timedelta(hours=2),
        slots=slots, status=status, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    session.add(shift)
    session.flush()
    record = {"id": shift.id, "community": community, "at": moment, "status": status}
    base.shifts.append(record | {"slots": slots})
    for user_id in rng.sample(sorted(base.users), rng.randint(0, 4)):
        turn = rng.choice([t.value for t in Turn])
        minutes = rng.randint(30, 240) if turn == Turn.DONE else None
        approved = NOW if minutes is not None and rng.random() < 0.7 else None
        session.add(
            ShiftAssignment(
                shift_id=shift.id or 0, user_id=user_id, status=turn, minutes=minutes,
                approved_at=approved, created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
        base.assignments.append(
            {
                "shift": shift.id,
                "user": user_id,
                "status": turn,
                "minutes": minutes,
                "approved": approved,
            }
        )


def _message(session: Any, rng: random.Random, base: Seeded, moment: dt.datetime) -> None:
    for n in range(rng.randint(0, 5)):
        user_id, intent = rng.choice(sorted(base.users)), rng.choice(INTENTS)
        msg_id = f"{moment.timestamp()}-{n}"
        answer = rng.choice(sorted(ENTRIES)) if intent == "faq" else None
        session.add(
            ProcessedMessage(
                channel="wechat", msg_id=msg_id, user_id=user_id, created_at=moment,
                outcome={"intent": intent, "replies": [], "answer_id": answer},
            )
        )  # fmt: skip
        base.messages.append({"user": user_id, "intent": intent, "at": moment, "answer": answer})
        if intent in ("fallback", "handoff"):
            text = rng.choice(UNANSWERED) if intent == "fallback" else "找人工"
            session.add(
                UnansweredQuestion(
                    user_id=user_id, channel="wechat", kind=intent, text=text, created_at=moment
                )
            )
            base.logged.append({"user": user_id, "kind": intent, "at": moment, "text": text})


def _announcement(session: Any, rng: random.Random, base: Seeded, moment: dt.datetime) -> None:
    status = rng.choice([s.value for s in Stage])
    everyone = rng.random() < 0.25
    communities = [] if everyone else rng.sample(sorted(COMMUNITIES), rng.randint(0, 2))
    announcement = Announcement(
        text="通知", communities=communities, everyone=everyone, send_at=moment,
        status=status, created_at=NOW,
    )  # fmt: skip
    session.add(announcement)
    session.flush()
    base.announcements.append(
        {"id": announcement.id, "status": status, "everyone": everyone,
         "communities": communities, "at": moment}
    )  # fmt: skip
