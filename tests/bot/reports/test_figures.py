"""Every figure of a report equals a count made here, on the seeded rows, for this period and
the one before, district-wide and per community; periods, empty and future periods."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from statistics import mean
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.orders.categories import Category, load_categories
from bot.reports import messages
from bot.reports.build import Report, make_report
from bot.reports.periods import Period, PeriodError, last_finished, period_of
from tests.bot.reports.conftest import COMMUNITIES, ENTRIES, Seeded
from tests.conftest import NOW

CATEGORIES = load_categories()


def expected(base: Seeded, period: Period, community: str | None) -> dict[str, float | None]:
    """Each figure counted over the seeded records, by the rules the report states."""
    since, until = period.window(base.settings.zone)

    def inside(record: dict[str, Any]) -> bool:
        return since <= record["at"] < until

    def ours(place: str | None) -> bool:
        return community is None or place == community

    held = {
        a["id"] for a in base.activities
        if inside(a) and ours(a["community"]) and a["status"] in ("published", "finished")
    }  # fmt: skip
    seats = [r for r in base.registrations if r["activity"] in held]
    came = sum(r["status"] == "attended" for r in seats)
    missed = sum(r["status"] == "no_show" for r in seats)
    ratings = [r["rating"] for r in seats if r["rating"] is not None]
    shifts = {
        s["id"]: s
        for s in base.shifts
        if inside(s) and ours(s["community"]) and s["status"] == "open"
    }
    turns = [a for a in base.assignments if a["shift"] in shifts]
    holding = ("signed", "confirmed", "checked_in", "done")
    taken = {
        sid: sum(a["shift"] == sid and a["status"] in holding for a in turns) for sid in shifts
    }
    asked = [m for m in base.messages if inside(m) and ours(base.users[m["user"]])]
    logged = [q for q in base.logged if inside(q) and ours(base.users[q["user"]])]
    sent = [
        a for a in base.announcements
        if inside(a) and a["status"] in ("sending", "done")
        and (community is None or a["everyone"] or community in a["communities"])
    ]  # fmt: skip
    return {
        "activities_held": len(held),
        "signups": sum(r["status"] in ("confirmed", "attended", "no_show") for r in seats),
        "attendance_rate": round(100 * came / (came + missed), 1) if came + missed else None,
        "no_shows": missed,
        "ratings_count": len(ratings),
        "ratings_mean": round(mean(ratings), 2) if ratings else None,
        "hours_approved": round(sum(a["minutes"] for a in turns if a["approved"]) / 60, 1),
        "volunteers_active": len(
            {a["user"] for a in turns if a["status"] in ("checked_in", "done")}
        ),
        "shifts_filled": sum(taken[s] >= shifts[s]["slots"] for s in shifts),
        "shifts_understaffed": sum(taken[s] < shifts[s]["slots"] for s in shifts),
        "questions_asked": sum(m["intent"] in ("faq", "clarify", "fallback") for m in asked),
        "answered_at_once": sum(m["intent"] == "faq" for m in asked),
        "clarified": sum(m["intent"] == "clarify" for m in asked),
        "unanswered": sum(q["kind"] == "fallback" for q in logged),
        "handoffs": sum(q["kind"] == "handoff" for q in logged),
        "announcements_sent": len(sent),
        **_reach(base, {a["id"] for a in sent}, ours),
        **order_figures(base.orders, since, until, community, None, CATEGORIES),
    }


def _reach(base: Seeded, sent: set[int], ours: Any) -> dict[str, float | None]:
    mine = [d for d in base.deliveries if d["announcement"] in sent and ours(base.users[d["user"]])]
    return {
        "announcements_reached": sum(d["status"] == "sent" for d in mine),
        "announcements_undelivered": sum(
            d["status"] in ("undeliverable", "failed", "unknown") for d in mine
        ),
    }


def order_figures(
    orders: list[dict[str, Any]],
    since: dt.datetime,
    until: dt.datetime,
    community: str | None,
    category: str | None,
    categories: tuple[Category, ...],
) -> dict[str, float | None]:
    """The work-order figures, counted over the orders' records and their events (none when
    the base holds no order filed before the window's end: the section is left out)."""
    limits = {c.name: c for c in categories}
    mine = [
        o for o in orders
        if (community is None or o["community"] == community)
        and (category is None or o["category"] == category)
    ]  # fmt: skip
    if not any(o["at"] < until for o in mine):
        return {}
    filed = [o for o in mine if since <= o["at"] < until]
    in_time = 0
    for o in filed:
        answers = [e["at"] for e in o["events"] if e["before"] == "submitted"]
        hours = dt.timedelta(hours=limits[o["category"]].respond_hours)
        in_time += bool(answers) and min(answers) - o["at"] <= hours
    resolved, on_time, late = 0, 0, 0
    for o in mine:
        days = dt.timedelta(days=limits[o["category"]].resolve_days)
        fixed = [e["at"] for e in o["events"] if e["after"] == "resolved"]
        if fixed and since <= min(fixed) < until:
            resolved += 1
            on_time += min(fixed) - o["at"] <= days
        before_end = [e for e in o["events"] if e["at"] < until]
        if o["at"] < until and before_end:
            state = max(before_end, key=lambda e: e["at"])["after"]
            late += state in ("submitted", "assigned", "reopened") and o["at"] + days < until

    def rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    return {
        "orders_opened": len(filed),
        "orders_resolved": resolved,
        "orders_on_time": on_time,
        "orders_overdue": late,
        "orders_response_rate": rate(in_time, len(filed)),
        "orders_on_time_rate": rate(on_time, resolved),
        "orders_satisfaction": None,  # work orders hold no rating yet
    }


