"""The console's 未答问题 inbox and 待办 page with 10,000 open questions (half of them residents'
real questions in other words, half one-off words): render time p50 / p99 over repeated loads,
and how many groups the questions fall into.

Run: python tests/bench/bench_console_inbox.py [--questions 10000] [--loads 20]
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlmodel import Session
from starlette.routing import Mount
from starlette.testclient import TestClient

from bot.app import build_app
from bot.channels.web import create_web_app
from bot.clock import utcnow
from bot.config import load_settings
from bot.console.web import PREFIX, console_app
from bot.db import session_scope
from bot.identity import resolve_user
from bot.kb.models import UnansweredQuestion
from bot.kb.store import stored_entries
from bot.kb.unanswered import Grouper
from bot.people import roles, signin

TAILS = ["", "吗", "呀", "啊", "？", "怎么弄", "找谁"]
RARE = "鹅鸭柚桔藕笋韭芹蒜姜椒梨枣栗桃杏李柿榴橙柑蕉菠萝莓瓜豆麦粟黍稻粱"


def seed(app_engine: object, count: int, now: dt.datetime) -> None:
    engine = app_engine
    rng = random.Random(7)
    with Session(engine) as session:  # type: ignore[arg-type]
        questions = [q for e in stored_entries(session) for q in e.questions]
    with session_scope(engine) as session:  # type: ignore[arg-type]
        users = [resolve_user(session, "console", f"r{n}", now).id for n in range(200)]
        for n in range(count):
            if n % 2:
                text = rng.choice(questions) + rng.choice(TAILS)
            else:
                text = "".join(rng.choice(RARE) for _ in range(rng.randint(4, 10))) + "怎么买"
            session.add(
                UnansweredQuestion(
                    user_id=rng.choice(users), channel="console", kind="fallback", text=text,
                    confidence=0.3, created_at=now - dt.timedelta(minutes=n),
                )
            )  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = load_settings(Path("/dev/null"), environ={"LINLI_HOME": home})
        app = build_app(settings, utcnow)
        now = utcnow()
        seed(app.engine, args.questions, now)
        with session_scope(app.engine) as session:
            staff = resolve_user(session, "console", "sam", now)
            assert staff.id is not None
            roles.grant(session, staff.id, "staff")
            token = signin.create_link(session, staff.id, now, dt.timedelta(minutes=10))
        web = TestClient(create_web_app(app, [Mount(PREFIX, console_app(app))]))
        web.post(f"{PREFIX}/login/{token}")
        with Session(app.engine) as session:
            grouper = Grouper()
            for moment in ("first", "again"):
                started = time.perf_counter()
                groups = grouper.grouped(session, None)
                print(f"grouping {args.questions} questions ({moment}): "
                      f"{time.perf_counter() - started:.3f} s, {len(groups)} groups")  # fmt: skip
        for page in ("/inbox", "/"):
            times = []
            web.get(PREFIX + page)  # the process's first load groups every question
            for _ in range(args.loads):
                started = time.perf_counter()
                answer = web.get(PREFIX + page)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200
            print(
                f"{page:7} {len(answer.content) / 1024:.0f} KiB"
                f"  p50 {statistics.median(times):.3f} s"
                f"  p99 {percentile(times, 0.99):.3f} s  ({args.loads} loads after the first)"
            )
        app.engine.dispose()


if __name__ == "__main__":
    main()
