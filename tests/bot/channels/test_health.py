"""/healthz, /readyz and /metrics of the web app `linli serve` runs, served by uvicorn on
loopback: readiness follows the database, its schema and the scheduler lease, and the
counters move when a real message is handled and a real notice delivered."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import migrations
from bot.app import App
from bot.channels.health import Probes
from bot.channels.web import create_web_app
from bot.db import make_engine, session_scope
from bot.identity import resolve_user
from bot.metrics.registry import Metrics
from bot.outbox.notifier import Notifier
from bot.tables import TABLES
from bot.types import Incoming, Reply
from scheduler import lease
from scheduler.delivery import ConsoleSender, Delivery
from tests.conftest import NOW, Clock
from tests.fakes import LocalServer

TTL = dt.timedelta(seconds=30)


@contextlib.contextmanager
def served(app: App) -> Iterator[httpx.Client]:
    """The app's web app on loopback, and a client for it."""
    with LocalServer(create_web_app(app)) as server:
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base, trust_env=False, timeout=10) as client:
            yield client


@pytest.fixture
def web(app: App) -> Iterator[httpx.Client]:
    with served(app) as client:
        yield client


def samples(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample /metrics shows, by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_healthz_answers_without_the_database(app: App) -> None:
    broken = dataclasses.replace(app)
    broken.engine = make_engine("postgresql+psycopg://linli@127.0.0.1:1/nowhere")
    with served(broken) as client:
        response = client.get("/healthz")
        assert (response.status_code, response.text) == (200, "ok")
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"ready": False, "reason": "database unreachable", "database": "down"}
    broken.engine.dispose()


def test_ready_when_the_lease_is_held_and_not_when_it_lapsed(
    app: App, web: httpx.Client, clock: Clock
) -> None:
    nobody = web.get("/readyz")
    assert nobody.status_code == 503
    assert nobody.json()["reason"] == "no process holds the scheduler lease"
    assert nobody.json()["schema"]["state"] == "current"
    assert lease.acquire(app.engine, "host:1:a", NOW, TTL)
    ready = web.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["scheduler"] | {"leader_here": None} == {
        "state": "held", "holder": "host:1:a", "expires_in_seconds": 30.0, "leader_here": None,
    }  # fmt: skip
    clock.advance(seconds=45)  # expired 15 s ago: a standby takes over within a tick
    assert web.get("/readyz").json()["scheduler"]["state"] == "expired"
    assert web.get("/readyz").status_code == 200
    clock.advance(seconds=30)  # expired a whole lease ago: nobody runs reminders or delivery
    lapsed = web.get("/readyz")
    assert lapsed.status_code == 503
    assert lapsed.json()["scheduler"]["state"] == "lapsed"


def test_not_ready_on_an_older_schema(app: App, web: httpx.Client) -> None:
    lease.acquire(app.engine, "host:1:a", NOW, TTL)
    migrations.downgrade(app.engine, TABLES, "-1")
    behind = web.get("/readyz")
    assert behind.status_code == 503
    assert behind.json()["reason"] == "schema behind: see linli db"
    assert behind.json()["schema"]["head"] == migrations.head()
    migrations.upgrade(app.engine, TABLES)
    assert web.get("/readyz").status_code == 200


def test_a_message_moves_the_counters(app: App, web: httpx.Client) -> None:
    before = samples(web)
    app.dispatcher.handle(Incoming("console", "ann", "东坡大道名字怎么来的", msg_id="m1"))
    app.dispatcher.handle(Incoming("console", "ann", "东坡大道名字怎么来的", msg_id="m1"))
    app.dispatcher.handle(Incoming("console", "bob", "今天天气怎么样", msg_id="m2"))
    after = samples(web)
    assert after[("linli_messages_total", (("channel", "console"), ("intent", "faq")))] == 1
    assert after[("linli_messages_replayed_total", (("channel", "console"),))] == 1
    assert after[("linli_match_decisions_total", (("decision", "answer"),))] == 1
    assert after[("linli_match_decisions_total", (("decision", "fallback"),))] == 1
    assert after[("linli_match_seconds_count", ())] == 2
    assert before[("linli_match_seconds_count", ())] == 0


def test_outbox_depth_and_delivery_outcomes(app: App, web: httpx.Client, tmp_path: Path) -> None:
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", "ann", NOW)
        Notifier(app.settings.zone, lambda: NOW).send(
            session, user.id or 0, "notice", "n1", [Reply("明天停水")]
        )
    pending = ("linli_outbox_depth", (("status", "pending"),))
    assert samples(web)[pending] == 1
    sender = ConsoleSender(tmp_path / "out.jsonl", 100)
    Delivery(app.engine, {"console": sender}, app.settings.delivery, lambda: NOW, app.metrics
             ).run_once(NOW + dt.timedelta(seconds=1))  # fmt: skip
    after = samples(web)
    assert after[pending] == 0
    assert (
        after[("linli_outbox_deliveries_total", (("channel", "console"), ("outcome", "sent")))] == 1
    )


def test_a_gauge_that_cannot_be_read_leaves_the_rest(tmp_path: Path) -> None:
    metrics = Metrics()
    metrics.messages.labels("console", "faq").inc()

    def down() -> dict[str, float]:
        raise OSError("database down")

    metrics.watch("linli_outbox_depth", "rows", "status", down)
    text = metrics.exposition().decode()
    assert 'linli_messages_total{channel="console",intent="faq"} 1.0' in text
    assert "linli_outbox_depth{" not in text


def test_probes_report_this_process_as_leader(app: App) -> None:
    lease.acquire(app.engine, "me", NOW, TTL)
    probes = Probes(app.engine, app.metrics, 30, leader=lambda: True, clock=lambda: NOW)
    assert probes.readiness()["scheduler"]["leader_here"] is True


def test_not_ready_when_tables_are_missing(app: App, web: httpx.Client) -> None:
    lease.acquire(app.engine, "host:1:a", NOW, TTL)
    with app.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE wechatnonce")
    missing = web.get("/readyz")
    assert missing.status_code == 503
    assert missing.json()["reason"] == "tables missing: wechatnonce"
