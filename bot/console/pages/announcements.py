"""公告: compose (a preview of what residents read and how many it reaches), target
communities and roles as the chat and CLI do, schedule, cancel, live progress and the
delivery report; bot/announcements checks the sender's communities as it does in chat."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from bot.activities.sheets import parse_moment
from bot.announcements import delivery
from bot.announcements import service as announcements
from bot.announcements.models import Announcement, Stage
from bot.announcements.service import Draft, Target
from bot.console.visit import Forbidden, Page, Visit, back, row_id
from bot.kb.store import stored_communities
from bot.times import when

ROLES = (("resident", "居民"), ("volunteer", "志愿者"), ("staff", "工作人员"))
_FIELDS = ("text", "link", "topic", "at")


def announcement_list(visit: Visit) -> Response:
    return _compose(visit, {"topic": "general"}, [])


def _compose(
    visit: Visit, draft: dict[str, Any], problems: list[str], preview: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    settings = visit.console.app.settings.announcements
    return visit.render(
        "announcements.html", status=status, draft=draft, problems=problems, preview=preview,
        rows=announcements.listed(visit.session, visit.staff.user_id, limit=30), Stage=Stage,
        topics=settings.topics, roles=ROLES, communities=_mine(visit), when=when,
        district=visit.staff.may_see(None),
    )  # fmt: skip


def _draft(visit: Visit) -> tuple[dict[str, Any], Draft]:
    """The form as typed, and the announcement it asks for (AnnouncementError when unreadable)."""
    typed: dict[str, Any] = {k: visit.form.get(k, "").strip() for k in _FIELDS}
    typed["communities"] = [c for c in visit.lists.get("communities", []) if c]
    typed["roles"] = [r for r in visit.lists.get("roles", []) if r]
    typed["everyone"] = visit.form.get("everyone") == "1"
    try:
        send_at = parse_moment(typed["at"], visit.zone) if typed["at"] else visit.now
    except ValueError as exc:
        raise announcements.AnnouncementError(f"发送时间{exc}") from None
    for community in typed["communities"]:
        visit.mine(community)  # another community's residents: 403, as on every page
    if typed["everyone"]:
        visit.mine(None)
    target = Target(tuple(typed["communities"]), tuple(typed["roles"]), (), typed["everyone"])
    return typed, Draft(typed["text"], target, send_at, typed["link"], typed["topic"] or "general")


def preview(visit: Visit) -> Response:
    """What residents will read and how many it reaches, checked; nothing is stored."""
    typed: dict[str, Any] = {"topic": "general"}
    try:
        typed, draft = _draft(visit)
        settings = visit.console.app.settings.announcements
        made = announcements.create(visit.session, draft, visit.staff.user_id, visit.now, settings)
        reach, out = announcements.estimate(visit.session, draft.target, draft.topic)
        shown = delivery.text_of(made, settings.topics.get(made.topic, "社区公告"))
        visit.session.rollback()  # a preview stores nothing
    except announcements.AnnouncementError as exc:
        return _compose(visit, typed, [str(exc)], status=400)
    seen = {"text": shown, "reach": reach, "opted_out": out, "send_at": draft.send_at}
    return _compose(visit, typed, [], preview=seen)


def send(visit: Visit) -> Response:
    typed: dict[str, Any] = {"topic": "general"}
    try:
        typed, draft = _draft(visit)
        settings = visit.console.app.settings.announcements
        made = announcements.create(visit.session, draft, visit.staff.user_id, visit.now, settings)
    except announcements.AnnouncementError as exc:
        return _compose(visit, typed, [str(exc)], status=400)
    reach, out = announcements.estimate(visit.session, draft.target, draft.topic)
    community = made.communities[0] if len(made.communities) == 1 else None
    visit.log(
        "announcement_create", f"announcement:{made.id}", community,
        after={**_record(made), "reach": reach, "opted_out": out},
    )  # fmt: skip
    at = when(made.send_at, visit.zone)
    return back(f"announcements/{made.id}", f"公告 #{made.id} 已安排，{at} 发送，预计 {reach} 人。")


def _announcement(visit: Visit) -> Announcement:
    found = visit.session.get(Announcement, row_id(visit))
    if found is None or not announcements.may_manage(visit.session, found, visit.staff.user_id):
        raise Forbidden("not their announcement")
    return found


def detail(visit: Visit) -> Response:
    found = _announcement(visit)
    return visit.render(
        "announcement.html", announcement=found, Stage=Stage, when=when,
        report=delivery.report_text(delivery.progress(visit.session, found.id or 0)),
        topics=visit.console.app.settings.announcements.topics,
    )  # fmt: skip


def progress(visit: Visit) -> Response:
    """The delivery report alone: the detail page polls it while the announcement goes."""
    found = _announcement(visit)
    found_progress = delivery.progress(visit.session, found.id or 0)
    return visit.render(
        "announcement_progress.html", announcement=found, Stage=Stage,
        report=delivery.report_text(found_progress),
    )  # fmt: skip


def cancel(visit: Visit) -> Response:
    found = _announcement(visit)
    before = _record(found)
    try:
        announcements.cancel(visit.session, found.id or 0, visit.staff.user_id, visit.now)
    except announcements.AnnouncementError as exc:
        return back(f"announcements/{found.id}", str(exc))
    community = found.communities[0] if len(found.communities) == 1 else None
    visit.log("announcement_cancel", f"announcement:{found.id}", community,
              before=before, after=_record(found))  # fmt: skip
    return back(f"announcements/{found.id}", f"公告 #{found.id} 已取消，不会发出。")


ROUTES = [
    Page("GET", "/announcements", announcement_list),
    Page("POST", "/announcements/preview", preview),
    Page("POST", "/announcements", send),
    Page("GET", "/announcements/{id}", detail),
    Page("GET", "/announcements/{id}/progress", progress),
    Page("POST", "/announcements/{id}/cancel", cancel),
]


def _mine(visit: Visit) -> list[Any]:
    return [c for c in stored_communities(visit.session) if visit.staff.may_see(c.id)]


def _record(found: Announcement) -> dict[str, Any]:
    return {
        "text": found.text, "link": found.link, "topic": found.topic,
        "communities": list(found.communities), "roles": list(found.roles),
        "everyone": found.everyone, "send_at": found.send_at.isoformat(), "status": found.status,
    }  # fmt: skip
