"""The fallback promises only what happens: "记下来交给工作人员" only when it was logged for
staff; weather and other residents' phone numbers are not logged, the latter with a privacy
line; the example contact shipped in the settings is never shown."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.app import App, build_dispatcher
from bot.config import StaffSettings
from bot.kb.models import UnansweredQuestion
from bot.types import Incoming
from tests.conftest import Clock


def logged(app: App) -> list[str]:
    with Session(app.engine) as session:
        return [row.text for row in session.exec(select(UnansweredQuestion)).all()]


def test_a_question_staff_can_answer_is_logged_and_says_so(
    app: App, text: Callable[..., Incoming]
) -> None:
    reply = app.dispatcher.handle(text("菜市场几点关门")).text
    assert "交给社区工作人员" in reply
    assert logged(app) == ["菜市场几点关门"]
    assert "028-0000-0000" not in reply
    assert "示例" not in reply


@pytest.mark.parametrize("said", ["今天天气怎么样", "明天股市会涨吗"])
def test_out_of_scope_is_not_handed_to_staff(
    app: App, text: Callable[..., Incoming], said: str
) -> None:
    reply = app.dispatcher.handle(text(said)).text
    assert "答不上来" in reply
    assert "工作人员" not in reply
    assert logged(app) == []


def test_a_neighbours_phone_number_gets_a_privacy_line(
    app: App, text: Callable[..., Incoming]
) -> None:
    reply = app.dispatcher.handle(text("隔壁王阿姨电话多少")).text
    assert "不能提供" in reply
    assert "隐私" in reply
    assert logged(app) == []


def test_handoff_shows_no_example_contact(app: App, text: Callable[..., Incoming]) -> None:
    reply = app.dispatcher.handle(text("找人工")).text
    assert "转给社区工作人员" in reply
    assert "示例" not in reply
    assert "028-0000-0000" not in reply


def test_a_configured_contact_is_shown(
    app: App, text: Callable[..., Incoming], clock: Clock
) -> None:
    staff = StaffSettings(contact="社区服务电话：028-1234-5678", hours="工作日 9:00—17:00")
    settings = app.settings.model_copy(update={"staff": staff})
    dispatcher = build_dispatcher(app.engine, lambda: app.matcher, settings, clock)
    assert "028-1234-5678" in dispatcher.handle(text("菜市场几点关门")).text
    handoff = dispatcher.handle(text("找人工", user="bob")).text
    assert "028-1234-5678" in handoff
    assert "工作日 9:00—17:00" in handoff


def test_an_example_contact_left_in_a_config_is_not_shown() -> None:
    old = StaffSettings(contact="社区服务电话：028-0000-0000（示例号码，请以社区公布的为准）")
    assert old.shown_contact is None
    assert StaffSettings().shown_contact is None


@pytest.mark.parametrize(
    "said", ["菜市场几点关门 我电话13812345678 麻烦回个电话", "找人工 电话13812345678"]
)
def test_staff_never_read_a_full_mobile_number_in_the_log(
    app: App, text: Callable[..., Incoming], said: str
) -> None:
    app.dispatcher.handle(text(said))
    assert logged(app), said
    assert all("13812345678" not in row and "138****5678" in row for row in logged(app))
