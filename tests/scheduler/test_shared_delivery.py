"""Several processes deliver the outbox at once (what `linli serve --workers N` does on
PostgreSQL): each message goes exactly once, each user's messages in the order queued, and
the leader hands back only what a dead process left, never what a live one is sending."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence

import pytest
from sqlmodel import Session, col, select

import scheduler.delivery
from bot.app import App
from bot.config import DeliverySettings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import ChannelIdentity
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Reply
from scheduler import lease
from scheduler.delivery import Delivery
from tests.conftest import NOW

TTL = dt.timedelta(seconds=30)
USERS, EACH = 12, 8


class Log:
    """A channel shared by every delivering process: what reached whom, in order. With a
    `gate`, the first send of all waits until another deliverer has sent one: the first
    holds its claim meanwhile, so the others must work around it."""

    channel = "console"
    per_second = 100_000.0

    def __init__(self, shared: list[tuple[str, int]] | None = None, gate: Gate | None = None):
        self.sent: list[tuple[str, int]] = [] if shared is None else shared
        self.gate = gate
        self.mine = 0
        self._lock = threading.Lock()

    def prepare(self, identities: Sequence[ChannelIdentity]) -> None:
        pass

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        if self.gate is not None:
            self.gate.pass_through(self)
        with self._lock:
            self.sent.append((identity.external_id, int(texts[0])))
            self.mine += 1
        return self.channel


class Gate:
    def __init__(self) -> None:
        self.first: Log | None = None
        self.other_sent = threading.Event()
        self._lock = threading.Lock()

    def pass_through(self, log: Log) -> None:
        with self._lock:
            if self.first is None:
                self.first = log
            elif log is not self.first:
                self.other_sent.set()
        if log is self.first:  # bounded: a broken claim fails the test below, never hangs it
            self.other_sent.wait(timeout=30)


def queue_many(app: App) -> None:
    """EACH numbered messages for each of USERS residents, queued in number order."""
    notifier = Notifier(app.settings.zone, lambda: NOW)
    with session_scope(app.engine) as session:
        people = [resolve_user(session, "console", f"u{n}", NOW).id or 0 for n in range(USERS)]
        for number in range(EACH):
            for person in people:
                notifier.send(session, person, "notice", f"{person}:{number}",
                              [Reply(str(number))], due=NOW)  # fmt: skip


def pending(app: App) -> int:
    with Session(app.engine) as session:
        return len(session.exec(select(Outbox.id).where(Outbox.status != "sent")).all())


def delivery(app: App, log: Log) -> Delivery:
    settings = DeliverySettings.model_validate({"workers": 3})
    return Delivery(app.engine, {"console": log}, settings, lambda: NOW)


def test_three_deliverers_send_each_once_and_each_users_in_order(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler.delivery, "_BATCH", 10)  # small claims: they interleave
    queue_many(app)
    sent: list[tuple[str, int]] = []
    gate = Gate()
    logs = [Log(sent, gate) for _ in range(3)]
    deliverers = [delivery(app, log) for log in logs]
    start = threading.Barrier(3)

    def work(one: Delivery) -> None:
        start.wait(timeout=30)
        deadline = time.monotonic() + 60  # only a hang runs out of it
        while pending(app) and time.monotonic() < deadline:  # as the service's ticks do
            if not one.run_once(NOW + dt.timedelta(seconds=1)):
                time.sleep(0.01)  # claimed by another meanwhile, or held: the next tick

    threads = [threading.Thread(target=work, args=(d,)) for d in deliverers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(sent) == len(set(sent)) == USERS * EACH
    for n in range(USERS):
        assert [number for user, number in sent if user == f"u{n}"] == list(range(EACH))
    assert gate.other_sent.is_set()  # the others delivered while the first held its claim
    assert sum(1 for log in logs if log.mine) >= 2
    with Session(app.engine) as session:
        statuses = set(session.exec(select(Outbox.status)).all())
    assert statuses == {"sent"}


def test_a_user_in_flight_elsewhere_is_not_claimed(app: App) -> None:
    queue_many(app)
    with session_scope(app.engine) as session:  # another process is sending u0's first one
        first = session.exec(select(Outbox).order_by(col(Outbox.id))).first()
        assert first is not None
        first.status, first.claim = "sending", "elsewhere:1:a:1"
        session.add(first)
        held_user = first.user_id
    log = Log()
    delivery(app, log).run_once(NOW + dt.timedelta(seconds=1))
    assert "u0" not in {user for user, _ in log.sent}
    assert len(log.sent) == (USERS - 1) * EACH
    with Session(app.engine) as session:
        left = session.exec(select(Outbox).where(Outbox.user_id == held_user)).all()
    assert sorted(r.status for r in left) == ["pending"] * (EACH - 1) + ["sending"]


def test_recovery_spares_a_live_process_and_takes_back_a_dead_ones(app: App) -> None:
    queue_many(app)
    live, dead = "web1:11:aa", "web2:22:bb"
    with session_scope(app.engine) as session:
        found = session.exec(select(Outbox).order_by(col(Outbox.id)).limit(4)).all()
        for row, (status, owner) in zip(
            found, [("sending", live), ("claimed", live), ("sending", dead), ("claimed", dead)],
            strict=True,
        ):  # fmt: skip
            row.status, row.claim = status, f"{owner}:7"
            session.add(row)
    assert lease.beat(app.engine, live, NOW, TTL)
    assert lease.beat(app.engine, dead, NOW - 2 * TTL, TTL)  # its heartbeat lapsed
    assert lease.alive(app.engine, NOW) == {live}
    leader = delivery(app, Log())
    assert leader.recover(lease.alive(app.engine, NOW)) == 1
    with Session(app.engine) as session:
        after = session.exec(select(Outbox).order_by(col(Outbox.id)).limit(4)).all()
    assert [(r.status, r.claim) for r in after] == [
        ("sending", f"{live}:7"), ("claimed", f"{live}:7"), ("unknown", None), ("pending", None),
    ]  # fmt: skip
    lease.prune(app.engine, NOW)
    assert lease.alive(app.engine, NOW - 3 * TTL) == {live}  # the dead one's row is gone
