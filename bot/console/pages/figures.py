"""The numbers behind the dashboard's charts, in this staff member's communities: the
answer rate by day (bot/reports' own counts), the most answered questions, sign-ups by
activity."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import col, select

from bot.activities import service as activities
from bot.activities.models import Activity, Phase
from bot.console.visit import Visit
from bot.models import ProcessedMessage, User
from bot.reports import figures
from bot.reports.figures import Scope

DAYS = 14
_TOP = 8


def _places(visit: Visit) -> list[str | None]:
    """The scopes to sum: each community of theirs, or the district."""
    mine = visit.staff.communities
    places: list[str | None] = [None] if mine is None else [*sorted(mine)]
    return places


def answer_rate(visit: Visit, midnight: dt.datetime) -> list[tuple[str, float | None]]:
    """Per day of the last two weeks: questions answered (at once or by a choice) / asked."""
    days = []
    for back in range(DAYS - 1, -1, -1):
        since = midnight - dt.timedelta(days=back)
        until = since + dt.timedelta(days=1)
        asked = answered = 0.0
        for place in _places(visit):
            scope = Scope(since, until, place)
            asked += figures.questions_asked(visit.session, scope) or 0
            answered += figures.answered_at_once(visit.session, scope) or 0
            answered += figures.clarified(visit.session, scope) or 0
        label = f"{since.astimezone(visit.zone):%d}"
        days.append((label, answered / asked if asked else None))
    return days


def top_questions(visit: Visit, midnight: dt.datetime) -> list[tuple[str, float]]:
    """The entries answered most in the last two weeks, by their standard question."""
    entry = col(ProcessedMessage.outcome)["answer_id"].as_string()
    statement = (
        select(entry, func.count())
        .select_from(ProcessedMessage)
        .where(col(ProcessedMessage.created_at) >= midnight - dt.timedelta(days=DAYS - 1))
        .where(col(ProcessedMessage.outcome)["intent"].as_string() == "faq")
        .group_by(entry)
        .order_by(func.count().desc())
    )
    mine = visit.staff.communities
    if mine is not None:
        statement = statement.join(User, col(User.id) == ProcessedMessage.user_id).where(
            col(User.community_id).in_(sorted(mine))
        )
    matcher = visit.console.app.current_matcher()
    rows = []
    for entry_id, count in visit.session.exec(statement.limit(_TOP)).all():
        found = matcher.entry(entry_id) if entry_id else None
        if found is not None:
            rows.append((found.question, float(count)))
    return rows


def signups(visit: Visit, midnight: dt.datetime) -> list[tuple[str, float, int]]:
    """Upcoming activities (the next two weeks) with their seats taken and capacity."""
    shown = visit.session.exec(
        select(Activity).where(
            Activity.status == Phase.PUBLISHED, Activity.ends_at > visit.now,
            Activity.starts_at < midnight + dt.timedelta(days=DAYS),
        ).order_by(col(Activity.starts_at))
    ).all()  # fmt: skip
    return [
        (a.title, float(activities.seats_taken(visit.session, a.id or 0)), a.capacity)
        for a in shown
        if visit.staff.may_see(a.community_id)
    ][:_TOP]
