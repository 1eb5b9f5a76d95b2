"""`linli report demo`: fill days with made-up activity — residents, activities with sign-ups,
attendance and ratings, volunteer shifts, residents' questions, announcements with their
deliveries, and work orders through their states — so every report has something to count
(a demo or a training base; never a district's real one). Written straight into the tables,
not through the services: no notice goes to anyone. What it wrote comes back as plain
records, so a test can count each figure on its own."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.activities.models import Activity, Registration, Seat
from bot.announcements.models import Announcement
from bot.cli.args import day
from bot.cli.desk import Desk, json_flag, subcommand
from bot.errors import UserFacingError
from bot.kb.models import KnowledgeEntry, UnansweredQuestion
from bot.kb.store import stored_communities
from bot.models import Community, ProcessedMessage, User
from bot.orders.categories import Category, load_categories
from bot.orders.models import OrderState, WorkOrder, WorkOrderEvent
from bot.outbox.models import Outbox
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn

RESIDENTS = 24  # made-up residents per community
UNANSWERED = ("电动车在哪充电", "停车位怎么租", "小区能养鸡吗", "快递柜坏了找谁")
INTENTS = ("faq", "faq", "faq", "clarify", "fallback", "handoff", "signup")
FALLBACK_COMMUNITIES = {"dongpo": "东坡社区", "suzhe": "苏辙社区"}
FUTURE = "只能填到今天为止（{day} 还没到）。"
BACKWARDS = "结束日期要在开始日期之后。"


@dataclass
class Filled:
    """What the generator wrote, as plain records (the same shape the report tests use)."""

    users: dict[int, str | None] = field(default_factory=dict)  # id -> community
    activities: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    shifts: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    logged: list[dict[str, Any]] = field(default_factory=list)
    announcements: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many of each were written."""
        return {name: len(rows) for name, rows in asdict(self).items()}


def add_commands(sub: Any) -> None:
    """Add `report demo` to the `report` group."""
    demo = json_flag(
        subcommand(sub, "demo", "演示用：给一段日子填上模拟的活动、咨询、工单等", _demo)
    )
    demo.add_argument("--from", dest="first", type=day, required=True, help="第一天，如 2026-10-01")
    demo.add_argument("--to", dest="last", type=day, required=True, help="最后一天（含）")
    demo.add_argument("--seed", type=int, default=13, help="随机数种子：同一种子填出同样的数据")


def _demo(args: argparse.Namespace, desk: Desk) -> str:
    categories = load_categories(desk.settings.orders.categories)
    filled = fill(desk.session, args.first, args.last, desk.now, desk.zone, categories, args.seed)
    counts = filled.counts()
    if args.json:
        return json.dumps(counts, ensure_ascii=False)
    return f"已填入 {args.first} 至 {args.last} 的演示数据：" + "，".join(
        f"{name} {n}" for name, n in counts.items()
    )


def fill(
    session: Session,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    zone: ZoneInfo,
    categories: tuple[Category, ...],
    seed: int = 13,
) -> Filled:
    """Fill the local days first..last (inclusive) of every community with made-up rows.

    Raises:
        UserFacingError: the days run backwards or past today.
    """
    if last < first:
        raise UserFacingError(BACKWARDS)
    if last > now.astimezone(zone).date():
        raise UserFacingError(FUTURE.format(day=last))
    rng, filled = random.Random(seed), Filled()
    answers = [
        e.id
        for e in session.exec(
            select(KnowledgeEntry).order_by(col(KnowledgeEntry.id)).limit(12)
        ).all()
    ]
    places = [c.id for c in stored_communities(session)]
    if not places:
        for cid, name in FALLBACK_COMMUNITIES.items():
            session.add(Community(id=cid, name=name))
        places = list(FALLBACK_COMMUNITIES)
    for place in places:
        for n in range(RESIDENTS):
            user = User(display_name=f"演示居民{place}{n}", community_id=place, created_at=now)
            session.add(user)
            session.flush()
            filled.users[user.id or 0] = place
    day = first
    while day <= last:
        for place in places:
            _day_of(session, rng, filled, place, day, zone, now, categories, answers)
        day += dt.timedelta(days=1)
    session.flush()
    return filled


