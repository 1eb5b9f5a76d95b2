"""Invite codes give a role: five wrong ones stop a sender for an hour, thirty stop everyone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.people.models import UserRole
from bot.people.roles import grant
from bot.types import Incoming
from tests.conftest import NOW

Say = Callable[..., str]


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(line: str, user: str) -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    return send


def invite_code(app: App, say: Say) -> str:
    with session_scope(app.engine) as session:
        grant(session, resolve_user(session, "console", "secretary", NOW).id or 0, "staff")
    found = re.search(r"邀请码：([0-9a-f]{8})", say("邀请工作人员", "secretary"))
    assert found is not None
    return found.group(1)


def wrong(code: str, n: int) -> list[str]:
    return [f"{(int(code, 16) + k) % 16**8:08x}" for k in range(1, n + 1)]


def test_a_sender_is_stopped_after_five_wrong_invite_codes(
    app: App, say: Say, caplog: pytest.LogCaptureFixture
) -> None:
    code = invite_code(app, say)
    for guess in wrong(code, 5):
        assert "这个码不对" in say(f"邀请码 {guess}", "mallory")
    assert "请 60 分钟后再试" in say(f"邀请码 {code}", "mallory")
    assert "invite codes locked out for user" in caplog.text
    assert code not in caplog.text
    assert "欢迎加入" in say(f"邀请码 {code}", "newcomer")  # others are not stopped


def test_thirty_wrong_codes_stop_everyone(app: App, say: Say) -> None:
    code = invite_code(app, say)
    for n, guess in enumerate(wrong(code, 30)):
        say(f"邀请码 {guess}", f"mallory{n % 10}")
    assert "分钟后再试" in say(f"邀请码 {code}", "newcomer")
    with Session(app.engine) as session:
        assert session.exec(select(UserRole.role)).all() == ["staff"]  # the secretary's only