def report_of(base: Seeded, community: str | None, period: Period | None = None) -> Report:
    with Session(base.engine) as session:
        return make_report(session, period or base.period, community, NOW, base.settings.zone)


def figures(report: Report, side: str) -> dict[str, float | None]:
    return {row.figure.key: getattr(row, side) for rows in report.sections.values() for row in rows}


@pytest.mark.parametrize("community", [None, *COMMUNITIES])
def test_every_figure_equals_a_count_of_the_rows(seeded: Seeded, community: str | None) -> None:
    report = report_of(seeded, community)
    assert figures(report, "now") == expected(seeded, seeded.period, community)
    assert figures(report, "before") == expected(seeded, seeded.period.previous(), community)
    assert not report.empty
    # the seed is not degenerate: most figures are non-zero, so a wrong filter shows
    assert sum(bool(v) for v in figures(report, "now").values()) >= 12


def test_the_district_report_has_a_line_per_community(seeded: Seeded) -> None:
    report = report_of(seeded, None)
    assert [name for name, _ in report.communities] == list(COMMUNITIES.values())
    for (_, values), cid in zip(report.communities, COMMUNITIES, strict=True):
        counted = expected(seeded, seeded.period, cid)
        assert values[0] == counted["activities_held"]
        assert values[3] == counted["questions_asked"]
    assert report_of(seeded, "suzhe").communities == []


def test_a_period_with_no_rows_says_so(seeded: Seeded) -> None:
    long_ago = period_of("quarter", dt.date(2020, 5, 1))
    report = report_of(seeded, None, long_ago)
    assert report.empty
    assert report.summary == ["本期（2020年第2季度）没有活动、志愿服务、咨询、通知和工单的记录。"]


def test_a_future_period_is_refused(seeded: Seeded) -> None:
    running = period_of("month", NOW.astimezone(seeded.settings.zone).date())
    with pytest.raises(PeriodError, match="还没有结束.*还不能出这份报告"):
        report_of(seeded, None, running)


def test_an_unknown_community_is_refused(seeded: Seeded) -> None:
    with pytest.raises(PeriodError, match="找不到社区“nowhere”。现有的社区编号：dongpo、suzhe"):
        report_of(seeded, "nowhere")


