"""志愿者: posts, shifts (one-off and weekly), a shift's roster, assigning a volunteer (who is
told, as by `linli shift assign`), approving hours, and the hours sheet — through bot/shifts,
for the posts of this staff member's communities."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from starlette.responses import Response

from bot.activities.sheets import parse_moment
from bot.console.visit import XLSX, Forbidden, Page, Visit, back, download, row_of
from bot.kb.store import stored_communities
from bot.people import names
from bot.people.masking import mask_name
from bot.shifts import hours as shift_hours
from bot.shifts import messages as shift_notices
from bot.shifts import plan as shift_plan
from bot.shifts import service as shifts
from bot.shifts import sheets as shift_io
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from bot.shifts.service import ShiftError

_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_AHEAD = dt.timedelta(days=28)  # shifts the page lists


def overview(visit: Visit, problems: list[str] | None = None, status: int = 200) -> Response:
    posts = [p for p in _posts(visit) if p.active]
    mine = {p.id: p for p in posts}
    upcoming = visit.session.exec(
        select(Shift).where(
            Shift.status == "open", Shift.ends_at > visit.now,
            Shift.starts_at < visit.now + _AHEAD, col(Shift.post_id).in_(sorted(mine)),
        ).order_by(col(Shift.starts_at))
    ).all()  # fmt: skip
    since, until = visit.now - dt.timedelta(days=60), visit.now + dt.timedelta(days=1)
    review = shift_hours.needing_review(visit.session, _places(visit), since, until)
    waiting = [(a, s, p) for a, s, p in review if a.status == Turn.DONE]
    return visit.render(
        "volunteers.html", status=status, posts=posts, shifts=upcoming, by_post=mine,
        taken={s.id: shifts.taken(visit.session, s.id or 0) for s in upcoming},
        waiting=[(_masked(visit, a.user_id), a, s, p) for a, s, p in waiting],
        communities=[c for c in stored_communities(visit.session) if visit.staff.may_see(c.id)],
        weekdays=_WEEKDAYS, problems=problems or [], form=visit.form, today=visit.today,
    )  # fmt: skip


def add_post(visit: Visit) -> Response:
    form = visit.form
    community = form.get("community") or None
    visit.mine(community)
    skills = [s.strip() for s in form.get("skills", "").replace("，", ",").split(",") if s.strip()]
    try:
        post = shift_plan.create_post(
            visit.session, form.get("title", ""), form.get("place", ""), community, skills,
            None, form.get("description", ""), now=visit.now,
        )  # fmt: skip
    except ShiftError as exc:
        return overview(visit, [str(exc)], status=400)
    visit.log("shift_post_create", f"shiftpost:{post.id}", community, after=_post_record(post))
    return back("volunteers", f"已新建岗位 #{post.id}：{post.title}。")


def _post(visit: Visit, post_id: int) -> ShiftPost:
    post = visit.session.get(ShiftPost, post_id)
    if post is None:
        raise Forbidden("no such post")
    visit.mine(post.community_id)
    return post


def add_shift(visit: Visit) -> Response:
    form = visit.form
    post = _post(visit, _number(form.get("post", "")))
    try:
        start = parse_moment(form.get("start", ""), visit.zone)
    except ValueError as exc:
        return overview(visit, [f"开始时间{exc}"], status=400)
    try:
        shift = shift_plan.create_shift(
            visit.session, post.id or 0, start, _number(form.get("minutes", "")),
            _number(form.get("slots", "")), visit.now,
        )  # fmt: skip
    except ShiftError as exc:
        return overview(visit, [str(exc)], status=400)
    visit.log(
        "shift_create", f"shift:{shift.id}", post.community_id, after=_shift_record(visit, shift)
    )
    return back(
        f"volunteers/shifts/{shift.id}", f"已新建班次 #{shift.id}，签到码 {shift.checkin_code}。"
    )


def add_weekly(visit: Visit) -> Response:
    form = visit.form
    post = _post(visit, _number(form.get("post", "")))
    try:
        first = dt.date.fromisoformat(form.get("first", "").strip())
        until = dt.date.fromisoformat(form["until"].strip()) if form.get("until") else None
    except ValueError:
        return overview(visit, ["日期看不懂，请写成 2026-12-01 这样"], status=400)
    try:
        template = shift_plan.create_template(
            visit.session, post.id or 0, _number(form.get("weekday", "")), form.get("time", ""),
            _number(form.get("minutes", "")), _number(form.get("slots", "")), first, until, None,
        )  # fmt: skip
    except ShiftError as exc:
        return overview(visit, [str(exc)], status=400)
    weeks = visit.console.app.settings.volunteers.weeks_ahead
    created = shift_plan.materialize(visit.session, visit.now, visit.zone, weeks)
    visit.log(
        "shift_weekly_create", f"shifttemplate:{template.id}", post.community_id,
        after={"post": post.id, "weekday": template.weekday, "time": template.start_time,
               "minutes": template.minutes, "slots": template.slots, "from": str(first),
               "until": str(until) if until else None, "shifts_created": created},
    )  # fmt: skip
    return back("volunteers", f"已新建每周班次，先排好了未来 {weeks} 周的 {created} 个班次。")


def _shift(visit: Visit) -> tuple[Shift, ShiftPost]:
    shift = row_of(visit, Shift, lambda s: _post(visit, s.post_id).community_id)
    return shift, _post(visit, shift.post_id)


def shift_page(visit: Visit, problems: list[str] | None = None, status: int = 200) -> Response:
    shift, post = _shift(visit)
    people = visit.session.exec(
        select(ShiftAssignment).where(ShiftAssignment.shift_id == shift.id)
        .order_by(col(ShiftAssignment.id))
    ).all()  # fmt: skip
    return visit.render(
        "shift.html", status=status, shift=shift, post=post, Turn=Turn,
        roster=[(_masked(visit, a.user_id), a) for a in people], problems=problems or [],
        taken=shifts.taken(visit.session, shift.id or 0),
        waiting=sum(1 for a in people if a.status == Turn.DONE and a.approved_at is None),
    )  # fmt: skip


def assign(visit: Visit) -> Response:
    shift, post = _shift(visit)
    try:
        user_id = names.person(visit.session, visit.form.get("who", ""))
        assignment = shifts.sign_up(
            visit.session, shift.id or 0, user_id, visit.now, source="assigned",
            assigned_by=visit.staff.user_id,
        )  # fmt: skip
    except (ValueError, ShiftError) as exc:
        return shift_page(visit, [str(exc)], status=400)
    shift_notices.assigned(visit.session, visit.notifier, assignment, shift, post)
    visit.log("shift_assign", f"shift:{shift.id}", post.community_id,
              after={"user": user_id, "status": assignment.status})  # fmt: skip
    return back(
        f"volunteers/shifts/{shift.id}", f"已安排 {_masked(visit, user_id)}，已通知对方确认。"
    )


def approve(visit: Visit) -> Response:
    shift, post = _shift(visit)
    waiting = [
        {"user": a.user_id, "minutes": a.minutes}
        for a in visit.session.exec(
            select(ShiftAssignment).where(
                ShiftAssignment.shift_id == shift.id, ShiftAssignment.status == Turn.DONE,
                col(ShiftAssignment.approved_at).is_(None),
            )
        ).all()
    ]  # fmt: skip
    approved = shift_hours.approve(visit.session, shift.id or 0, visit.staff.user_id, visit.now)
    visit.log("shift_approve", f"shift:{shift.id}", post.community_id,
              before={"waiting": waiting}, after={"approved": approved})  # fmt: skip
    page = (
        "volunteers" if visit.form.get("back") == "volunteers" else f"volunteers/shifts/{shift.id}"
    )
    return back(page,
                f"已批准班次 #{shift.id} 的 {approved} 条工时。")  # fmt: skip


def export_hours(visit: Visit) -> Response:
    try:
        first = dt.date.fromisoformat(visit.form.get("first", "").strip())
        last = dt.date.fromisoformat(visit.form.get("last", "").strip())
    except ValueError:
        return overview(visit, ["日期看不懂，请写成 2026-12-01 这样"], status=400)
    places = _places(visit)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hours.xlsx"
        try:
            count = shift_io.export_hours(visit.session, first, last, path, visit.zone, places)
        except ShiftError as exc:
            return overview(visit, [str(exc)], status=400)
        data = path.read_bytes()
    scope = sorted(places) if places is not None else "all"
    visit.log("shift_hours_export", f"hours:{first}..{last}", None,
              after={"volunteers": count, "communities": scope})  # fmt: skip
    return download(data, f"志愿工时-{first}-{last}.xlsx", XLSX)


ROUTES = [
    Page("GET", "/volunteers", overview),
    Page("POST", "/volunteers/posts", add_post),
    Page("POST", "/volunteers/shifts", add_shift),
    Page("POST", "/volunteers/weekly", add_weekly),
    Page("GET", "/volunteers/shifts/{id}", shift_page),
    Page("POST", "/volunteers/shifts/{id}/assign", assign),
    Page("POST", "/volunteers/shifts/{id}/approve", approve),
    Page("POST", "/volunteers/hours", export_hours),
]


def _places(visit: Visit) -> set[str] | None:
    return set(visit.staff.communities) if visit.staff.communities is not None else None


def _posts(visit: Visit) -> list[ShiftPost]:
    rows = visit.session.exec(select(ShiftPost).order_by(col(ShiftPost.id))).all()
    return [p for p in rows if visit.staff.may_see(p.community_id)]


def _number(text: str) -> int:
    value = text.strip()
    return int(value) if value.isdigit() else 0


def _masked(visit: Visit, user_id: int) -> str:
    name = names.name_of(visit.session, user_id)
    return mask_name(name) if name else f"用户 {user_id}"


def _post_record(post: ShiftPost) -> dict[str, Any]:
    return {"title": post.title, "place": post.place, "community": post.community_id,
            "skills": list(post.skills), "description": post.description}  # fmt: skip


def _shift_record(visit: Visit, shift: Shift) -> dict[str, Any]:
    return {
        "post": shift.post_id, "starts_at": shift.starts_at.astimezone(visit.zone).isoformat(),
        "ends_at": shift.ends_at.astimezone(visit.zone).isoformat(), "slots": shift.slots,
    }  # fmt: skip
