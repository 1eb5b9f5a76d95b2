"""How fresh the app's matcher is: this process's own knowledge edit is answered with on the
next message; another process's, whose only trace is the stored version, within
KNOWLEDGE_CHECK_SECONDS (the version is not read on every message)."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from bot.app import KNOWLEDGE_CHECK_SECONDS, App
from bot.db import session_scope
from bot.kb.models import KnowledgeVersion
from bot.kb.store import bump_version


def test_own_edits_at_once_and_another_processs_within_the_check_interval(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr("bot.app.time.monotonic", lambda: now[0])
    first = app.current_matcher()  # built for the stored version
    with session_scope(app.engine) as session:  # another process: only the stamp moves here
        session.exec(update(KnowledgeVersion).values(version=col(KnowledgeVersion.version) + 1))
    assert app.current_matcher() is first
    now[0] += KNOWLEDGE_CHECK_SECONDS
    second = app.current_matcher()
    assert second is not first
    with session_scope(app.engine) as session:
        bump_version(session)  # this process's edit
    assert app.current_matcher() is not second
