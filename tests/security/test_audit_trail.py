"""Every staff action leaves a row in the audit log, whichever way it came: a chat command
(and a resident's refused try), the last "确认" of a flow, a `linli` command that succeeded —
and a command that failed leaves none. Mobile numbers are masked in what is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, col, create_engine, select

from bot.activities import service as activities
from bot.activities.service import ActivityInput
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.people.models import AuditEntry
from bot.people.roles import grant
from bot.types import Incoming
from tests.bot.cli.test_main import run  # noqa: F401  (the CLI fixture)
from tests.conftest import NOW


def rows(app: App) -> list[AuditEntry]:
    with Session(app.engine) as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


def test_chat_staff_commands_and_refusals_are_audited(
    app: App, text: Callable[..., Incoming]
) -> None:
    start = NOW + dt.timedelta(days=2)
    with session_scope(app.engine) as session:
        boss = resolve_user(session, "console", "boss", NOW).id or 0
        grant(session, boss, "staff", "")
        data = ActivityInput(
            title="普法小课堂", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="广场", capacity=10,
        )  # fmt: skip
        number = activities.create_activity(session, data, NOW, []).id

    def say(line: str, user: str = "boss") -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    say(f"活动名单 {number}")
    say("取消活动 1", user="ann")  # a resident: refused, and recorded as such
    say(f"取消活动 {number}")
    assert "已取消" in say("确认")
    for line in ("发公告", "周六上午九点，社区广场免费量血压。", "不用", "6", "3", "1", "现在"):
        say(line)
    say("确认")
    found = [(r.via, r.actor_id == boss, r.action, r.target) for r in rows(app)]
    actions = [action for _via, _mine, action, _target in found]
    assert actions[0].startswith("staff:")
    assert found[1][1:3] == (False, "staff:取消活动:refused")
    assert "announcements:create" in actions
    assert all(via == "chat" for via, *_ in found)
    done = [a for a in actions if a.startswith("staff:") and not a.endswith(":refused")]
    assert done == ["staff:活动名单", "staff:取消活动", "staff:确认"]
    cancelled = next(r for r in rows(app) if r.action == "staff:确认")
    assert "已取消" in cancelled.after["reply"]  # what the command did, as staff read it


def test_cli_commands_that_worked_are_audited(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A command that failed changed nothing: it leaves no row; nor does a read."""
    assert run("role", "grant", "console:13812345678", "volunteer").returncode == 0
    assert run("role", "grant", "nobody", "volunteer").returncode == 1
    assert run("kb", "export").returncode == 0  # a read: not recorded
    engine = create_engine(f"sqlite:///{tmp_path / 'home' / 'linli.db'}")
    with Session(engine) as session:
        found = [(r.via, r.action, r.target) for r in session.exec(select(AuditEntry)).all()]
    engine.dispose()
    assert found == [("cli", "cli:role grant", "linli role grant console:138****5678 volunteer")]
