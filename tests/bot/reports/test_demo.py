"""The demo generator fills days with activity; every kind of report made on it equals the
counts made here over what it wrote (work orders by category too), and the files hold
their tables and charts. Also: satisfaction waits for ratings, and the generator refuses
days to come."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.cli import desk
from bot.cli import main as cli_main
from bot.cli.demo import Filled, fill
from bot.config import Settings
from bot.db import session_scope
from bot.errors import UserFacingError
from bot.orders.models import WorkOrder
from bot.reports import work_orders
from bot.reports.build import BY_CATEGORY, ORDERS, make_report, write_files
from bot.reports.periods import KINDS, last_finished
from tests.bot.reports.conftest import COMMUNITIES, Seeded
from tests.bot.reports.test_figures import CATEGORIES, expected, order_figures
from tests.conftest import NOW

DAYS = 120  # back from yesterday: the last finished year may be partly filled, or not at all


@pytest.fixture
def demo(empty_base: tuple[Engine, Settings]) -> tuple[Seeded, Filled]:
    engine, settings = empty_base
    today = NOW.astimezone(settings.zone).date()
    with session_scope(engine) as session:
        filled = fill(
            session, today - dt.timedelta(days=DAYS), today - dt.timedelta(days=1), NOW,
            settings.zone, CATEGORIES, seed=7,
        )  # fmt: skip
    base = Seeded(engine, settings, last_finished("month", NOW, settings.zone))
    for name in ("users", "activities", "registrations", "shifts", "assignments", "messages",
                 "logged", "announcements", "deliveries", "orders"):  # fmt: skip
        setattr(base, name, getattr(filled, name))
    return base, filled


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("community", [None, "dongpo"])
def test_each_report_kind_equals_independent_counts(
    demo: tuple[Seeded, Filled], kind: str, community: str | None
) -> None:
    base, _ = demo
    period = last_finished(kind, NOW, base.settings.zone)
    with Session(base.engine) as session:
        report = make_report(session, period, community, NOW, base.settings.zone, CATEGORIES)
    for side, counted in ((period, "now"), (period.previous(), "before")):
        got = {r.figure.key: getattr(r, counted) for rows in report.sections.values() for r in rows}
        want = expected(base, side, community)
        if ORDERS in report.sections and "orders_opened" not in want:
            want |= dict.fromkeys(got.keys() - want.keys(), 0.0)  # no order before: zeros
            want["orders_response_rate"] = want["orders_on_time_rate"] = None
            want["orders_satisfaction"] = None
        assert got == want, (kind, side)
    since, until = period.window(base.settings.zone)
    for name, values in report.categories:
        counted = order_figures(base.orders, since, until, community, name, CATEGORIES)
        wanted = [counted.get(k, 0.0 if "rate" not in k else None) for k in BY_CATEGORY]
        wanted[-1] = None  # satisfaction: no ratings
        assert values == wanted, name


def test_the_generator_fills_every_domain_and_reports_show_it(
    demo: tuple[Seeded, Filled], tmp_path: Path
) -> None:
    base, filled = demo
    assert all(n > 0 for n in filled.counts().values()), filled.counts()
    with Session(base.engine) as session:
        report = make_report(session, base.period, None, NOW, base.settings.zone, CATEGORIES)
    assert not report.empty
    assert report.value("orders_opened").now
    assert report.value("announcements_reached").now
    assert [name for name, _ in report.categories] == [c.name for c in CATEGORIES]
    word, excel = write_files(report, tmp_path)
    document = docx.Document(str(word))
    text = "\n".join(p.text for p in document.paragraphs)
    for heading in ("五、通知", "六、工单", "按类别"):
        assert heading in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert {"满意率", work_orders.NO_RATINGS, "路灯照明", "响应率", "送达"} <= cells
    assert len(document.inline_shapes) == 4  # 活动, 咨询, 工单 and the communities
    book = openpyxl.load_workbook(excel)
    assert {"工单", "工单分类"} <= set(book.sheetnames)
    assert book["工单"]._charts
    assert book["通知"]._charts
    summary = [c.value for c in book["概要"]["A"] if c.value]
    assert any(str(s).startswith("工单：新增工单") for s in summary)
    assert any("满意率暂无评价数据" in str(s) for s in summary)


def test_satisfaction_counts_ratings_of_four_or_more() -> None:
    assert work_orders.satisfaction([5, 4, 3, 1]) == 50.0
    assert work_orders.satisfaction([]) is None


def test_a_base_without_work_orders_leaves_the_section_out(seeded: Seeded) -> None:
    with Session(seeded.engine) as session:
        report = make_report(session, seeded.period, None, NOW, seeded.settings.zone)
    assert ORDERS not in report.sections
    assert report.categories == []


def test_the_generator_refuses_days_to_come(empty_base: tuple[Engine, Settings]) -> None:
    engine, settings = empty_base
    tomorrow = NOW.astimezone(settings.zone).date() + dt.timedelta(days=1)
    with session_scope(engine) as session, pytest.raises(UserFacingError, match="只能填到今天"):
        fill(session, tomorrow, tomorrow, NOW, settings.zone, CATEGORIES)
    assert set(COMMUNITIES)


def test_satisfaction_reads_the_residents_ratings(demo: tuple[Seeded, Filled]) -> None:
    """Every resolved order rated 5 (in a transaction rolled back: the demo base is shared)."""
    base, _ = demo
    with Session(base.engine) as session:
        session.execute(update(WorkOrder).values(rating=5))  # only resolved ones count
        report = make_report(session, base.period, None, NOW, base.settings.zone, CATEGORIES)
        session.rollback()
    assert report.value("orders_resolved").now
    assert report.value("orders_satisfaction").now == 100.0
    assert all(values[-1] in (100.0, None) for _, values in report.categories)


def test_report_demo_on_the_command_line(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINLI_DATABASE_URL", seeded.settings.database_url)
    monkeypatch.setenv("LINLI_HOME", str(seeded.settings.home))
    for module in (desk, cli_main):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    day = NOW.astimezone(seeded.settings.zone).date()
    first = str(day - dt.timedelta(days=3))
    assert cli_main.main(["report", "demo", "--from", first, "--to", str(day), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["users"] == 2 * 24
    assert counts["messages"] > 0
    later = str(day + dt.timedelta(days=1))
    assert cli_main.main(["report", "demo", "--from", first, "--to", later]) == 1
    assert "只能填到今天" in capsys.readouterr().err