ZONE = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("kind", "day", "first", "end", "label", "before"),
    [
        ("half-month", "2026-02-15", "2026-02-01", "2026-02-16", "2026年2月上半月", "2026-01-16"),
        ("half-month", "2026-02-16", "2026-02-16", "2026-03-01", "2026年2月下半月", "2026-02-01"),
        ("half-month", "2026-01-03", "2026-01-01", "2026-01-16", "2026年1月上半月", "2025-12-16"),
        ("month", "2026-12-31", "2026-12-01", "2027-01-01", "2026年12月", "2026-11-01"),
        ("quarter", "2026-11-26", "2026-10-01", "2027-01-01", "2026年第4季度", "2026-07-01"),
        ("quarter", "2026-02-01", "2026-01-01", "2026-04-01", "2026年第1季度", "2025-10-01"),
        ("year", "2026-06-30", "2026-01-01", "2027-01-01", "2026年", "2025-01-01"),
    ],
)
def test_periods(kind: str, day: str, first: str, end: str, label: str, before: str) -> None:
    period = period_of(kind, dt.date.fromisoformat(day))
    assert (str(period.first), str(period.end), period.label) == (first, end, label)
    assert str(period.previous().first) == before


def test_a_period_is_local_days() -> None:
    """The 1st begins at local midnight: 16:00 UTC the day before, in Shanghai."""
    since, until = period_of("month", dt.date(2026, 11, 5)).window(ZONE)
    assert since == dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)
    assert until == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)


def test_the_last_finished_period_is_the_default() -> None:
    # 2026-12-01 03:00 in Shanghai is still 30 November in UTC: the month just over is November
    now = dt.datetime(2026, 11, 30, 19, 0, tzinfo=dt.UTC)
    assert str(last_finished("month", now, ZONE).first) == "2026-11-01"
    assert str(last_finished("half-month", now, ZONE).first) == "2026-11-16"


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(PeriodError, match="half-month、month、quarter 或 year"):
        period_of("week", dt.date(2026, 11, 5))


def test_the_summary_says_the_numbers(seeded: Seeded) -> None:
    now, before = (
        expected(seeded, seeded.period, None),
        expected(seeded, seeded.period.previous(), None),
    )
    summary = report_of(seeded, None).summary
    assert [s.split("：")[0] for s in summary] == ["活动", "志愿服务", "咨询", "通知"]
    held = f"举办活动 {now['activities_held']} 场（上期 {before['activities_held']} 场）"
    assert summary[0].startswith(f"活动：{held}，报名 {now['signups']} 人次")
    assert f"找人工 {now['handoffs']} 次（上期 {before['handoffs']} 次）" in summary[2]


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (12.0, "场", "12"),
        (12.5, "小时", "12.5"),
        (85.0, "%", "85%"),
        (3.333, "分", "3.33"),
        (None, "%", "—"),
    ],
)
def test_numbers_as_staff_read_them(value: float | None, unit: str, shown: str) -> None:
    assert messages.number(value, unit) == shown


@pytest.mark.parametrize("community", [None, "dongpo"])
def test_the_most_asked(seeded: Seeded, community: str | None) -> None:
    since, until = seeded.period.window(seeded.settings.zone)
    asked = [
        r for r in [*seeded.messages, *seeded.logged]
        if since <= r["at"] < until and community in (None, seeded.users[r["user"]])
    ]  # fmt: skip
    answered = Counter(ENTRIES[m["answer"]] for m in asked if m.get("intent") == "faq")
    # the first two words are the same question; the third keeps its words
    alike = {"电动车在哪充电": "ev", "电动车在哪充电？": "ev", "停车位怎么租": "park"}
    unanswered = Counter(alike.get(q["text"], "call") for q in asked if q.get("kind") == "fallback")
    tops = report_of(seeded, community).tops
    assert dict(tops["答复最多的问题"]) == dict(answered)
    counts = [n for _, n in tops["答复最多的问题"]]
    assert counts == sorted(counts, reverse=True)
    shown = dict(tops["未能答复、问得最多的问题"])
    assert sorted(shown.values()) == sorted(unanswered.values())
    assert shown.get("停车位怎么租") == unanswered["park"]
    assert sum(n for text, n in shown.items() if text.startswith("电动车")) == unanswered["ev"]
    assert "13912345678" not in str(shown)
    if community is None:  # the district has every word, the mobile number among them
        assert unanswered["call"] > 0
        assert shown["请回电139****5678"] == unanswered["call"]  # masked, still readable
