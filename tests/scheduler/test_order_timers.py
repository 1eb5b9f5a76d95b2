"""Work orders' SLA timers on the scheduler with a controlled clock: the reminder before the
respond limit, the 社区书记 past it, the street later, the overdue order in the morning
digest; the service restarted between every step (a new process: nothing held in memory)
and ticking on: nothing is sent twice. A reminder that came due while the server was down is
passed over; a resolved order nobody answers is closed after the configured days."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.app import App
from bot.db import session_scope
from bot.orders import service as orders
from bot.orders import sla
from bot.orders.models import OrderState, WorkOrder, WorkOrderTimer
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Incoming
from scheduler.delivery import ConsoleSender
from scheduler.service import SchedulerService
from tests.bot.orders.test_service import CATEGORIES, LIGHT, person
from tests.conftest import NOW, Clock


class Scheduler:
    """The scheduler service as `linli serve` runs it, restarted on demand."""

    def __init__(self, app: App, clock: Clock, tmp_path: Path):
        self.app, self.clock, self.log = app, clock, tmp_path / "console-outbox.jsonl"
        self.running = self._start()

    def _start(self) -> SchedulerService:
        sender = ConsoleSender(self.log, per_second=1000)
        quiet = self.app.settings.reports.model_copy(update={"kinds": []})  # timers alone
        settings = self.app.settings.model_copy(update={"reports": quiet})
        return SchedulerService(
            self.app.engine, settings, clock=self.clock, senders={"console": sender}
        )

    def at(self, moment: dt.datetime, ticks: int = 2) -> None:
        self.clock.now = moment
        for _ in range(ticks):
            self.running.tick()

    def restart(self) -> None:
        self.running.shutdown()
        self.running = self._start()


@pytest.fixture
def scheduler(app: App, clock: Clock, tmp_path: Path) -> Iterator[Scheduler]:
    rig = Scheduler(app, clock, tmp_path)
    yield rig
    rig.running.shutdown()


def told(app: App, user: int) -> list[str]:
    with Session(app.engine) as session:
        rows = session.exec(
            select(Outbox).where(Outbox.user_id == user).order_by(col(Outbox.id))
        ).all()
    return [row.payload["replies"][0]["text"] for row in rows]


def all_keys(app: App) -> list[str]:
    with Session(app.engine) as session:
        return list(session.exec(select(Outbox.dedupe_key)).all())


def file_light(app: App, resident: int) -> WorkOrder:
    with session_scope(app.engine) as session:
        order = orders.submit(session, resident, "suzhe", LIGHT, CATEGORIES, NOW)
        session.expunge(order)
    return order


def test_remind_then_secretary_then_street_once_each_across_restarts(
    app: App, scheduler: Scheduler, text: Callable[..., Incoming]
) -> None:
    text_message = text
    ann = person(app.engine, "ann")
    vol = person(app.engine, "vol", "volunteer")
    sec = person(app.engine, "sec", "secretary")
    street = person(app.engine, "street", "staff", community="")
    far = person(app.engine, "far", "staff", community="shangyou")
    order = file_light(app, ann)
    assert order.respond_due == NOW + dt.timedelta(hours=24)  # 路灯照明: 24 h to answer

    scheduler.at(NOW + dt.timedelta(hours=19))
    assert told(app, vol) == []
    scheduler.at(NOW + dt.timedelta(hours=20))  # 4 h before the limit
    (reminder,) = told(app, vol)
    assert f"⏰ 工单 {order.id}（苏辙社区·路灯照明）" in reminder
    assert f"接单 {order.id}" in reminder
    scheduler.restart()
    scheduler.at(NOW + dt.timedelta(hours=20, seconds=1))
    assert len(told(app, vol)) == 1
    assert told(app, sec) == []

    scheduler.at(NOW + dt.timedelta(hours=24))
    (late,) = told(app, sec)
    assert "已超过接单响应时限" in late
    scheduler.restart()
    scheduler.at(NOW + dt.timedelta(hours=24, minutes=1))
    assert told(app, street) == []

    # the next morning's digest (08:00 local) lists it for the community's staff and the street
    morning = dt.datetime.combine(
        (NOW + dt.timedelta(days=2)).astimezone(app.settings.zone).date(), dt.time(8),
        tzinfo=app.settings.zone,
    )  # fmt: skip
    scheduler.at(NOW + dt.timedelta(hours=48))  # 24 h past the limit: the street
    assert any("请街道督办" in t for t in told(app, street))
    scheduler.at(morning)
    scheduler.restart()
    scheduler.at(morning + dt.timedelta(minutes=5))
    digest = [t for t in told(app, sec) if "超时工单" in t]
    assert len(digest) == 1
    assert f"【编号 {order.id}】路灯照明 · 待受理｜超时" in digest[0]
    assert any("超时工单" in t for t in told(app, street))
    assert told(app, far) == []  # another community's staff hear nothing of it
    with Session(app.engine) as session:
        shown = session.get(WorkOrder, order.id)
        assert shown is not None
        assert sla.is_overdue(shown, morning)
        assert not sla.is_overdue(shown, NOW)
    board = app.dispatcher.handle(text_message("工单", "sec")).text
    assert f"【编号 {order.id}】路灯照明 · 待受理 🔴超时" in board

    keys = all_keys(app)
    assert len(keys) == len(set(keys))
    before = len(keys)
    for minutes in (10, 60, 120):
        scheduler.restart()
        scheduler.at(morning + dt.timedelta(minutes=minutes))
    assert len(all_keys(app)) == before  # the respond steps are done, today's digest sent
    scheduler.at(morning + dt.timedelta(days=1))
    assert sum("超时工单" in t for t in told(app, sec)) == 2  # still overdue: the next morning
    with Session(app.engine) as session:
        steps = session.exec(select(WorkOrderTimer.step).order_by(col(WorkOrderTimer.id))).all()
    assert list(steps)[:3] == ["respond:remind", "respond:late", "respond:street"]


def test_accepting_stops_the_respond_steps_and_the_owner_gets_the_resolve_ones(
    app: App, scheduler: Scheduler
) -> None:
    ann = person(app.engine, "ann")
    vol = person(app.engine, "vol", "volunteer")
    sec = person(app.engine, "sec", "secretary")
    order = file_light(app, ann)
    notifier = Notifier(app.settings.zone, lambda: NOW)
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, order.id or 0, vol, NOW + dt.timedelta(hours=1))
    assert order.resolve_due is not None
    scheduler.at(NOW + dt.timedelta(hours=30))
    assert not any("接单响应" in t for t in told(app, sec) + told(app, vol))
    scheduler.at(order.resolve_due - dt.timedelta(hours=4))
    assert any(f"办结 {order.id}" in t and "⏰" in t for t in told(app, vol))
    scheduler.restart()
    scheduler.at(order.resolve_due)
    assert any("已超过办结时限" in t for t in told(app, sec))
    assert any("已超过办结时限" in t for t in told(app, vol))  # the owner hears it too


def test_a_reminder_due_while_the_server_was_down_is_passed_over(
    app: App, scheduler: Scheduler
) -> None:
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    sec = person(app.engine, "sec", "secretary")
    file_light(app, ann)
    scheduler.at(NOW + dt.timedelta(hours=25))  # first tick after the limit
    assert told(app, vol) == []  # "4 h left" would be wrong now
    assert len(told(app, sec)) == 1
    with Session(app.engine) as session:
        passed = session.exec(select(WorkOrderTimer).where(WorkOrderTimer.sent == False)).all()  # noqa: E712
    assert [t.step for t in passed] == ["respond:remind"]


def test_a_resolved_order_nobody_answers_closes_itself(app: App, scheduler: Scheduler) -> None:
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    order = file_light(app, ann)
    notifier = Notifier(app.settings.zone, lambda: NOW)
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, order.id or 0, vol, NOW)
        orders.resolve(session, notifier, order.id or 0, vol, "已更换灯泡", NOW)
    days = app.settings.orders.autoclose_days
    scheduler.at(NOW + dt.timedelta(days=days) - dt.timedelta(minutes=1))
    with Session(app.engine) as session:
        assert session.get(WorkOrder, order.id).state == OrderState.RESOLVED  # type: ignore[union-attr]
    scheduler.at(NOW + dt.timedelta(days=days))
    scheduler.restart()
    scheduler.at(NOW + dt.timedelta(days=days, hours=1))
    with Session(app.engine) as session:
        closed = session.get(WorkOrder, order.id)
        assert closed is not None
        assert closed.state == OrderState.CLOSED
    assert sum("自动销号" in t for t in told(app, ann)) == 1
    assert sum("已销号" in t for t in told(app, vol)) == 1
    # "没解决" still reopens within the window after closing
    with session_scope(app.engine) as session:
        later = NOW + dt.timedelta(days=days + 1)
        reopened = orders.reopen(session, notifier, order.id or 0, ann, "", later)
        assert reopened.state == OrderState.REOPENED


def test_two_processes_at_once_fire_each_step_once(app: App) -> None:
    """Two transactions run the due timers together (a lease hand-over caught mid-tick):
    PostgreSQL's row lock and the unique (order, step) let one of them fire each step."""
    if app.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes writes in turns: no two transactions at once")
    ann = person(app.engine, "ann")
    vol = person(app.engine, "vol", "volunteer")
    orders_filed = [file_light(app, ann) for _ in range(20)]
    due = NOW + dt.timedelta(hours=20)
    timers = sla.Timers(CATEGORIES)
    start = threading.Barrier(2)

    def tick() -> None:
        start.wait()
        with session_scope(app.engine) as session:
            sla.run_due(session, Notifier(app.settings.zone, lambda: due), timers, due)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(told(app, vol)) == len(orders_filed)  # one reminder per order
    with Session(app.engine) as session:
        fired = session.exec(select(WorkOrderTimer.order_id)).all()
    assert sorted(fired) == sorted(o.id for o in orders_filed)
