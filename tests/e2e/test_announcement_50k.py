"""A 50,000-recipient announcement through the fake WeChat API: `linli serve` delivers it within
the configured rate, `linli push progress` shows it going, the server is stopped a third of the
way (SIGTERM) and killed two thirds of the way (SIGKILL), restarted each time, and every
recipient gets it once — never twice. No wall-clock limit on the whole: a busy machine may be
slow, only a stall fails it (how fast it goes is tests/bench/bench_announcement.py's job)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlmodel import Session, func, select

from bot.announcements.models import Announcement, NoticeOptOut
from bot.app import open_database
from bot.clock import utcnow
from bot.config import DeliverySettings, load_settings
from bot.db import session_scope
from bot.models import ChannelIdentity, User
from bot.outbox.models import Outbox
from tests.e2e.test_reminder_restart import free_port
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.serving import serving

RESIDENTS = 50_000
ELSEWHERE = 500  # residents of another community: not for them
OPTED_OUT = 300  # said "退订"
UNFOLLOWED = 40  # unfollowed the account: WeChat answers 43004
PER_SECOND = 400.0  # binding: the delivery could go faster on loopback
WORKERS = 4
# rows a delivery worker marks 'sending' in one commit at its share of the rate: a kill can
# leave that many a worker 'unknown'
IN_FLIGHT = max(1, int(PER_SECOND / WORKERS * DeliverySettings().in_flight_seconds))
STALL = 90.0  # seconds without one more message delivered: hung, not slow
OPTED = {f"o{n:06d}" for n in range(7, 7 + OPTED_OUT * 97, 97)}
UNFOLLOWING = {f"o{n:06d}" for n in range(11, 11 + UNFOLLOWED * 1000, 1000)}


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


def environment(home: Path, api: FakeWeChatAPI) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": str(home),
        "LINLI_KNOWLEDGE_LOAD_DEMO": "true",
        "LINLI_SCHEDULER_LEASE_SECONDS": "3",
        "LINLI_DELIVERY_INTERVAL_SECONDS": "0.2",
        "LINLI_DELIVERY_WORKERS": str(WORKERS),
        "LINLI_SERVER_PORT": str(free_port()),
        "LINLI_WECHAT_ENABLED": "true",
        "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxtest",
        "LINLI_WECHAT_APP_SECRET": "s3cret",
        "LINLI_WECHAT_API_BASE": api.base_url,
        "LINLI_WECHAT_PER_SECOND": str(PER_SECOND),
        "LINLI_WECHAT_TEMPLATES": json.dumps({"announcement": "TPL-NOTICE"}),
    })  # fmt: skip
    return env


def populate(env: dict[str, str]) -> None:
    """50,000 followers in 苏辙社区 (a fifth of them quiet for over 48 hours: template
    messages), some elsewhere, some opted out."""
    engine = open_database(load_settings(Path(os.devnull), environ=env))
    now = utcnow()
    total = RESIDENTS + ELSEWHERE
    with session_scope(engine) as session:
        session.execute(insert(User), [
            {"id": n, "community_id": "suzhe" if n <= RESIDENTS else "penglai", "created_at": now}
            for n in range(1, total + 1)
        ])  # fmt: skip
        session.execute(insert(ChannelIdentity), [
            {"channel": "wechat", "external_id": f"o{n:06d}", "user_id": n,
             "last_seen_at": now - dt.timedelta(hours=1 if n % 5 else 72)}
            for n in range(1, total + 1)
        ])  # fmt: skip
        session.execute(insert(NoticeOptOut), [
            {"user_id": int(o[1:]), "topic": "all", "created_at": now} for o in OPTED
        ])  # fmt: skip
    engine.dispose()


def linli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def received(api: FakeWeChatAPI) -> Counter[str]:
    with api._lock:
        people = [m["touser"] for m in api.custom_messages + api.template_messages]
    return Counter(people)


def wait_while_moving(
    done: Callable[[], bool], progress: Callable[[], int], stall_seconds: float = STALL
) -> None:
    """Wait until `done()`, however slow a busy machine is, as long as `progress()` keeps
    growing: fail only when nothing moved for `stall_seconds` (a hang, not a slow run)."""
    last, moved = progress(), time.monotonic()
    while not done():
        time.sleep(0.2)
        now_at = progress()
        if now_at != last:
            last, moved = now_at, time.monotonic()
        assert time.monotonic() - moved < stall_seconds, f"stuck at {last} for {stall_seconds} s"


def test_fifty_thousand_recipients_exactly_once_across_a_stop_and_a_crash(
    tmp_path: Path, api: FakeWeChatAPI
) -> None:
    env = environment(tmp_path, api)
    populate(env)
    api.unsubscribed.update(UNFOLLOWING)
    sent = json.loads(linli(env, "push", "send", "本周六上午 9 点社区广场义诊，欢迎参加。",
                            "--community", "苏辙社区", "--json"))  # fmt: skip
    expected = RESIDENTS - OPTED_OUT
    assert sent["recipients"] == expected
    progress: list[dict[str, object]] = []

    def count() -> int:
        return sum(received(api).values())

    with serving(env) as first:
        wait_while_moving(lambda: count() >= RESIDENTS // 3, count)
        progress.append(progress_of(env, sent["id"]))
        first.send_signal(signal.SIGTERM)  # a stop: the messages in flight finish first
        first.wait(timeout=60)
    with serving(env) as second:
        wait_while_moving(lambda: count() >= 2 * RESIDENTS // 3, count)
        second.send_signal(signal.SIGKILL)  # a crash: nothing is finished
        second.wait(timeout=30)
    engine = open_database(load_settings(Path(os.devnull), environ=env))

    def finished() -> bool:  # read here, not by a `linli` process a time: that would load the CPU
        with Session(engine) as session:
            found = session.get(Announcement, sent["id"])
            return found is not None and found.status == "done"

    with serving(env):
        wait_while_moving(finished, count)

    report = progress_of(env, sent["id"])
    got = received(api)
    with Session(engine) as session:
        rows = session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
        unknown = {
            f"o{user:06d}"
            for user in session.exec(select(Outbox.user_id).where(Outbox.status == "unknown"))
        }
    statuses = dict(rows)
    # nobody twice; everybody once, except the few a worker had in flight when killed, which
    # the report names as "状态不明" (maybe sent) and are never sent again
    assert max(got.values()) == 1
    assert len(unknown) <= WORKERS * IN_FLIGHT
    missing = {f"o{n:06d}" for n in range(1, RESIDENTS + 1)} - set(got)
    assert missing - OPTED - UNFOLLOWING <= unknown
    assert not set(got) & OPTED
    assert all(int(o[1:]) <= RESIDENTS for o in got)  # nobody of the other community
    assert statuses.get("undeliverable") == UNFOLLOWED
    assert statuses.get("sent", 0) + len(unknown) + UNFOLLOWED == expected
    assert report["counts"]["sent"] == statuses["sent"]
    assert report["reasons"].get("已取消关注公众号") == UNFOLLOWED
    assert "发送完成" in report["text"]
    assert api.busiest_second() <= PER_SECOND * 1.05 + WORKERS
    assert progress[0]["status"] == "sending"
    assert 0 < progress[0]["waiting"] < expected


def progress_of(env: dict[str, str], announcement: int) -> dict[str, object]:
    return json.loads(linli(env, "push", "progress", str(announcement), "--json"))
