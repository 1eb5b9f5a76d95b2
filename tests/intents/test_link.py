"""Linking a second channel: "绑定" gives a code, "绑定 CODE" on the other channel asks, and
only the owner's "确认绑定" joins the two; roles never come along with a code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.service import ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.identity import find_identity, resolve_user
from bot.models import User
from bot.outbox.models import Outbox
from bot.people.roles import grant, has_role
from bot.types import Incoming
from tests.conftest import NOW, Clock

Say = Callable[..., str]
CODE = re.compile(r"绑定码：(\d+)")


@pytest.fixture
def say(app: App) -> Say:
    def send(line: str, user: str = "gran", channel: str = "wechat") -> str:
        return app.dispatcher.handle(Incoming(channel, user, line)).text

    return send


def code_for(say: Say, user: str = "gran") -> str:
    found = CODE.search(say("绑定", user=user))
    assert found is not None
    return found.group(1)


def owner_of(app: App, channel: str, user: str) -> int | None:
    with Session(app.engine) as session:
        identity = find_identity(session, channel, user)
        return None if identity is None else identity.user_id


def user_id(app: App, channel: str, user: str) -> int:
    with session_scope(app.engine) as session:
        return resolve_user(session, channel, user, NOW).id or 0


def signed_up(app: App, channel: str, user: str) -> None:
    start = NOW + dt.timedelta(days=3)
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="云朵灯手工", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="社工室", capacity=5,
        )  # fmt: skip
        number = activities.create_activity(session, data, NOW, []).id or 0
        who = resolve_user(session, channel, user, NOW).id or 0
        activities.sign_up(session, number, who, 1, NOW)


def test_the_code_has_eight_digits(say: Say) -> None:
    assert len(code_for(say)) == 8


def test_the_owner_confirms_and_then_both_channels_are_one_account(app: App, say: Say) -> None:
    signed_up(app, "wechat", "gran")
    gran = owner_of(app, "wechat", "gran")
    code = code_for(say)
    asked = say(f"绑定 {code}", user="55", channel="telegram")
    assert "确认绑定" in asked
    assert owner_of(app, "telegram", "55") != gran  # not joined before the owner says so
    with Session(app.engine) as session:
        notice = session.exec(select(Outbox).where(Outbox.kind == "link_request")).one()
    assert notice.user_id == gran
    assert "有人要把一个Telegram账号绑定到您的账号" in notice.payload["replies"][0]["text"]
    assert "绑定成功" in say("确认绑定")
    assert owner_of(app, "telegram", "55") == gran
    assert "云朵灯手工" in say("我的报名", user="55", channel="telegram")


def test_the_owner_can_say_no(app: App, say: Say, caplog: pytest.LogCaptureFixture) -> None:
    code = code_for(say)
    say(f"绑定 {code}", user="55", channel="telegram")
    assert "没有绑定" in say("不绑定")
    assert owner_of(app, "telegram", "55") != owner_of(app, "wechat", "gran")
    assert "declined" in caplog.text
    assert code not in caplog.text
    assert "没有等您确认的绑定" in say("确认绑定")  # a "no" cannot be taken back into a "yes"


def test_an_unconfirmed_request_lapses(app: App, say: Say, clock: Clock) -> None:
    code = code_for(say)
    say(f"绑定 {code}", user="55", channel="telegram")
    clock.advance(minutes=31)
    assert "没有等您确认的绑定" in say("确认绑定")
    assert owner_of(app, "telegram", "55") != owner_of(app, "wechat", "gran")


def test_only_the_owner_can_confirm(app: App, say: Say) -> None:
    code = code_for(say)
    say(f"绑定 {code}", user="55", channel="telegram")
    assert "没有等您确认的绑定" in say("确认绑定", user="55", channel="telegram")
    assert owner_of(app, "telegram", "55") != owner_of(app, "wechat", "gran")


def test_a_code_works_once(app: App, say: Say) -> None:
    code = code_for(say)
    say(f"绑定 {code}", user="55", channel="telegram")
    assert "用过或过期" in say(f"绑定 {code}", user="66", channel="telegram")
    assert "绑定成功" in say("确认绑定")
    assert owner_of(app, "telegram", "66") != owner_of(app, "wechat", "gran")


def test_a_staff_members_code_gives_nothing_until_they_confirm(app: App, say: Say) -> None:
    with session_scope(app.engine) as session:
        grant(session, user_id(app, "wechat", "gran"), "staff")
    code = code_for(say)
    say(f"绑定 {code}", user="55", channel="telegram")
    with Session(app.engine) as session:
        assert not has_role(session, owner_of(app, "telegram", "55") or 0, ("staff",))
    tried = app.dispatcher.handle(Incoming("telegram", "55", "活动名单1"))
    assert tried.intent == "staff_refused"


def test_roles_are_never_copied_into_the_account_that_asked(app: App, say: Say) -> None:
    """The reverse: whoever holds roles must be the one that asks for the code."""
    staff = user_id(app, "telegram", "55")
    with session_scope(app.engine) as session:
        grant(session, staff, "staff")
    code = code_for(say)
    reply = say(f"绑定 {code}", user="55", channel="telegram")
    assert "请反过来绑定" in reply
    assert "没有等您确认的绑定" in say("确认绑定")
    assert owner_of(app, "telegram", "55") == staff
    with Session(app.engine) as session:
        assert not has_role(session, owner_of(app, "wechat", "gran") or 0, ("staff",))


def test_the_same_account_needs_no_link(say: Say) -> None:
    assert "已经是同一个账号" in say(f"绑定 {code_for(say)}")


def test_notices_go_only_to_a_channel_the_account_has(app: App, say: Say) -> None:
    refused = say("通知发到Telegram")
    assert "还没有连上Telegram" in refused
    gran = user_id(app, "wechat", "gran")
    with Session(app.engine) as session:
        assert session.get(User, gran).preferred_channel != "telegram"  # type: ignore[union-attr]
    code = code_for(say)
    say(f"绑定 {code}", user="55", channel="telegram")
    say("确认绑定")
    assert "以后的提醒和通知都发到Telegram" in say("通知发到Telegram")
    with Session(app.engine) as session:
        assert session.get(User, gran).preferred_channel == "telegram"  # type: ignore[union-attr]
