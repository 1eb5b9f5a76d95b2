"""活动: the staff member's activities; create, edit and cancel them with the CLI's checks and
notices (bot/activities), the sign-ups with masked phones, the check-in code, attendance,
ratings, and the sign-up sheet (.xlsx, full phones: the one place they are shown)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from starlette.responses import Response

from bot.activities import service as activities
from bot.activities.models import Activity, Phase, Registration, Seat
from bot.activities.sheets import (
    COLLECT_LABELS,
    attendance_summary,
    export_registrations,
    read_activity,
    read_changes,
)
from bot.console.visit import XLSX, Page, Visit, back, download, row_of
from bot.kb.store import stored_communities
from bot.people.masking import mask_name, mask_phone
from knowledge.entry import Community

# The form's fields: (name, the CLI's column, label, hint).
FIELDS = (
    ("title", "活动名称", "活动名称", ""),
    ("start", "开始时间", "开始时间", "如 2026-12-05 09:30"),
    ("end", "结束时间", "结束时间", "如 2026-12-05 11:00"),
    ("place", "地点", "地点", ""),
    ("capacity", "名额", "名额（人数）", ""),
    ("community", "社区", "社区", ""),
    ("audience", "对象", "对象标签", "如 老人,儿童；不写为所有人"),
    ("signup_deadline", "报名截止", "报名截止", "不写为开始时间"),
    ("cancel_deadline", "取消截止", "取消报名截止", "不写为开始前 2 小时"),
    ("max_party", "每人最多人数", "一次报名最多几人", "不写为 1"),
    ("collect", "收集信息", "报名时收集", "如 姓名,电话；不写为都不收集"),
    ("description", "说明", "活动说明", ""),
)
_MAY_CLEAR = ("community", "audience", "collect", "description")  # blank means none
_SHOWN = 200  # activities a list shows


def activity_list(visit: Visit) -> Response:
    everything = visit.param("all") == "1"
    order = col(Activity.starts_at).desc() if everything else col(Activity.starts_at)
    statement = select(Activity).order_by(order, col(Activity.id))
    if not everything:
        statement = statement.where(
            Activity.ends_at > visit.now, Activity.status != Phase.CANCELLED
        )
    shown = [a for a in visit.session.exec(statement).all() if visit.staff.may_see(a.community_id)]
    taken = {a.id: activities.seats_taken(visit.session, a.id or 0) for a in shown[:_SHOWN]}
    return _list_page(visit, shown[:_SHOWN], taken, everything, {}, [])


def _list_page(
    visit: Visit, shown: list[Activity], taken: dict[Any, int], everything: bool,
    draft: dict[str, str], problems: list[str], status: int = 200,
) -> Response:  # fmt: skip
    return visit.render(
        "activities.html", status=status, activities=shown, taken=taken, everything=everything,
        fields=FIELDS, draft=draft, problems=problems, communities=_mine(visit), Phase=Phase,
        named={c.id: c.name for c in stored_communities(visit.session)},
    )  # fmt: skip


def create(visit: Visit) -> Response:
    draft = {name: visit.form.get(name, "").strip() for name, *_ in FIELDS}
    cells = {column: draft[name] for name, column, *_ in FIELDS if draft[name]}
    try:
        data = read_activity(cells, visit.zone, visit.now, stored_communities(visit.session))
        visit.mine(data.community_id)
        data.status = Phase.DRAFT if visit.form.get("draft") else Phase.PUBLISHED
        made = activities.create_activity(visit.session, data, visit.now, _ids(visit))
    except activities.ActivityError as exc:
        return _list_page(visit, [], {}, False, draft, [str(exc)], status=400)
    visit.log(
        "activity_create", f"activity:{made.id}", made.community_id, after=_record(visit, made)
    )
    return back(f"activities/{made.id}", f"已发布活动 #{made.id}，签到码 {made.checkin_code}。")


def _activity(visit: Visit) -> Activity:
    return row_of(visit, Activity, lambda a: a.community_id)


def detail(visit: Visit) -> Response:
    current = _activity(visit)
    return _detail_page(visit, current, _form_of(visit, current), [])


def _detail_page(
    visit: Visit, current: Activity, draft: dict[str, str], problems: list[str], status: int = 200
) -> Response:
    signups = visit.session.exec(
        select(Registration).where(Registration.activity_id == current.id)
        .order_by(col(Registration.id))
    ).all()  # fmt: skip
    return visit.render(
        "activity.html", status=status, activity=current, fields=FIELDS, draft=draft,
        problems=problems, signups=[_masked(r) for r in signups], Seat=Seat, Phase=Phase,
        summary=attendance_summary(visit.session, current.id or 0), communities=_mine(visit),
        taken=activities.seats_taken(visit.session, current.id or 0),
    )  # fmt: skip


def edit(visit: Visit) -> Response:
    current = _activity(visit)
    shown = _form_of(visit, current)
    draft = {name: visit.form.get(name, shown[name]).strip() for name, *_ in FIELDS}
    cells = {
        column: draft[name] for name, column, *_ in FIELDS
        if draft[name] != shown[name] and (draft[name] or name in _MAY_CLEAR)
    }  # fmt: skip
    before = _record(visit, current)
    try:
        changes = read_changes(cells, visit.zone, stored_communities(visit.session))
        if "community_id" in changes:
            visit.mine(changes["community_id"])  # type: ignore[arg-type]
        if not changes:
            return back(f"activities/{current.id}", "没有改动。")
        activities.update_activity(
            visit.session, current.id or 0, changes, visit.now, _ids(visit), visit.notifier,
            visit.console.app.settings.activities,
        )  # fmt: skip
    except activities.ActivityError as exc:
        return _detail_page(visit, current, draft, [str(exc)], status=400)
    visit.log("activity_update", f"activity:{current.id}", current.community_id,
              before=before, after=_record(visit, current))  # fmt: skip
    return back(f"activities/{current.id}", "已保存；时间或地点变了的，已通知报名的居民。")


def cancel(visit: Visit) -> Response:
    current = _activity(visit)
    before = _record(visit, current)
    try:
        told = activities.cancel_activity(visit.session, current.id or 0, visit.now, visit.notifier)
    except activities.ActivityError as exc:
        return back(f"activities/{current.id}", str(exc))
    visit.log("activity_cancel", f"activity:{current.id}", current.community_id,
              before=before, after={**_record(visit, current), "told": told})  # fmt: skip
    return back(f"activities/{current.id}", f"已取消，通知了 {told} 位报名或候补的居民。")


def attendance(visit: Visit) -> Response:
    current = _activity(visit)
    holders = {
        r.user_id
        for r in activities.registrations(
            visit.session, current.id or 0, (Seat.CONFIRMED, Seat.ATTENDED)
        )
    }
    present = [int(i) for i in visit.lists.get("present", []) if i.isdigit() and int(i) in holders]
    attended, no_show = activities.record_attendance(
        visit.session, current.id or 0, present, visit.now, visit.notifier
    )
    visit.log(
        "activity_attendance", f"activity:{current.id}", current.community_id,
        after={"present_users": sorted(present), "attended": attended, "no_show": no_show},
    )  # fmt: skip
    return back(
        f"activities/{current.id}",
        f"到场 {attended} 个报名，未到场 {no_show} 个；已请到场的居民打分。",
    )


def export(visit: Visit) -> Response:
    current = _activity(visit)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "signups.xlsx"
        written = export_registrations(visit.session, current.id or 0, path, visit.zone)
        data = path.read_bytes()
    visit.log("activity_export", f"activity:{current.id}", current.community_id,
              after={"rows": written, "full_phones": True})  # fmt: skip
    return download(data, f"报名名单-{current.id}-{current.title}.xlsx", XLSX)


ROUTES = [
    Page("GET", "/activities", activity_list),
    Page("POST", "/activities", create),
    Page("GET", "/activities/{id}", detail),
    Page("POST", "/activities/{id}", edit),
    Page("POST", "/activities/{id}/cancel", cancel),
    Page("POST", "/activities/{id}/attendance", attendance),
    Page("POST", "/activities/{id}/export", export),
]


def _mine(visit: Visit) -> list[Community]:
    return [c for c in stored_communities(visit.session) if visit.staff.may_see(c.id)]


def _ids(visit: Visit) -> list[str]:
    return [c.id for c in stored_communities(visit.session)]


def _form_of(visit: Visit, current: Activity) -> dict[str, str]:
    """An activity in its form's words (the CLI's formats)."""

    def moment(value: dt.datetime) -> str:
        return value.astimezone(visit.zone).strftime("%Y-%m-%d %H:%M")

    return {
        "title": current.title, "start": moment(current.starts_at), "end": moment(current.ends_at),
        "place": current.place, "capacity": str(current.capacity),
        "community": current.community_id or "", "audience": ",".join(current.audience),
        "signup_deadline": moment(current.signup_deadline),
        "cancel_deadline": moment(current.cancel_deadline), "max_party": str(current.max_party),
        "collect": ",".join(COLLECT_LABELS.get(c, c) for c in current.collect),
        "description": current.description,
    }  # fmt: skip


def _record(visit: Visit, current: Activity) -> dict[str, Any]:
    """An activity for the audit log."""
    return {**_form_of(visit, current), "status": current.status}


def _masked(registration: Registration) -> dict[str, Any]:
    """A sign-up as the page shows it: name and phone masked."""
    return {
        "user_id": registration.user_id, "party": registration.party,
        "status": registration.status, 
        "name": mask_name(registration.name) if registration.name else "—",
        "phone": mask_phone(registration.phone) if registration.phone else "—",
        "rating": registration.rating, "comment": registration.comment or "",
        "seq": registration.waitlist_seq,
    }  # fmt: skip
