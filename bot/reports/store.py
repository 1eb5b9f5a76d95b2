"""Reports made and stored: each once per kind, period and place (a unique row claimed in
the same transaction that writes the files), in the data directory's reports folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.db import added_once
from bot.files import private_dir
from bot.orders.categories import Category
from bot.reports.build import Report, make_report, write_charts, write_files
from bot.reports.models import DISTRICT, MadeReport
from bot.reports.periods import Period

FOLDER = "reports"


def folder_of(home: Path) -> Path:
    """Where stored reports' files live: the data directory's reports folder (owner-only:
    the most asked unanswered questions are residents' own words)."""
    return private_dir(home / FOLDER)


def find(session: Session, period: Period, community: str | None) -> MadeReport | None:
    """The stored report of this period and place, if it was made."""
    return session.exec(
        select(MadeReport).where(
            MadeReport.kind == period.kind,
            MadeReport.first == period.first,
            MadeReport.community_id == (community or DISTRICT),
        )
    ).first()


def make_and_store(
    session: Session,
    period: Period,
    community: str | None,
    now: dt.datetime,
    zone: ZoneInfo,
    folder: Path,
    categories: Sequence[Category] | None = None,
) -> MadeReport | None:
    """Make the report, write its files and charts into `folder` and store its row; None
    when it was made before (or is being made by a concurrent transaction)."""
    if find(session, period, community) is not None:
        return None
    report = make_report(session, period, community, now, zone, categories)
    row = MadeReport(
        kind=period.kind, first=period.first, last=period.last,
        community_id=community or DISTRICT, title=report.title, empty=report.empty,
        figures=figures_of(report), summary=report.summary, made_at=now,
    )  # fmt: skip
    if not added_once(session, row):
        return None  # the same report, made at the same time elsewhere: that one counts
    _write(row, report, folder)
    return row


def remake(
    session: Session,
    row: MadeReport,
    remarks: str,
    now: dt.datetime,
    zone: ZoneInfo,
    folder: Path,
    categories: Sequence[Category] | None = None,
) -> MadeReport:
    """Write a stored report's files again with the 社工's remarks in them."""
    period = Period(row.kind, row.first, row.last + dt.timedelta(days=1))
    community = row.community_id or None
    report = make_report(session, period, community, now, zone, categories)
    row.remarks = remarks.strip()
    report = replace(report, remarks=row.remarks)
    row.figures, row.summary, row.empty = figures_of(report), report.summary, report.empty
    _write(row, report, folder)
    session.add(row)
    return row


def made(
    session: Session, communities: Collection[str] | None = None, limit: int = 200
) -> list[MadeReport]:
    """Stored reports, newest period first; only those of `communities` when given (the
    district's are then left out: they concern every community)."""
    statement = select(MadeReport).order_by(
        col(MadeReport.first).desc(), col(MadeReport.kind), col(MadeReport.community_id)
    )
    if communities is not None:
        statement = statement.where(col(MadeReport.community_id).in_(list(communities)))
    return list(session.exec(statement.limit(limit)).all())


def figures_of(report: Report) -> dict[str, dict[str, float | None]]:
    """Every figure's value, this period and the one before, by key."""
    return {
        row.figure.key: {"now": row.now, "before": row.before}
        for rows in report.sections.values()
        for row in rows
    }


def _write(row: MadeReport, report: Report, folder: Path) -> None:
    row.files = [p.name for p in write_files(report, folder)]
    row.charts = [p.name for p in write_charts(report, folder)]
