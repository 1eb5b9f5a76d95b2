"""A report: every figure of a period beside the previous period's, for one community or
the district (with a line per community), and its summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.kb.store import stored_communities
from bot.orders.categories import Category, load_categories
from bot.reports import messages, work_orders
from bot.reports.figures import SECTIONS, Figure, Scope
from bot.reports.periods import KINDS, Period, PeriodError, finished
from bot.reports.tops import Asked, top_answered, top_unanswered

DISTRICT = "全区"
UNKNOWN_COMMUNITY = "找不到社区“{}”。现有的社区编号：{}"
NOT_COUNTS = ("%", "分", "小时")  # rates, means and hours do not share a count's chart axis
TOPS = {"答复最多的问题": top_answered, "未能答复、问得最多的问题": top_unanswered}
PER_COMMUNITY = ("activities_held", "signups", "hours_approved", "questions_asked", "handoffs")
ORDERS = "工单"
ORDER_FIGURES = (
    Figure("orders_opened", "新增工单", "件", work_orders.opened),
    Figure("orders_resolved", "办结工单", "件", work_orders.resolved),
    Figure("orders_on_time", "按时办结", "件", work_orders.resolved_on_time),
    Figure("orders_overdue", "超期未办结", "件", work_orders.overdue),
    Figure("orders_response_rate", "响应率", "%", work_orders.response_rate),
    Figure("orders_on_time_rate", "按时办结率", "%", work_orders.on_time_rate),
    Figure(
        "orders_satisfaction",
        "满意率",
        "%",
        work_orders.satisfaction_rate,
        work_orders.NO_RATINGS,
    ),
)
BY_CATEGORY = (
    "orders_opened",
    "orders_on_time",
    "orders_overdue",
    "orders_response_rate",
    "orders_on_time_rate",
    "orders_satisfaction",
)


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
    # work orders by category (when the base holds work orders): this period's figures
    categories: list[tuple[str, list[float | None]]] = field(default_factory=list)
    remarks: str = ""  # the 社工's own words, added in the console

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
    categories: Sequence[Category] | None = None,
) -> Report:
    """Count every figure of `period` (which must be over) and the one before it; work
    orders against `categories`' time limits (the demo district's when None).

    Raises:
        PeriodError: the period is not over yet, or the community is unknown.
    """
    finished(period, now, zone)
    known = {c.id: c.name for c in stored_communities(session)}
    if community is not None and community not in known:
        raise PeriodError(UNKNOWN_COMMUNITY.format(community, "、".join(known) or "（还没有）"))
    kinds = tuple(load_categories() if categories is None else categories)
    previous = period.previous()
    scope = _scope(period, zone, community, kinds)
    before = _scope(previous, zone, community, kinds)
    shown = dict(SECTIONS)
    by_category: list[tuple[str, list[float | None]]] = []
    if work_orders.any_orders(session, scope):
        shown[ORDERS] = ORDER_FIGURES
        by_category = _by_category(session, scope)
    sections = {
        name: [Row(f, f.count(session, scope), f.count(session, before)) for f in figures]
        for name, figures in shown.items()
    }
    lines = [] if community is not None else _per_community(session, period, zone, known)
    place = DISTRICT if community is None else known[community]
    made = now.astimezone(zone)  # shown as the local date
    tops = {name: top(session, scope) for name, top in TOPS.items()}
    return Report(period, previous, place, community, sections, lines, made, tops, by_category)


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


def category_labels() -> list[str]:
    """The headings of the work orders' table by category."""
    figures = {f.key: f for f in ORDER_FIGURES}
    return [f"{figures[k].label}（{figures[k].unit}）" for k in BY_CATEGORY]


def _by_category(session: Session, scope: Scope) -> list[tuple[str, list[float | None]]]:
    """A line per category of the district's list (this period's figures)."""
    figures = {f.key: f for f in ORDER_FIGURES}
    names = [c.name for c in scope.categories]
    return [
        (name, [figures[k].count(session, replace(scope, category=name)) for k in BY_CATEGORY])
        for name in names
    ]


def _scope(
    period: Period, zone: ZoneInfo, community: str | None, categories: tuple[Category, ...] = ()
) -> Scope:
    since, until = period.window(zone)
    return Scope(since, until, community, categories=categories)


def stem(report: Report) -> str:
    """The files' name without suffix: 'report-month-2026-11-01-dongpo'."""
    place = report.community or "district"
    return f"report-{report.period.kind}-{report.period.first:%Y-%m-%d}-{place}"


def write_files(report: Report, folder: Path) -> list[Path]:
    """Write the report as .docx and .xlsx into `folder` (made if missing); returns the
    files. Word and Excel are imported here: they cost a second on every `linli` start."""
    from bot.reports.excel import write_xlsx
    from bot.reports.word import write_docx

    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_docx(report, folder / f"{stem(report)}.docx"),
        write_xlsx(report, folder / f"{stem(report)}.xlsx"),
    ]


def write_charts(report: Report, folder: Path) -> list[Path]:
    """The docx's charts as PNG files beside it (what the console shows); none when the
    period is empty."""
    from bot.reports.word import chart_images

    return [
        _written(folder / f"{stem(report)}-chart{n}.png", png)
        for n, png in enumerate(chart_images(report), start=1)
    ]


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
