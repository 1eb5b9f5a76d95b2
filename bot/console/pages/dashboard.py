"""待办: today's numbers of this staff member's communities and the most asked questions."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.responses import Response

from bot.activities.models import Activity
from bot.console import charts
from bot.console.pages import figures
from bot.console.visit import Page, Visit
from bot.kb import unanswered
from bot.kb.models import KnowledgeEntry
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn


def dashboard(visit: Visit) -> Response:
    zone = visit.console.app.settings.zone
    midnight = visit.now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = unanswered.counts_since(visit.session, midnight, visit.staff.communities)
    groups = visit.console.grouper.grouped(visit.session, visit.staff.communities)
    return visit.render(
        "dashboard.html", counts=counts, groups=groups[:5], open_groups=len(groups),
        entries=_entry_count(visit.session), today=midnight.date(),
        activities=_activities_between(visit, midnight, midnight + dt.timedelta(days=7)),
        hours_waiting=_hours_waiting(visit), charts=_charts(visit, midnight),
    )  # fmt: skip


ROUTES = [Page("GET", "/", dashboard)]


def _charts(visit: Visit, midnight: dt.datetime) -> dict[str, Markup]:
    taken = figures.signups(visit, midnight)
    most = max([capacity for _, _, capacity in taken], default=0)
    return {
        "rate": charts.columns(figures.answer_rate(visit, midnight), "每天答上的比例（%）"),
        "top": charts.bars(figures.top_questions(visit, midnight), " 次", "问得最多的问题"),
        "signups": charts.bars(
            [(t, n) for t, n, _ in taken],
            " 人",
            "报名人数",
            most,
            texts=[f"{n:.0f}/{capacity}" for _, n, capacity in taken],
        ),
    }


def _entry_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(KnowledgeEntry)).one()


def _activities_between(visit: Visit, start: dt.datetime, end: dt.datetime) -> int:
    """How many of this staff member's activities start in [start, end) (not cancelled)."""
    rows = visit.session.exec(
        select(Activity.community_id).where(
            col(Activity.starts_at) >= start, col(Activity.starts_at) < end,
            col(Activity.status) != "cancelled",
        )
    ).all()  # fmt: skip
    return sum(1 for community in rows if visit.staff.may_see(community))


def _hours_waiting(visit: Visit) -> int:
    """Volunteers' finished shifts of this staff member's posts waiting for approval."""
    rows = visit.session.exec(
        select(ShiftPost.community_id)
        .join(Shift, col(Shift.post_id) == ShiftPost.id)
        .join(ShiftAssignment, col(ShiftAssignment.shift_id) == Shift.id)
        .where(col(ShiftAssignment.status) == Turn.DONE.value)
        .where(col(ShiftAssignment.approved_at).is_(None))
    ).all()
    return sum(1 for community in rows if visit.staff.may_see(community))
