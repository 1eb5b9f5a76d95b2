"""The volunteer story through the console channel, with the scheduler on a test clock:
a volunteer takes a shift, gets both reminders, confirms, checks in and out; the hours appear in
the export after approval; a declined shift alerts the coordinator and a stand-in takes it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.app import App
from bot.shifts import service as shifts
from bot.shifts import sheets as shift_io
from bot.shifts.models import Shift
from bot.types import Incoming
from scheduler.delivery import ConsoleSender
from scheduler.service import SchedulerService
from tests.bot.shifts.test_service import START, make_shift, person, status_of
from tests.conftest import Clock


@pytest.fixture
def service(app: App, clock: Clock, tmp_path: Path) -> Iterator[SchedulerService]:
    sender = ConsoleSender(tmp_path / "console-outbox.jsonl", per_second=1000)
    quiet = app.settings.reports.model_copy(update={"kinds": []})  # the shifts' notices alone
    settings = app.settings.model_copy(update={"reports": quiet})
    running = SchedulerService(app.engine, settings, clock=clock, senders={"console": sender})
    yield running
    running.shutdown()


def inbox(tmp_path: Path, user: str) -> list[str]:
    log = tmp_path / "console-outbox.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [r["text"] for r in map(json.loads, lines) if r["user"] == user]


def hours_export(app: App, tmp_path: Path) -> dict[str, list[str]]:
    out = tmp_path / "hours.csv"
    day = START.astimezone(app.settings.zone).date()
    with Session(app.engine) as session:
        shift_io.export_hours(session, day, day, out, app.settings.zone)
    with out.open(encoding="utf-8-sig") as stream:
        return {row[2]: row for row in csv.reader(stream)}  # by 账号


def test_volunteer_shift_story(
    app: App,
    clock: Clock,
    service: SchedulerService,
    text: Callable[..., Incoming],
    tmp_path: Path,
) -> None:
    def say(body: str, user: str) -> str:
        return app.dispatcher.handle(text(body, user=user)).text

    def at(moment: dt.datetime) -> None:
        clock.now = moment
        service.tick()

    wang = person(app.engine, "wang", role="staff")
    person(app.engine, "ann")
    bob, cat = person(app.engine, "bob"), person(app.engine, "cat")
    shift_id = make_shift(app.engine, slots=1, coordinator=wang)
    later = make_shift(app.engine, START + dt.timedelta(days=1), slots=1, coordinator=wang)

    assert f"【{shift_id}】" in say("班次", "ann")
    assert "接班成功" in say(f"接班 {shift_id}", "ann")
    at(START - dt.timedelta(hours=24))
    at(START - dt.timedelta(hours=24) + dt.timedelta(seconds=1))  # ticks go on: nothing twice
    (first,) = inbox(tmp_path, "ann")
    assert "明天上岗" in first
    assert "确认" in first
    assert "不能来" in first
    assert "已确认" in say("确认", "ann")
    at(START - dt.timedelta(hours=2))
    at(START - dt.timedelta(hours=2) + dt.timedelta(seconds=1))
    reminders = inbox(tmp_path, "ann")
    assert len(reminders) == 2
    assert "2 小时后上岗" in reminders[1]

    with Session(app.engine) as session:
        code = session.get(Shift, shift_id).checkin_code  # type: ignore[union-attr]
    clock.now = START - dt.timedelta(minutes=10)
    assert "签到成功" in say(f"班次签到 {code}", "ann")
    clock.now = START + dt.timedelta(hours=2, minutes=5)
    assert "2 小时 0 分钟" in say(f"班次签退 {code}", "ann")
    assert hours_export(app, tmp_path)["console:ann"][4:6] == ["0.0", "2.0"]  # pending
    assert "1 条工时" in say(f"批准工时 {shift_id}", "wang")
    assert hours_export(app, tmp_path)["console:ann"][4:6] == ["2.0", "0.0"]  # approved

    clock.now = START + dt.timedelta(hours=3)
    assert "接班成功" in say(f"接班 {later}", "bob")
    assert "告诉工作人员" in say(f"不能来 {later}", "bob")
    at(START + dt.timedelta(hours=3, seconds=1))
    (alert,) = inbox(tmp_path, "wang")
    assert "回复了不能来" in alert
    assert f"用户 {cat}" in alert
    assert f"用户 {bob}，" not in alert
    assert "谢谢您来替班" in say(f"替班 {later}", "cat")
    assert status_of(app.engine, later, bob) == "declined"
    assert status_of(app.engine, later, cat) == "confirmed"
    with Session(app.engine) as session:
        assert shifts.assignment_of(session, later, cat).source == "stand_in"  # type: ignore[union-attr]
