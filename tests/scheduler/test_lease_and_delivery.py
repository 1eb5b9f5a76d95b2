"""One scheduler at a time; outbox delivery: once, within the rate, retried, recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from bot.app import App
from bot.config import DeliverySettings
from bot.db import session_scope
from bot.errors import ChannelError, Undeliverable
from bot.identity import resolve_user
from bot.models import ChannelIdentity, SchedulerLease
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Reply
from scheduler import lease
from scheduler import service as service_module
from scheduler.delivery import Delivery
from scheduler.service import SchedulerService
from tests.conftest import NOW, Clock

TTL = dt.timedelta(seconds=30)


def test_only_one_process_holds_the_lease(app: App) -> None:
    assert lease.acquire(app.engine, "a", NOW, TTL)
    assert not lease.acquire(app.engine, "b", NOW + dt.timedelta(seconds=10), TTL)
    assert lease.acquire(app.engine, "a", NOW + dt.timedelta(seconds=20), TTL)  # renewed
    assert not lease.acquire(app.engine, "b", NOW + dt.timedelta(seconds=45), TTL)
    assert lease.acquire(app.engine, "b", NOW + dt.timedelta(seconds=51), TTL)  # a lapsed
    assert not lease.acquire(app.engine, "a", NOW + dt.timedelta(seconds=52), TTL)
    lease.release(app.engine, "b")
    assert lease.acquire(app.engine, "a", NOW + dt.timedelta(seconds=53), TTL)


class Recorder:
    """A fake channel: fails the first `failures` sends, or refuses a user for good."""

    channel = "console"
    per_second = 1000.0

    def __init__(self, failures: int = 0, blocked: str = ""):
        self.failures = failures
        self.blocked = blocked
        self.sent: list[tuple[str, str]] = []

    def prepare(self, identities: Sequence[ChannelIdentity]) -> None:
        pass

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        if identity.external_id == self.blocked:
            raise Undeliverable("the user blocked the account")
        if self.failures:
            self.failures -= 1
            raise ChannelError("timeout")
        self.sent.append((identity.external_id, texts[0]))
        return self.channel


def queue(app: App, name: str, key: str) -> None:
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", name, NOW)
        notifier = Notifier(app.settings.zone, lambda: NOW)
        assert notifier.send(session, user.id or 0, "notice", key, [Reply("通知")], due=NOW)
        assert not notifier.send(session, user.id or 0, "notice", key, [Reply("通知")], due=NOW)


def rows(app: App) -> list[Outbox]:
    with Session(app.engine) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def settings(**changes: float) -> DeliverySettings:
    """One row marked 'sending' at a time (as on WeChat) unless `in_flight_seconds` says."""
    base = {"max_attempts": 3, "backoff_seconds": 10, "in_flight_seconds": 0}
    return DeliverySettings.model_validate(base | changes)


def test_each_notice_is_queued_once_and_sent_once(app: App) -> None:
    queue(app, "ann", "k1")
    sender = Recorder()
    delivery = Delivery(app.engine, {"console": sender}, settings(), lambda: NOW)
    assert delivery.run_once(NOW) == 1
    assert delivery.run_once(NOW) == 0
    assert sender.sent == [("ann", "通知")]
    (row,) = rows(app)
    assert row.status == "sent"
    assert row.channel == "console"


def test_failures_back_off_then_give_up(app: App) -> None:
    queue(app, "ann", "k1")
    sender = Recorder(failures=5)
    delivery = Delivery(app.engine, {"console": sender}, settings(), lambda: NOW)
    delivery.run_once(NOW)
    (row,) = rows(app)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=10)
    assert delivery.run_once(NOW + dt.timedelta(seconds=5)) == 0  # not due yet
    delivery.run_once(NOW + dt.timedelta(seconds=10))
    (row,) = rows(app)
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=30)  # doubled
    delivery.run_once(NOW + dt.timedelta(seconds=30))
    (row,) = rows(app)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "timeout")
    assert sender.sent == []


def test_undeliverable_is_recorded_not_dropped(app: App) -> None:
    queue(app, "ann", "k1")
    blocked = {"console": Recorder(blocked="ann")}
    Delivery(app.engine, blocked, settings(), lambda: NOW).run_once(NOW)
    (row,) = rows(app)
    assert row.status == "undeliverable"
    assert row.last_error == "the user blocked the account"


def test_no_channel_to_reach_the_user(app: App) -> None:
    queue(app, "ann", "k1")
    Delivery(app.engine, {}, settings(), lambda: NOW).run_once(NOW)
    (row,) = rows(app)
    assert row.status == "undeliverable"


def test_a_send_interrupted_by_a_crash_is_not_repeated(app: App) -> None:
    queue(app, "ann", "k1")
    with session_scope(app.engine) as session:
        (row,) = session.exec(select(Outbox)).all()
        row.status = "sending"  # the process died between claiming and recording
        session.add(row)
    sender = Recorder()
    delivery = Delivery(app.engine, {"console": sender}, settings(), lambda: NOW)
    assert delivery.recover() == 1
    delivery.run_once(NOW)
    assert sender.sent == []
    assert rows(app)[0].status == "unknown"


def test_claimed_but_unsent_rows_go_back_to_pending_after_a_crash(app: App) -> None:
    for name in ("ann", "bob"):
        queue(app, name, f"k-{name}")
    with session_scope(app.engine) as session:
        first, second = session.exec(select(Outbox).order_by(col(Outbox.id))).all()
        first.status, second.status = "sending", "claimed"  # died while sending the first
        session.add_all([first, second])
    sender = Recorder()
    delivery = Delivery(app.engine, {"console": sender}, settings(), lambda: NOW)
    assert delivery.recover() == 1
    delivery.run_once(NOW)
    assert sender.sent == [("bob", "通知")]  # the second one was never tried: it goes now
    assert [r.status for r in rows(app)] == ["unknown", "sent"]


def test_a_stop_finishes_the_message_in_flight_and_hands_back_the_rest(app: App) -> None:
    for name in ("ann", "bob", "cat"):
        queue(app, name, f"k-{name}")
    sender = Recorder()
    delivery = Delivery(app.engine, {"console": sender}, settings(workers=1), lambda: NOW)
    assert delivery.run_once(NOW, stop=lambda: len(sender.sent) >= 1) == 1
    assert [r.status for r in rows(app)] == ["sent", "pending", "pending"]
    assert delivery.run_once(NOW) == 2
    assert sorted(name for name, _ in sender.sent) == ["ann", "bob", "cat"]


def test_workers_keep_one_users_messages_in_order(app: App) -> None:
    for n in range(6):
        queue(app, "ann", f"k{n}")
        queue(app, f"other{n}", f"o{n}")
    sender = Recorder()
    Delivery(app.engine, {"console": sender}, settings(workers=4), lambda: NOW).run_once(NOW)
    assert len(sender.sent) == 12
    assert all(r.status == "sent" for r in rows(app))
    with Session(app.engine) as session:
        order = session.exec(
            select(Outbox.dedupe_key)
            .where(col(Outbox.dedupe_key).startswith("k"))
            .order_by(col(Outbox.sent_at))
        ).all()
    assert list(order) == [f"k{n}" for n in range(6)]


def test_the_budget_is_kept_inside_a_batch(app: App) -> None:
    for name in ("ann", "bob", "cat"):
        queue(app, name, f"k-{name}")
    slow = Recorder()
    slow.per_second = 2.0  # the second message waits 0.5 s: past the budget, no third
    delivery = Delivery(app.engine, {"console": slow}, settings(workers=1), lambda: NOW)
    assert delivery.run_once(NOW, budget=0.3) == 2
    assert sorted(r.status for r in rows(app)) == ["pending", "sent", "sent"]


class Overtaken(Recorder):
    """While the first message is being sent, the lease lapses and another process recovers
    the outbox and delivers what this one still holds."""

    def __init__(self, other: Callable[[], None]):
        super().__init__()
        self.other = other

    def send(self, identity: ChannelIdentity, texts: Sequence[str], kind: str) -> str:
        if not self.sent:
            self.other()
        return super().send(identity, texts, kind)


def test_rows_taken_over_by_another_process_are_not_sent_again(app: App) -> None:
    for name in ("ann", "bob", "cat"):
        queue(app, name, f"k-{name}")
    second = Recorder()
    standby = Delivery(app.engine, {"console": second}, settings(workers=1), lambda: NOW)

    def take_over() -> None:
        standby.recover()
        standby.run_once(NOW)

    first = Overtaken(take_over)
    Delivery(app.engine, {"console": first}, settings(workers=1), lambda: NOW).run_once(NOW)
    got = [name for name, _ in first.sent + second.sent]
    assert sorted(got) == ["ann", "bob", "cat"]  # each once: "ann" by the first, maybe sent
    assert [r.status for r in rows(app)] == ["unknown", "sent", "sent"]


def test_a_database_error_mid_batch_leaves_nothing_held(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ann", "bob", "cat"):
        queue(app, name, f"k-{name}")
    sender = Recorder()
    delivery = Delivery(app.engine, {"console": sender}, settings(workers=1), lambda: NOW)
    settle = delivery._settle
    calls = iter(range(100))

    def flaky(*args: Any) -> bool:
        if next(calls) == 1:  # recording the first outcome fails
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        return settle(*args)

    monkeypatch.setattr(delivery, "_settle", flaky)
    with pytest.raises(OperationalError):
        delivery.run_once(NOW)
    assert [r.status for r in rows(app)] == ["unknown", "pending", "pending"]
    monkeypatch.setattr(delivery, "_settle", settle)
    assert delivery.run_once(NOW) == 2
    assert [name for name, _ in sender.sent] == ["ann", "bob", "cat"]


def test_a_fast_channel_marks_a_few_sending_at_once_and_a_crash_repeats_none(app: App) -> None:
    """1000/s × 3 ms: three rows a commit. Taken over mid-group, the three the first process
    had marked are 'unknown' (it sent them, once); the other two go out once, by the standby."""
    for name in ("ann", "bob", "cat", "dan", "eve"):
        queue(app, name, f"k-{name}")
    marked: list[list[str]] = []
    second = Recorder()
    fast = settings(workers=1, in_flight_seconds=0.003)
    standby = Delivery(app.engine, {"console": second}, fast, lambda: NOW)

    def take_over() -> None:
        marked.append([r.status for r in rows(app)])
        standby.recover()
        standby.run_once(NOW)

    first = Overtaken(take_over)
    Delivery(app.engine, {"console": first}, fast, lambda: NOW).run_once(NOW)
    assert marked == [["sending"] * 3 + ["claimed"] * 2]
    got = [name for name, _ in first.sent + second.sent]
    assert sorted(got) == ["ann", "bob", "cat", "dan", "eve"]  # each once
    assert [r.status for r in rows(app)] == ["unknown"] * 3 + ["sent"] * 2


class Slow:
    """A monotonic clock and a wall clock that one scheduler step moves on by `seconds`."""

    def __init__(self, clock: Clock, seconds: float):
        self.clock, self.seconds, self.spent = clock, seconds, 0.0

    def monotonic(self) -> float:
        return self.spent

    def step(self, *args: Any) -> None:
        self.spent += self.seconds
        self.clock.advance(seconds=self.seconds)


def held_until(app: App) -> tuple[str, dt.datetime]:
    with Session(app.engine) as session:
        row = session.get(SchedulerLease, lease.NAME)
        assert row is not None
        return row.owner, row.expires_at


def test_a_slow_step_renews_the_lease_mid_tick(
    app: App, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that takes 20 s of a 30 s lease: renewed before the next step, from its end."""
    slow = Slow(clock, 20)
    monkeypatch.setattr(service_module, "time", slow)
    monkeypatch.setattr(service_module.orders, "run_due", slow.step)
    running = SchedulerService(app.engine, app.settings, clock, {"console": Recorder()})
    try:
        running.tick()
        assert held_until(app) == (running.owner, NOW + dt.timedelta(seconds=20) + TTL)
        assert running.leader
    finally:
        running.shutdown()


