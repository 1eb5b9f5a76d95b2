"""`linli serve --workers N`: on PostgreSQL N processes answer on one port, one leads the
scheduler, all deliver, each message goes once and each user's in order; a worker killed
with -9 is replaced and the lease moves on; SIGTERM stops them all and hands the lease back.
SQLite refuses workers with a clear message."""

from __future__ import annotations

import json
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select

from bot.app import open_database
from bot.clock import utcnow
from bot.config import Settings, load_settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import SchedulerLease
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Reply
from tests.conftest import PG_URL, drop_everything
from tests.e2e.test_reminder_restart import environment
from tests.security.test_secrets_in_served_logs import up, wait_for
from tests.serving import run_linli, serving

USERS, EACH = 60, 4


def test_sqlite_refuses_workers(tmp_path: Path) -> None:
    refused = run_linli(environment(tmp_path), "serve", "--workers", "2")
    assert refused.returncode == 1
    assert "linli serve 在 SQLite 上只跑一个进程" in refused.stderr
    assert "SQLite has one writer at a time" in refused.stderr


def test_the_workers_share_each_channels_rate() -> None:
    """Every worker keeps its own bucket: N of them at the configured rate would send N times
    as fast (bench_announcement.py measures the sum)."""
    from bot.app import shared_rates

    settings = load_settings(Path(os.devnull), environ={
        "LINLI_WECHAT_PER_SECOND": "20", "LINLI_TELEGRAM_PER_SECOND": "24",
        "LINLI_DELIVERY_CONSOLE_PER_SECOND": "40",
    })  # fmt: skip
    each = shared_rates(settings, 4)
    assert (each.wechat.per_second, each.telegram.per_second) == (5, 6)
    assert each.delivery.console_per_second == 10
    assert settings.wechat.per_second == 20  # the given settings are left as they were


def on_postgresql(home: Path) -> dict[str, str]:
    """`linli serve`'s environment on the test database, with a 5 s lease, not 2: on a 2-core
    machine running two test processes beside PostgreSQL one scheduler step has taken
    seconds, and /readyz rightly says "lapsed" then."""
    return environment(home) | {"LINLI_DATABASE_URL": PG_URL, "LINLI_SCHEDULER_LEASE_SECONDS": "5"}


def readiness(base: str) -> dict[str, object]:
    with httpx.Client(trust_env=False, timeout=10) as client:  # a new connection each time
        response = client.get(f"{base}/readyz")
        assert response.status_code == 200, response.text
        return dict(response.json()["scheduler"])


def holder_pid(base: str) -> int:
    return int(str(readiness(base)["holder"]).split(":")[1])


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and "spawn_main" in (entry / "cmdline").read_text():
                found.add(int(entry.name))
    return found


def queue_numbered(url: str) -> None:
    settings = on(url)
    engine = open_database(settings)
    notifier = Notifier(settings.zone, utcnow)
    with session_scope(engine) as session:
        people = [resolve_user(session, "console", f"w{n}", notifier.clock()).id or 0
                  for n in range(USERS)]  # fmt: skip
        for number in range(EACH):
            for person in people:
                notifier.send(session, person, "notice", f"w:{person}:{number}",
                              [Reply(str(number))])  # fmt: skip
    engine.dispose()


def on(url: str) -> Settings:
    return load_settings(Path(os.devnull), environ={"LINLI_DATABASE_URL": url})


def unsent(url: str) -> int:
    engine = open_database(on(url))
    with Session(engine) as session:
        count = session.exec(
            select(func.count()).select_from(Outbox).where(Outbox.status != "sent")
        ).one()
    engine.dispose()
    return int(count)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="PostgreSQL test skipped: set LINLI_TEST_DATABASE_URL")
def test_two_workers_on_postgresql(tmp_path: Path) -> None:
    drop_everything(PG_URL)
    env = on_postgresql(tmp_path)
    base = f"http://127.0.0.1:{env['LINLI_SERVER_PORT']}"
    try:
        with serving(env, "--workers", "2") as server:
            wait_for(lambda: up(f"{base}/readyz"), 120)
            wait_for(lambda: len(children(server.pid)) == 2, 60)
            seen: set[object] = set()

            def both_answered() -> bool:  # the leader and the standby, each on the one port
                seen.add(readiness(base)["leader_here"])
                return seen == {True, False}

            wait_for(both_answered, 60)
            queue_numbered(PG_URL)
            wait_for(lambda: unsent(PG_URL) == 0, 120)
            leader = holder_pid(base)
            assert leader in children(server.pid)
            os.kill(leader, signal.SIGKILL)
            wait_for(lambda: holder_pid(base) != leader, 60)  # the lease is 5 s
            wait_for(lambda: len(children(server.pid)) == 2, 60)  # the dead one replaced
            assert leader not in children(server.pid)
        assert server.returncode == 0
        lines = (tmp_path / "console-outbox.jsonl").read_text(encoding="utf-8").splitlines()
        got = [(r["user"], int(r["text"])) for r in map(json.loads, lines)]
        assert len(got) == len(set(got)) == USERS * EACH
        for n in range(USERS):
            assert [number for user, number in got if user == f"w{n}"] == list(range(EACH))
        engine = open_database(on(PG_URL))
        with Session(engine) as session:
            names = set(session.exec(select(SchedulerLease.name)).all())
        engine.dispose()
        assert "scheduler" not in names  # handed back on SIGTERM
    finally:
        drop_everything(PG_URL)


