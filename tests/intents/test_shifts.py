"""Volunteer shifts in chat: residents are refused politely, volunteers take, decline and swap
shifts, staff commands work for staff only, and nothing here steals activity messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session, col, func, select

from bot.app import App
from bot.db import session_scope
from bot.models import User
from bot.outbox.models import Outbox
from bot.shifts.models import Shift, ShiftAssignment
from bot.types import Incoming, Outcome
from intents.guard import REFUSAL
from intents.shifts import VolunteersIntent
from tests.bot.shifts.test_service import NOW, START, make_shift, person, sign, status_of

Say = Callable[..., Outcome]


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(body: str, user: str = "ann") -> Outcome:
        return app.dispatcher.handle(text(body, user=user))

    return send


def outbox(app: App, kind: str) -> list[Outbox]:
    with Session(app.engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == kind).order_by(col(Outbox.id)))
        return list(rows.all())


def snapshot(app: App) -> tuple[object, ...]:
    with Session(app.engine) as session:
        rows = session.exec(select(ShiftAssignment).order_by(col(ShiftAssignment.id))).all()
        sent = session.exec(select(func.count()).select_from(Outbox)).one()
    return tuple((a.status, a.approved_at, a.source) for a in rows) + (sent,)


@pytest.mark.parametrize("command", VolunteersIntent.staff_examples)
def test_a_resident_cannot_run_staff_shift_commands(
    app: App, say: Say, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    shift_id = make_shift(app.engine)
    bob = person(app.engine, "bob")
    sign(app.engine, shift_id, bob)
    person(app.engine, "ann", role=None)
    before = snapshot(app)
    outcome = say(command)
    assert outcome.intent == "staff_refused"
    assert outcome.text == REFUSAL
    assert "(not staff) tried a staff command of volunteers" in caplog.text
    assert snapshot(app) == before


def test_a_resident_cannot_take_a_shift(app: App, say: Say) -> None:
    shift_id = make_shift(app.engine)
    person(app.engine, "ann", role=None)
    taken = say(f"接班 {shift_id}")
    assert "志愿者" in taken.text
    assert "找人工" in taken.text
    assert status_of(app.engine, shift_id, 1) is None
    assert say("班次").intent == "shift_refused"


def test_a_volunteer_lists_takes_and_sees_a_shift(app: App, say: Say) -> None:
    shift_id = make_shift(app.engine, slots=3)
    ann = person(app.engine, "ann")
    listing = say("志愿岗位")
    assert f"【{shift_id}】助老餐厅帮厨" in listing.text
    assert "还差 3 人" in listing.text
    assert f"接班 {shift_id}" not in listing.text  # the reply says how, with the word to type
    assert "接班 编号" in listing.text
    assert "接班成功" in say(f"接班 {shift_id}").text
    assert status_of(app.engine, shift_id, ann) == "signed"
    assert "待确认" in say("我的班次").text
    assert "已经在这个班次上" in say(f"接班{shift_id}").text
    assert "已确认" in say(f"确认班次 {shift_id}").text
    assert status_of(app.engine, shift_id, ann) == "confirmed"


def test_declining_alerts_the_coordinator_with_stand_ins(app: App, say: Say) -> None:
    wang = person(app.engine, "wang", role="staff")
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    shift_id = make_shift(app.engine, coordinator=wang)
    sign(app.engine, shift_id, ann)
    assert "告诉工作人员" in say(f"不能来 {shift_id}").text
    assert status_of(app.engine, shift_id, ann) == "declined"
    (alert,) = outbox(app, "shift_alert")
    body = alert.payload["replies"][0]["text"]
    assert alert.user_id == wang
    assert "不能来" in body
    assert f"用户 {bob}" in body
    assert f"分配班次 {shift_id}" in body
    assert f"用户 {ann}，" not in body  # the one who declined is not suggested


def test_activity_words_are_left_to_activities(app: App, say: Say) -> None:
    person(app.engine, "ann")
    sign(app.engine, make_shift(app.engine), 1)
    for message in ("确认", "签到1234", "报名 3", "取消报名 3", "活动"):
        assert not say(message).intent.startswith(("shift", "volunteers")), message


def test_a_stand_in_takes_over(app: App, say: Say) -> None:
    wang = person(app.engine, "wang", role="staff")
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    shift_id = make_shift(app.engine, slots=1, coordinator=wang)
    sign(app.engine, shift_id, ann)
    assert "找人替班" in say("找人替班").text  # her only shift: no number needed
    assert "想找人替班" in outbox(app, "shift_alert")[0].payload["replies"][0]["text"]
    listing = say("班次", user="bob")
    assert "有人需要替班" in listing.text
    assert f"【{shift_id}】" in listing.text
    assert "谢谢您来替班" in say(f"替班 {shift_id}", user="bob").text
    assert status_of(app.engine, shift_id, ann) == "swapped"
    assert status_of(app.engine, shift_id, bob) == "confirmed"
    told = {row.user_id for row in outbox(app, "shift_swap")}
    assert told == {ann, wang}


def test_check_in_and_out_in_chat(app: App, say: Say, clock: object) -> None:
    ann = person(app.engine, "ann")
    shift_id = make_shift(app.engine)
    sign(app.engine, shift_id, ann)
    with Session(app.engine) as session:
        code = session.get(Shift, shift_id).checkin_code  # type: ignore[union-attr]
    assert "还不能签到" in say(f"班次签到 {code}").text
    app.dispatcher.clock = lambda: START  # type: ignore[method-assign]
    assert f"班次签退 {code}" in say(f"班次签到 {code}").text
    app.dispatcher.clock = lambda: START + dt.timedelta(minutes=75)  # type: ignore[method-assign]
    asked = say(f"班次签退 {code}").text  # 45 minutes before the end: asked first
    assert "提前签退（早 45 分钟）" in asked
    assert status_of(app.engine, shift_id, ann) == "checked_in"
    left = say("确认").text
    assert "已提前 45 分钟签退" in left
    assert "1 小时 15 分钟" in left


def test_staff_commands(app: App, say: Say) -> None:
    wang = person(app.engine, "wang", role="staff")
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    with session_scope(app.engine) as session:
        user = session.get(User, ann)
        assert user is not None
        user.display_name = "王小明"
        session.add(user)
    shift_id = make_shift(app.engine, coordinator=wang)
    sign(app.engine, shift_id, ann)
    roster = say(f"班次名单 {shift_id}", user="wang").text
    assert "王*明" in roster
    assert "王小明" not in roster
    assert "签到码" in roster
    assert "已把" in say(f"分配班次 {shift_id} {bob}", user="wang").text
    assert status_of(app.engine, shift_id, bob) == "signed"
    assert outbox(app, "shift_assigned")[0].user_id == bob
    with session_scope(app.engine) as session:
        row = session.exec(select(ShiftAssignment).where(ShiftAssignment.user_id == ann)).one()
        row.status, row.minutes = "done", 100
        session.add(row)
    app.dispatcher.clock = lambda: START + dt.timedelta(hours=3)  # type: ignore[method-assign]
    assert "100 分钟" in say("待批工时", user="wang").text
    assert "1 条工时" in say(f"批准工时 {shift_id}", user="wang").text
    assert "没有待批准" in say("待批工时", user="wang").text
    assert NOW < START


def test_staff_assign_a_volunteer_by_channel_identity(app: App, say: Say) -> None:
    wang = person(app.engine, "wang", role="staff")
    mo = person(app.engine, "mo")
    shift_id = make_shift(app.engine, coordinator=wang)
    assert "已把" in say(f"分配班次 {shift_id} console:mo", user="wang").text
    assert status_of(app.engine, shift_id, mo) == "signed"
    refused = say(f"分配班次 {shift_id} console:nobody", user="wang").text
    assert "没有找到用户 console:nobody" in refused


@pytest.mark.parametrize("said", ["我想排个志愿者值班", "志愿者值班表给我看看", "有什么志愿岗位"])
def test_shifts_asked_for_in_a_sentence_are_listed(app: App, say: Say, said: str) -> None:
    shift_id = make_shift(app.engine, slots=3)
    person(app.engine, "ann")
    assert f"【{shift_id}】助老餐厅帮厨" in say(said).text


@pytest.mark.parametrize("said", ["值班是什么意思", "志愿者值班要多久"])
def test_a_question_about_shifts_is_not_a_request_for_the_list(say: Say, said: str) -> None:
    assert not say(said).intent.startswith(("shift", "volunteers"))
