"""Check-in codes (activities and shifts): 6 digits, five wrong tries a sender before an hour's
pause (one count for both kinds), and the right answer for someone already checked in, not
signed up, too early or still waiting — none of which counts as a wrong try."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session

from bot.activities import service as activities
from bot.activities.service import ActivityError, ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.shifts import hours as shift_hours
from bot.shifts.models import Shift
from bot.shifts.service import ShiftError
from bot.types import Incoming
from tests.bot.shifts.test_service import make_shift, person, sign
from tests.conftest import NOW, Clock

START = NOW + dt.timedelta(days=2)
Say = Callable[..., str]


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(line: str, user: str = "ann") -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    return send


def activity(app: App, capacity: int = 10) -> tuple[int, str]:
    """An activity from START for an hour; its id and check-in code."""
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="普法小课堂", starts_at=START, ends_at=START + dt.timedelta(hours=1),
            place="广场", capacity=capacity,
        )  # fmt: skip
        found = activities.create_activity(session, data, NOW, [])
        return found.id or 0, found.checkin_code


def signed_up(app: App, number: int, name: str = "ann") -> int:
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", name, NOW).id or 0
        activities.sign_up(session, number, user, 1, NOW)
        return user


def wrong(code: str, n: int = 5) -> list[str]:
    """`n` codes of the same length that are not `code`."""
    return [f"{(int(code) + k) % 10 ** len(code):0{len(code)}d}" for k in range(1, n + 1)]


def shift_code(app: App, shift_id: int) -> str:
    with Session(app.engine) as session:
        found = session.get(Shift, shift_id)
        assert found is not None
        return found.checkin_code


def test_codes_have_six_digits(app: App) -> None:
    _number, code = activity(app)
    assert len(code) == 6
    assert code.isdigit()
    assert len(shift_code(app, make_shift(app.engine))) == 6


def test_five_wrong_codes_stop_a_resident_for_an_hour(
    app: App, say: Say, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    number, code = activity(app)
    signed_up(app, number)
    clock.now = START - dt.timedelta(minutes=30)
    for guess in wrong(code):
        assert "签到码不对" in say(f"签到{guess}")
    assert "请 60 分钟后再试" in say(f"签到{code}")  # even the right one, for now
    assert "checkin codes locked out for user" in caplog.text
    assert code not in caplog.text
    clock.advance(minutes=60)
    assert "签到成功" in say(f"签到{code}")


def test_guessing_through_a_whole_check_in_window_is_bounded(app: App) -> None:
    """A guess every 10 seconds from when check-in opens (an hour before the start) to the end
    of a one-hour activity: only 10 are ever compared with the code, 1 in 100,000 with 6
    digits (at most 5 an hour, plus 4 squeezed in before a window turns)."""
    number, code = activity(app)
    user = signed_up(app, number)
    compared, moment = 0, START - dt.timedelta(hours=1)
    guesses = iter(wrong(code, 1000))
    while moment <= START + dt.timedelta(hours=1):
        with session_scope(app.engine) as session:
            try:
                activities.check_in(session, user, next(guesses), moment)
            except ActivityError as exc:
                compared += "签到码不对" in str(exc)
        moment += dt.timedelta(seconds=10)
    assert compared == 10  # 5 at the opening, 5 an hour later


def test_the_right_reply_for_each_case_and_none_is_a_wrong_try(
    app: App, say: Say, clock: Clock
) -> None:
    number, code = activity(app, capacity=1)
    signed_up(app, number)
    signed_up(app, number, "bob")  # waitlisted: the only seat is ann's
    clock.now = START - dt.timedelta(hours=2)
    assert "还没到签到时间" in say(f"签到{code}")
    clock.now = START
    assert "您没有报名【普法小课堂】" in say(f"签到{code}", user="cat")  # not "签到码不对"
    assert "候补" in say(f"签到{code}", user="bob")
    assert "签到成功" in say(f"签到{code}")
    for _ in range(6):
        assert "已经签到过了" in say(f"签到{code}")
    assert "签到码不对" in say(f"签到{wrong(code)[0]}")  # not locked by the replies above


def test_shift_check_in_is_limited_and_answers_each_case(app: App, say: Say, clock: Clock) -> None:
    ann = person(app.engine, "ann")
    shift_id = make_shift(app.engine)
    sign(app.engine, shift_id, ann)
    code = shift_code(app, shift_id)
    clock.now = START
    assert "您没有排在【" in say(f"班次签到 {code}", user="bob")  # not "签到码不对"
    assert "签到成功" in say(f"班次签到 {code}")
    assert "已经签到过了" in say(f"班次签到 {code}")
    assert "提前签退" in say(f"班次签退 {code}")  # at the start: asked first
    assert "已提前" in say("确认")
    assert "已经签退了" in say(f"班次签到 {code}")
    for guess in wrong(code):
        assert "签到码不对" in say(f"班次签到 {guess}")
    assert "分钟后再试" in say(f"班次签到 {code}")


def test_activity_and_shift_codes_share_one_count(app: App, say: Say, clock: Clock) -> None:
    number, code = activity(app)
    ann = signed_up(app, number)
    shift_id = make_shift(app.engine)
    person(app.engine, "ann")  # a volunteer too
    sign(app.engine, shift_id, ann)
    clock.now = START
    for guess in wrong(code, 3):
        assert "签到码不对" in say(f"签到{guess}")
    with session_scope(app.engine) as session:
        for guess in wrong(shift_code(app, shift_id), 2):
            with pytest.raises(ShiftError, match="签到码不对"):
                shift_hours.check_in(session, ann, guess, START, 30)
    assert "分钟后再试" in say(f"签到{code}")
