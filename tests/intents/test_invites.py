"""Staff invite volunteers and colleagues with one-time codes; anyone redeems one by chat."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.models import User
from bot.people.models import Invite, UserRole
from bot.people.roles import grant
from bot.types import Incoming
from intents.guard import REFUSAL
from tests.conftest import NOW, Clock

Say = Callable[..., str]
CODE = re.compile(r"邀请码：([0-9a-f]{8})")


@pytest.fixture
def say(app: App, text: Callable[..., Incoming]) -> Say:
    def send(line: str, user: str = "secretary") -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    return send


def staff(app: App, name: str, place: str, lives: str | None = None) -> int:
    with session_scope(app.engine) as session:
        found = resolve_user(session, "console", name, NOW)
        found.community_id = lives
        session.add(found)
        grant(session, found.id or 0, "staff", place)
        return found.id or 0


def roles_of(app: App, name: str) -> set[tuple[str, str]]:
    with Session(app.engine) as session:
        user = resolve_user(session, "console", name, NOW)
        rows = session.exec(select(UserRole).where(UserRole.user_id == user.id)).all()
        return {(r.role, r.community_id) for r in rows}


def community_of(app: App, name: str) -> str | None:
    with Session(app.engine) as session:
        found = session.get(User, resolve_user(session, "console", name, NOW).id)
        return None if found is None else found.community_id


def invite(say: Say, command: str = "邀请志愿者", user: str = "secretary") -> str:
    reply = say(command, user=user)
    found = CODE.search(reply)
    assert found is not None, reply
    return found.group(1)


def test_staff_invite_a_volunteer_who_joins_their_community(app: App, say: Say) -> None:
    staff(app, "secretary", "suzhe")
    reply = say("邀请志愿者")
    code = CODE.search(reply).group(1)  # type: ignore[union-attr]
    assert "7 天内有效，只能用一次" in reply
    assert "苏辙社区的志愿者" in reply

    welcome = say(f"邀请码 {code}", user="ann")
    assert "欢迎加入！您已成为苏辙社区的志愿者" in welcome
    assert roles_of(app, "ann") == {("volunteer", "suzhe")}
    assert community_of(app, "ann") == "suzhe"


def test_a_code_works_once(app: App, say: Say) -> None:
    staff(app, "secretary", "suzhe")
    code = invite(say)
    assert "欢迎加入" in say(f"邀请码{code.upper()}", user="ann")
    again = say(f"邀请码 {code}", user="bob")
    assert again == "这个码已经用过或过期了，请重新获取。"
    assert roles_of(app, "bob") == set()
    with Session(app.engine) as session:
        used = session.get(Invite, code)
    assert used is not None
    assert used.used_at is not None


def test_an_expired_code_is_refused(app: App, say: Say, clock: Clock) -> None:
    staff(app, "secretary", "suzhe")
    code = invite(say)
    clock.advance(days=8)
    assert say(f"邀请码 {code}", user="ann") == "这个码已经用过或过期了，请重新获取。"
    assert roles_of(app, "ann") == set()


def test_an_unknown_code_gets_a_friendly_error(app: App, say: Say) -> None:
    assert say("邀请码 0badc0de", user="ann") == "这个码不对，请检查一下再发。"
    assert roles_of(app, "ann") == set()


def test_a_resident_cannot_make_invites(app: App, say: Say) -> None:
    for command in ("邀请志愿者", "邀请工作人员", "邀请社工"):
        assert say(command, user="ann") == REFUSAL
    with Session(app.engine) as session:
        assert session.exec(select(Invite)).all() == []


def test_a_volunteer_cannot_make_invites(app: App, say: Say) -> None:
    with session_scope(app.engine) as session:
        grant(session, resolve_user(session, "console", "bob", NOW).id or 0, "volunteer", "suzhe")
    assert say("邀请志愿者", user="bob") == REFUSAL


def test_staff_invite_a_colleague(app: App, say: Say) -> None:
    staff(app, "secretary", "penglai")
    code = invite(say, "邀请工作人员")
    assert "欢迎加入！您已成为蓬莱社区的社区工作人员" in say(f"加入{code}", user="cat")
    assert roles_of(app, "cat") == {("staff", "penglai")}


def test_district_staff_invite_for_where_they_live_or_the_district(app: App, say: Say) -> None:
    staff(app, "director", "", lives="suzhe")
    staff(app, "deputy", "")
    assert "苏辙社区的志愿者" in say("邀请志愿者", user="director")
    code = invite(say, "邀请志愿者", user="deputy")
    assert "成为全区的志愿者" in say(f"邀请码 {code}", user="ann")
    assert roles_of(app, "ann") == {("volunteer", "")}
    assert community_of(app, "ann") is None


def test_staff_of_two_communities_name_the_one(app: App, say: Say) -> None:
    staff(app, "secretary", "suzhe")
    with session_scope(app.engine) as session:
        grant(
            session, resolve_user(session, "console", "secretary", NOW).id or 0, "staff", "penglai"
        )
    code = invite(say, "邀请蓬莱社区的志愿者")
    say(f"邀请码 {code}", user="ann")
    assert roles_of(app, "ann") == {("volunteer", "penglai")}
    assert "不负责" in say("邀请文安西路社区的志愿者")
