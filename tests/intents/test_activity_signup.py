"""The sign-up form's name and phone steps: a bare yes or no is never taken as the answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.models import Registration
from bot.activities.service import ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.models import Conversation
from bot.types import Incoming
from tests.conftest import NOW

Say = Callable[[str], str]


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(line: str) -> str:
        return app.dispatcher.handle(text(line, user="ann")).text

    return send


def activity(app: App) -> int:
    start = NOW + dt.timedelta(days=2)
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="普法小课堂", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="广场", capacity=10, collect=["name", "phone"],
        )  # fmt: skip
        return activities.create_activity(session, data, NOW, []).id or 0


def step(app: App) -> object:
    with Session(app.engine) as session:
        pending = session.exec(select(Conversation)).first()
        return None if pending is None else pending.data.get("step")


@pytest.mark.parametrize("answer", ["确认", "好的", "是", "OK", "不要", "不"])
def test_a_yes_or_no_is_not_a_name_nor_a_phone(app: App, say: Say, answer: str) -> None:
    number = activity(app)
    assert "姓名" in say(f"报名 {number}")
    assert "请直接发报名用的姓名" in say(answer)
    assert step(app) == "name"
    assert "电话" in say("王小明")
    assert "请发一个电话号码" in say(answer)
    assert step(app) == "phone"
    assert "王*明" in say("13812345678")
    assert "报名成功" in say("确认")
    with Session(app.engine) as session:
        registration = session.exec(select(Registration)).one()
    assert (registration.name, registration.phone) == ("王小明", "13812345678")


def test_leaving_still_works_at_the_name_step(app: App, say: Say) -> None:
    say(f"报名 {activity(app)}")
    assert "先不报了" in say("算了")
    assert step(app) is None


def test_the_first_question_names_the_activity(app: App, say: Say) -> None:
    """ "报名第1个" or "报名 5": the resident sees what they are signing up for at once."""
    number = activity(app)
    first = say(f"报名 {number}")
    assert first.startswith("好的，帮您报名【")
    assert "姓名" in first
    assert "帮您报名" not in say("王小明")  # said once, not at every step
