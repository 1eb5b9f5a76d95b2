"""The console tests' fixtures and helpers: Linli as `linli serve` builds it, a browser-less
client, people with roles, a resident's message, signing in (tests/bot/console/conftest.py
and tests/security/test_console_routes.py take the fixtures from here)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select
from starlette.routing import Mount
from starlette.testclient import TestClient

from bot.app import App, build_app
from bot.channels.web import create_web_app
from bot.config import Settings
from bot.console.auth import COOKIE
from bot.console.web import PREFIX, console_app
from bot.db import session_scope
from bot.identity import resolve_user
from bot.people import roles, signin
from bot.people.models import AuditEntry
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from bot.types import Incoming
from tests.conftest import Clock

LINK = dt.timedelta(minutes=10)


@pytest.fixture
def linli(settings: Settings, clock: Clock) -> Iterator[App]:
    """Linli as `linli serve` builds it: the matcher follows the stored base."""
    app = build_app(settings, clock)
    yield app
    app.engine.dispose()


@pytest.fixture
def web(linli: App, clock: Clock) -> TestClient:
    return TestClient(create_web_app(linli, [Mount(PREFIX, console_app(linli, clock))]))


def person(app: App, name: str, now: dt.datetime, role: str = "", community: str = "") -> int:
    """A console user `name`, given `role` (in `community`) when said; living in `community`."""
    with session_scope(app.engine) as session:
        user = resolve_user(session, "console", name, now)
        user.community_id = community or None
        session.add(user)
        assert user.id is not None
        if role:
            roles.grant(session, user.id, role, community)
        return user.id


def ask(app: App, user: str, said: str) -> str:
    return app.dispatcher.handle(Incoming("console", user, said, msg_id=uuid.uuid4().hex)).text


def link(app: App, user_id: int, now: dt.datetime) -> str:
    with session_scope(app.engine) as session:
        return f"{PREFIX}/login/{signin.create_link(session, user_id, now, LINK)}"


def sign_in(web: TestClient, app: App, user_id: int, now: dt.datetime) -> None:
    address = link(app, user_id, now)
    assert web.get(address).status_code == 200  # the page with the button: not used up yet
    answer = web.post(address, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert web.cookies.get(COOKIE)


def csrf(web: TestClient, page: str = "/inbox") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', web.get(PREFIX + page).text)
    assert found is not None
    return found.group(1)


def audited(app: App, action: str) -> list[AuditEntry]:
    with Session(app.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def worked_shift(
    session: Session, volunteer: int, now: dt.datetime, title: str = "助老餐厅帮厨",
    community: str | None = "suzhe",
) -> tuple[int, int]:  # fmt: skip
    """A post with a shift that ended an hour ago, the volunteer checked out of it: 120
    minutes waiting for approval. Returns (post, shift)."""
    post = ShiftPost(title=title, community_id=community, place="苏辙社区助老餐厅", created_at=now)
    session.add(post)
    session.flush()
    began = now - dt.timedelta(hours=3)
    shift = Shift(post_id=post.id or 0, starts_at=began, ends_at=began + dt.timedelta(hours=2),
                  slots=2, created_at=now, updated_at=now)  # fmt: skip
    session.add(shift)
    session.flush()
    turn = ShiftAssignment(shift_id=shift.id or 0, user_id=volunteer, minutes=120,
                           status=Turn.DONE.value, created_at=now, updated_at=now)  # fmt: skip
    session.add(turn)
    session.flush()
    return post.id or 0, shift.id or 0
