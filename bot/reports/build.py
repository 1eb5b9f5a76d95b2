"""A report: every figure of a period beside the previous period's, for one community or
the district (with a line per community), and its summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.kb.store import stored_communities
from bot.reports import messages
from bot.reports.figures import SECTIONS, Figure, Scope
from bot.reports.periods import KINDS, Period, PeriodError, finished
from bot.reports.tops import Asked, top_answered, top_unanswered

DISTRICT = "全区"
UNKNOWN_COMMUNITY = "找不到社区“{}”。现有的社区编号：{}"
NOT_COUNTS = ("%", "分", "小时")  # rates, means and hours do not share a count's chart axis
TOPS = {"答复最多的问题": top_answered, "未能答复、问得最多的问题": top_unanswered}
PER_COMMUNITY = ("activities_held", "signups", "hours_approved", "questions_asked", "handoffs")


@dataclass(frozen=True)
class Row:
    """One figure this period and the period before."""

    figure: Figure
    now: float | None
    before: float | None

    @property
    def is_count(self) -> bool:
        """A count of things (charted together), not a rate, a mean or hours."""
        return self.figure.unit not in NOT_COUNTS


@dataclass(frozen=True)
class Report:
    """What a report says; the Word and Excel files are two ways of showing it."""

    period: Period
    previous: Period
    place: str  # the community's name, or 全区
    community: str | None
    sections: dict[str, list[Row]]
    communities: list[tuple[str, list[float | None]]]  # district only: a line per community
    made_at: dt.datetime
    tops: dict[str, Asked]  # this period's most asked, by list (TOPS)

    @property
    def title(self) -> str:
        """'东坡社区 2026年11月上半月 半月工作报告'."""
        return f"{self.place} {self.period.label} {KINDS[self.period.kind]}"

    @property
    def empty(self) -> bool:
        """Nothing happened in the period: every figure is 0 or not known."""
        return all(not row.now for rows in self.sections.values() for row in rows)

    @property
    def summary(self) -> list[str]:
        """The summary, one sentence per section (numbers only)."""
        return messages.summary(self)

    def value(self, key: str) -> Row:
        """The row of the figure named `key`."""
        return next(r for rows in self.sections.values() for r in rows if r.figure.key == key)


def make_report(
    session: Session,
    period: Period,
    community: str | None,
    now: dt.datetime,
    zone: ZoneInfo,
) -> Report:
    """Count every figure of `period` (which must be over) and the one before it.

    Raises:
        PeriodError: the period is not over yet, or the community is unknown.
    """
    finished(period, now, zone)
    known = {c.id: c.name for c in stored_communities(session)}
    if community is not None and community not in known:
        raise PeriodError(UNKNOWN_COMMUNITY.format(community, "、".join(known) or "（还没有）"))
    previous = period.previous()
    scope, before = _scope(period, zone, community), _scope(previous, zone, community)
    sections = {
        name: [Row(f, f.count(session, scope), f.count(session, before)) for f in figures]
        for name, figures in SECTIONS.items()
    }
    lines = [] if community is not None else _per_community(session, period, zone, known)
    place = DISTRICT if community is None else known[community]
    made = now.astimezone(zone)  # shown as the local date
    tops = {name: top(session, scope) for name, top in TOPS.items()}
    return Report(period, previous, place, community, sections, lines, made, tops)


def per_community_labels() -> list[str]:
    """The headings of the district report's per-community table."""
    figures = {f.key: f for figures in SECTIONS.values() for f in figures}
    return [f"{figures[k].label}（{figures[k].unit}）" for k in PER_COMMUNITY]


def _per_community(
    session: Session, period: Period, zone: ZoneInfo, known: dict[str, str]
) -> list[tuple[str, list[float | None]]]:
    figures = {f.key: f for figures in SECTIONS.values() for f in figures}
    return [
        (name, [figures[k].count(session, _scope(period, zone, cid)) for k in PER_COMMUNITY])
        for cid, name in known.items()
    ]


def _scope(period: Period, zone: ZoneInfo, community: str | None) -> Scope:
    since, until = period.window(zone)
    return Scope(since, until, community)


def write_files(report: Report, folder: Path) -> list[Path]:
    """Write the report as .docx and .xlsx into `folder` (made if missing); returns the
    files. Word and Excel are imported here: they cost a second on every `linli` start."""
    from bot.reports.excel import write_xlsx
    from bot.reports.word import write_docx

    folder.mkdir(parents=True, exist_ok=True)
    place = report.community or "district"
    stem = f"report-{report.period.kind}-{report.period.first:%Y-%m-%d}-{place}"
    return [
        write_docx(report, folder / f"{stem}.docx"),
        write_xlsx(report, folder / f"{stem}.xlsx"),
    ]