def test_a_lease_taken_over_mid_tick_stops_the_rest_of_it(
    app: App, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slower still (40 s): another process took the lapsed lease meanwhile, so this one
    stops being the leader at once and runs none of the tick's later steps."""
    slow = Slow(clock, 40)
    later: list[object] = []

    def taken_over(*args: Any) -> None:
        slow.step()
        assert lease.acquire(app.engine, "other", clock(), TTL)

    monkeypatch.setattr(service_module, "time", slow)
    monkeypatch.setattr(service_module.orders, "run_due", taken_over)
    monkeypatch.setattr(service_module.reports, "run_due", lambda *a: later.append(a))
    running = SchedulerService(app.engine, app.settings, clock, {"console": Recorder()})
    try:
        running.tick()
        assert held_until(app)[0] == "other"
        assert not running.leader
        assert later == []
    finally:
        running.shutdown()


def test_a_delivery_cut_short_by_its_budget_ticks_again_at_once(
    app: App, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery that used its whole budget left due messages: `run` starts the next tick
    without waiting the interval (an announcement to thousands keeps its rate); one that ran
    out of messages first waits."""
    slow = Slow(clock, 0)
    monkeypatch.setattr(service_module, "time", slow)
    running = SchedulerService(app.engine, app.settings, clock, {"console": Recorder()})
    budgets: list[float] = []

    def spend(now: dt.datetime, stop: Callable[[], bool], budget: float) -> int:
        budgets.append(budget)
        slow.spent += budget
        return 200

    try:
        monkeypatch.setattr(running.delivery, "run_once", spend)
        running.tick()
        assert running.behind
        assert budgets == [pytest.approx(TTL.total_seconds() / 3)]
        monkeypatch.setattr(running.delivery, "run_once", lambda *args: 0)
        running.tick()
        assert not running.behind
    finally:
        running.shutdown()