def _day_of(
    session: Session,
    rng: random.Random,
    filled: Filled,
    place: str,
    day: dt.date,
    zone: ZoneInfo,
    now: dt.datetime,
    categories: tuple[Category, ...],
    answers: list[str],
) -> None:
    def moment() -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
        return (local + dt.timedelta(seconds=rng.randrange(7 * 3600, 21 * 3600))).astimezone(dt.UTC)

    residents = [uid for uid, c in filled.users.items() if c == place]
    if rng.random() < 0.35:
        _activity(session, rng, filled, place, moment(), residents, now)
    if rng.random() < 0.6:
        _shift(session, rng, filled, place, moment(), residents, now)
    for _ in range(rng.randint(2, 9)):
        _question(session, rng, filled, rng.choice(residents), moment(), answers)
    if rng.random() < 0.15:
        _announcement(session, rng, filled, place, moment(), residents, now)
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        _order(session, rng, filled, place, moment(), rng.choice(residents), categories, now)


def _activity(session: Session, rng: random.Random, filled: Filled, place: str,
              at: dt.datetime, residents: list[int], now: dt.datetime) -> None:  # fmt: skip
    status = rng.choice(("finished", "finished", "finished", "published", "cancelled"))
    activity = Activity(
        title=rng.choice(("义诊", "剪纸课", "防诈骗讲座", "亲子阅读")), community_id=place,
        starts_at=at, ends_at=at + dt.timedelta(hours=2), place="社区活动室", capacity=30,
        signup_deadline=at, cancel_deadline=at, status=status, created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(activity)
    session.flush()
    filled.activities.append({"id": activity.id, "community": place, "at": at, "status": status})
    seats = (Seat.ATTENDED, Seat.ATTENDED, Seat.ATTENDED, Seat.NO_SHOW, Seat.CANCELLED)
    for user_id in rng.sample(residents, rng.randint(3, 12)):
        seat = rng.choice(seats)
        rating = rng.randint(3, 5) if seat == Seat.ATTENDED and rng.random() < 0.5 else None
        session.add(
            Registration(
                activity_id=activity.id or 0, user_id=user_id, status=seat, rating=rating,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        filled.registrations.append({"activity": activity.id, "status": seat, "rating": rating})


def _shift(session: Session, rng: random.Random, filled: Filled, place: str,
           at: dt.datetime, residents: list[int], now: dt.datetime) -> None:  # fmt: skip
    post = ShiftPost(title="助老餐厅帮厨", community_id=place, place="幸福食堂", created_at=now)
    session.add(post)
    session.flush()
    slots = rng.randint(1, 4)
    shift = Shift(
        post_id=post.id or 0, starts_at=at, ends_at=at + dt.timedelta(hours=2), slots=slots,
        status="open", created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(shift)
    session.flush()
    filled.shifts.append(
        {"id": shift.id, "community": place, "at": at, "status": "open", "slots": slots}
    )
    turns = (Turn.DONE, Turn.DONE, Turn.NO_SHOW, Turn.CANCELLED)
    for user_id in rng.sample(residents, rng.randint(0, slots)):
        turn = rng.choice(turns)
        minutes = 120 if turn == Turn.DONE else None
        approved = now if minutes is not None and rng.random() < 0.8 else None
        session.add(
            ShiftAssignment(
                shift_id=shift.id or 0, user_id=user_id, status=turn, minutes=minutes,
                approved_at=approved, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        filled.assignments.append(
            {"shift": shift.id, "user": user_id, "status": turn, "minutes": minutes,
             "approved": approved}
        )  # fmt: skip


def _question(session: Session, rng: random.Random, filled: Filled, user_id: int,
              at: dt.datetime, answers: list[str]) -> None:  # fmt: skip
    """A question: answered (from the stored base, when it has entries), clarified, not
    answered (logged for staff), a 找人工, or a sign-up."""
    intent = rng.choice(INTENTS)
    text = rng.choice(UNANSWERED)
    answer = rng.choice(answers) if intent == "faq" and answers else None
    msg_id = f"demo-{at.timestamp():.0f}-{len(filled.messages)}"
    session.add(
        ProcessedMessage(
            channel="demo", msg_id=msg_id, user_id=user_id, created_at=at,
            outcome={"intent": intent, "replies": [], "answer_id": answer},
        )
    )  # fmt: skip
    filled.messages.append({"user": user_id, "intent": intent, "at": at, "answer": answer})
    if intent in ("fallback", "handoff"):
        said = text if intent == "fallback" else "找人工"
        session.add(
            UnansweredQuestion(
                user_id=user_id, channel="demo", kind=intent, text=said, created_at=at
            )
        )
        filled.logged.append({"user": user_id, "kind": intent, "at": at, "text": said})


def _announcement(session: Session, rng: random.Random, filled: Filled, place: str,
                  at: dt.datetime, residents: list[int], now: dt.datetime) -> None:  # fmt: skip
    announcement = Announcement(
        text="【演示】本周六上午社区义诊。", communities=[place], send_at=at, status="done",
        recipients=len(residents), created_at=now, queued_at=at,
    )  # fmt: skip
    session.add(announcement)
    session.flush()
    filled.announcements.append(
        {"id": announcement.id, "status": "done", "everyone": False, "communities": [place],
         "at": at}
    )  # fmt: skip
    for user_id in residents:
        status = rng.choice(("sent",) * 8 + ("undeliverable", "failed"))
        session.add(
            Outbox(
                user_id=user_id, kind="announcement", ref=f"announcement:{announcement.id}",
                dedupe_key=f"demo-announcement:{announcement.id}:{user_id}", status=status,
                payload={"replies": [{"text": announcement.text}]}, next_attempt_at=at,
                created_at=at, sent_at=at if status == "sent" else None,
            )
        )  # fmt: skip
        filled.deliveries.append(
            {"announcement": announcement.id, "user": user_id, "status": status}
        )


def _order(session: Session, rng: random.Random, filled: Filled, place: str, at: dt.datetime,
           resident: int, categories: tuple[Category, ...], now: dt.datetime) -> None:  # fmt: skip
    """A work order and its story: accepted (mostly within the time limit), resolved
    (mostly on time), some turned down, some still open."""
    category = rng.choice(categories)
    order = WorkOrder(
        resident_id=resident, community_id=place, category=category.name,
        description="演示工单", state=OrderState.SUBMITTED, created_at=at, updated_at=at,
    )  # fmt: skip
    session.add(order)
    session.flush()
    events: list[tuple[dt.datetime, str | None, str]] = [(at, None, OrderState.SUBMITTED)]
    respond = dt.timedelta(hours=category.respond_hours * rng.uniform(0.1, 1.4))
    resolve = dt.timedelta(days=category.resolve_days * rng.uniform(0.2, 1.5))
    fixed = at + max(resolve, respond + dt.timedelta(hours=1))  # never at the same moment
    story = rng.random()
    if story < 0.1:
        events.append((at + respond, OrderState.SUBMITTED, OrderState.REJECTED))
    elif story < 0.85:
        events.append((at + respond, OrderState.SUBMITTED, OrderState.ASSIGNED))
        events.append((fixed, OrderState.ASSIGNED, OrderState.RESOLVED))
        if rng.random() < 0.7:
            confirmed = fixed + dt.timedelta(hours=5)
            events.append((confirmed, OrderState.RESOLVED, OrderState.CLOSED))
    elif story < 0.93:
        events.append((at + respond, OrderState.SUBMITTED, OrderState.ASSIGNED))
    events = [e for e in events if e[0] <= now]  # the story so far
    for when, before, after in events:
        session.add(WorkOrderEvent(order_id=order.id or 0, at=when, before=before, after=after))
    order.state = events[-1][2]
    order.updated_at = events[-1][0]
    session.add(order)
    filled.orders.append(
        {"id": order.id, "community": place, "category": category.name, "at": at,
         "events": [{"at": w, "before": b, "after": a} for w, b, a in events]}
    )  # fmt: skip
