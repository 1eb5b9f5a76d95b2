"""The scheduler makes each report on its day: nothing before the hour, then one report a
tick (district, then each community) until all are made, never twice (also after a restart,
which forgets the in-memory note), stored with files in the data directory, and staff of
each place told once with the console link. `linli report list` shows them."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.app import open_database
from bot.cli import desk
from bot.cli import main as cli_main
from bot.cli.main import main
from bot.config import Settings
from bot.db import session_scope
from bot.models import Community, User
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.people import roles
from bot.reports import store
from bot.reports.models import MadeReport
from bot.reports.periods import last_finished
from scheduler import reports
from tests.conftest import NOW


@pytest.fixture
def base(settings: Settings) -> Iterator[tuple[Engine, Settings, dict[str, int]]]:
    """Two communities; a district admin and a 东坡 staff member (苏辙 has none)."""
    settings = only(settings, ["month", "year"])
    engine = open_database(settings)
    staff = {}
    with session_scope(engine) as session:
        session.add(Community(id="dongpo", name="东坡社区"))
        session.add(Community(id="suzhe", name="苏辙社区"))
        for name, place in (("admin", ""), ("dongpo", "dongpo")):
            user = User(display_name=name, created_at=NOW)
            session.add(user)
            session.flush()
            roles.grant(session, user.id or 0, "admin" if not place else "staff", place)
            staff[name] = user.id or 0
    yield engine, settings, staff
    engine.dispose()


def only(settings: Settings, kinds: list[str]) -> Settings:
    """The settings with `[reports] kinds` set."""
    return settings.model_copy(
        update={"reports": settings.reports.model_copy(update={"kinds": kinds})}
    )


def tick(engine: Engine, settings: Settings, at: dt.datetime, memo: reports.ReportsDone) -> int:
    return reports.run_due(engine, at, settings, Notifier(settings.zone, lambda: at), memo)


def test_each_report_is_made_once_on_its_day(
    base: tuple[Engine, Settings, dict[str, int]],
) -> None:
    engine, settings, staff = base
    settings = only(settings, ["month"])
    period = last_finished("month", NOW, settings.zone)
    seven = dt.datetime.combine(period.end, dt.time(7), tzinfo=settings.zone)
    memo = reports.ReportsDone()
    assert tick(engine, settings, seven - dt.timedelta(seconds=1), memo) == 0  # before 07:00
    made = [tick(engine, settings, seven, memo) for _ in range(5)]
    assert made == [1, 1, 1, 0, 0]  # one a tick: the district, 东坡, 苏辙
    restarted = reports.ReportsDone()  # a new process: it asks the table
    assert tick(engine, settings, seven + dt.timedelta(hours=1), restarted) == 0
    with Session(engine) as session:
        rows = [r for r in store.made(session) if r.kind == "month"]
        assert sorted(r.community_id for r in rows) == ["", "dongpo", "suzhe"]
        notices = session.exec(
            select(Outbox).where(Outbox.kind == reports.NOTICE_KIND).order_by(col(Outbox.id))
        ).all()
    folder = Path(settings.home) / "reports"
    for row in rows:
        assert row.first == period.first
        assert [Path(f).suffix for f in row.files] == [".docx", ".xlsx"]
        assert all((folder / f).exists() for f in row.files)
    told = {(n.user_id, n.ref) for n in notices}
    month = {r.community_id: r.id for r in rows}
    assert (staff["admin"], f"report-made:{month['']}") in told
    assert (staff["dongpo"], f"report-made:{month['dongpo']}") in told
    assert not any(ref == f"report-made:{month['suzhe']}" for _, ref in told)  # no staff there
    text = next(n for n in notices if n.ref == f"report-made:{month['']}").payload["replies"]
    assert f"http://127.0.0.1:8080/admin/reports/{month['']}" in text[0]["text"]
    assert "月度调度报告已生成" in text[0]["text"]


def test_no_kinds_makes_nothing(base: tuple[Engine, Settings, dict[str, int]]) -> None:
    engine, settings, _ = base
    settings = only(settings, [])
    assert tick(engine, settings, NOW, reports.ReportsDone()) == 0
    with Session(engine) as session:
        assert session.exec(select(MadeReport)).first() is None


def test_report_list_shows_what_was_made(
    base: tuple[Engine, Settings, dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine, settings, _ = base
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("LINLI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LINLI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINLI_HOME", str(settings.home))
    for module in (desk, cli_main):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    assert main(["report", "list"]) == 0
    assert "还没有自动生成的报告" in capsys.readouterr().out
    memo = reports.ReportsDone()
    while tick(engine, settings, NOW, memo):
        pass
    assert main(["report", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["kind"] for r in listed} == {"month", "year"}
    assert all(Path(f).exists() for r in listed for f in r["files"])
    assert main(["report", "list"]) == 0
    assert "全区" in capsys.readouterr().out


def test_a_failing_report_waits_before_it_is_tried_again(
    base: tuple[Engine, Settings, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, settings, _ = base
    settings = only(settings, ["month"])
    calls: list[str | None] = []

    def broken(session: Session, period: object, place: str | None, *rest: object) -> None:
        calls.append(place)
        raise RuntimeError("disk full")

    working = store.make_and_store
    monkeypatch.setattr(store, "make_and_store", broken)
    memo = reports.ReportsDone()
    for _ in range(3):
        assert tick(engine, settings, NOW, memo) == 0
    assert calls == [None, "dongpo", "suzhe"]  # each tried once, none again at once
    later = NOW + reports.RETRY
    assert tick(engine, settings, later, memo) == 0
    assert calls[-1] is None
    monkeypatch.setattr(store, "make_and_store", working)
    assert tick(engine, settings, later + reports.RETRY, memo) == 1