def wechat_counts(text: str) -> tuple[float, float]:
    """WeChat messages handled and webhook posts answered 200, as one /metrics scrape says."""
    from prometheus_client.parser import text_string_to_metric_families

    handled = answered = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("channel") != "wechat":
                continue
            if sample.name == "linli_messages_total":
                handled += sample.value
            elif sample.name == "linli_webhook_seconds_count" and sample.labels["status"] == "200":
                answered += sample.value
    return handled, answered


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="PostgreSQL test skipped: set LINLI_TEST_DATABASE_URL")
def test_metrics_of_two_workers_add_up(tmp_path: Path) -> None:
    """Each message goes on a connection whose process /readyz names first; once both have
    answered some, every scrape, whichever process takes it, counts all of them."""
    from tests.fakes.wechat_client import WeChatTestClient

    drop_everything(PG_URL)
    env = on_postgresql(tmp_path) | {
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxmetrics", "LINLI_WECHAT_APP_SECRET": "metrics-secret",
        "LINLI_WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
    }  # fmt: skip
    base = f"http://127.0.0.1:{env['LINLI_SERVER_PORT']}"
    answered: list[bool] = []  # for each message, whether the leader took it
    numbers = iter(range(400))  # bounded; several at once, so that both processes accept some

    def send_one(n: int) -> None:
        with httpx.Client(trust_env=False, timeout=30) as http:  # one connection
            leader = http.get(f"{base}/readyz").json()["scheduler"]["leader_here"]
            client = WeChatTestClient(f"{base}/wechat", "tok", "wxmetrics", "a" * 43, "plain",
                                      http=http)  # fmt: skip
            assert client.send_text(f"o-m{n}", "你好", msg_id=7_000 + n).status_code == 200
        answered.append(leader)

    try:
        with serving(env, "--workers", "2") as server:
            wait_for(lambda: up(f"{base}/readyz"), 120)
            wait_for(lambda: len(children(server.pid)) == 2, 60)
            with ThreadPoolExecutor(8) as pool:
                while min(answered.count(True), answered.count(False)) < 3:
                    batch = [n for _, n in zip(range(8), numbers, strict=False)]
                    if not batch:
                        break
                    list(pool.map(send_one, batch))
            sent = len(answered)
            assert min(answered.count(True), answered.count(False)) >= 3, answered
            for _ in range(6):  # new connections: both processes answer some scrapes
                with httpx.Client(trust_env=False, timeout=30) as http:
                    assert wechat_counts(http.get(f"{base}/metrics").text) == (sent, sent)
    finally:
        drop_everything(PG_URL)


def statuses(url: str) -> dict[str, str]:
    """Each numbered message's outbox status, by its key w:<user id>:<number>."""
    engine = open_database(on(url))
    with Session(engine) as session:
        found = dict(session.exec(select(Outbox.dedupe_key, Outbox.status)).all())
    engine.dispose()
    return found


def delivered(home: Path) -> list[tuple[str, int]]:
    log = home / "console-outbox.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [(r["user"], int(r["text"])) for r in map(json.loads, lines)]


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="PostgreSQL test skipped: set LINLI_TEST_DATABASE_URL")
def test_the_leader_killed_mid_delivery(tmp_path: Path) -> None:
    """kill -9 of the leader while both processes deliver (40 a second between them): the
    standby takes the lease, the dead one's claimed rows go out from the others, the one it
    was sending is 'unknown' (at most one a delivery worker); nothing twice, nothing lost,
    each resident's messages in order."""
    drop_everything(PG_URL)
    env = on_postgresql(tmp_path) | {"LINLI_DELIVERY_CONSOLE_PER_SECOND": "40"}
    base = f"http://127.0.0.1:{env['LINLI_SERVER_PORT']}"
    try:
        with serving(env, "--workers", "2") as server:
            wait_for(lambda: up(f"{base}/readyz"), 120)
            wait_for(lambda: len(children(server.pid)) == 2, 60)
            leader = holder_pid(base)
            queue_numbered(PG_URL)
            wait_for(lambda: len(delivered(tmp_path)) >= USERS, 120)  # a quarter out
            os.kill(leader, signal.SIGKILL)
            assert len(delivered(tmp_path)) < USERS * EACH  # killed under load
            wait_for(lambda: holder_pid(base) != leader, 60)  # the lease is 5 s
            done = ("sent", "unknown")
            wait_for(lambda: all(s in done for s in statuses(PG_URL).values()), 120)
        got, rows = delivered(tmp_path), statuses(PG_URL)
        assert len(got) == len(set(got))  # nothing twice
        unknown = {key for key, status in rows.items() if status == "unknown"}
        assert len(unknown) <= 4  # [delivery] workers: one in flight each
        people = {f"w{n}": n + 1 for n in range(USERS)}  # user ids in the order queued
        keys = {f"w:{people[user]}:{number}" for user, number in got}
        assert {key for key, status in rows.items() if status == "sent"} <= keys
        assert set(rows) - keys <= unknown  # not delivered: only what is reported unknown
        for user in people:
            numbers = [number for who, number in got if who == user]
            assert numbers == sorted(numbers)
    finally:
        drop_everything(PG_URL)
