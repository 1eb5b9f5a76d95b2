"""The console's 活动 page: create, edit, cancel with the CLI's checks and notices; the
sign-ups masked, attendance, ratings, and the .xlsx sheet the only place with full phones."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.activities import service as activities
from bot.activities.models import Activity, Phase, Seat
from bot.app import App
from bot.console.web import PREFIX
from bot.db import session_scope
from bot.outbox.models import Outbox
from tests.bot.console.support import audited, csrf, person, sign_in
from tests.conftest import Clock

PHONE = "13812345678"


def form(clock: Clock, **changes: str) -> dict[str, str]:
    start = (clock.now + dt.timedelta(days=3)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    start = start.replace(hour=9, minute=30, second=0, microsecond=0)
    values = {
        "title": "剪纸体验课", "start": f"{start:%Y-%m-%d %H:%M}",
        "end": f"{start + dt.timedelta(hours=2):%Y-%m-%d %H:%M}", "place": "活动室",
        "capacity": "2", "community": "suzhe",
    }  # fmt: skip
    return {**values, **changes}


def made(app: App) -> Activity:
    with Session(app.engine) as session:
        return session.exec(select(Activity).where(Activity.title == "剪纸体验课")).one()


def signed_up(app: App, activity_id: int, clock: Clock) -> int:
    rita = person(app, "rita", clock.now, community="suzhe")
    with session_scope(app.engine) as session:
        activities.sign_up(session, activity_id, rita, 1, clock.now, name="王小明", phone=PHONE)
    return rita


def test_staff_create_edit_record_attendance_export_and_cancel(
    linli: App, web: TestClient, clock: Clock
) -> None:
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    token = csrf(web, "/activities")
    wrong = web.post(f"{PREFIX}/activities", data={"csrf": token, **form(clock, capacity="零")})
    assert wrong.status_code == 400
    assert "名额" in wrong.text
    answer = web.post(f"{PREFIX}/activities", data={"csrf": token, **form(clock)})
    assert answer.status_code == 200, answer.text
    activity = made(linli)
    assert activity.status == Phase.PUBLISHED
    assert activity.checkin_code in answer.text
    rita = signed_up(linli, activity.id or 0, clock)
    page = web.get(f"{PREFIX}/activities/{activity.id}").text
    assert "王*明" in page
    assert "138****5678" in page
    assert PHONE not in page
    moved = web.post(
        f"{PREFIX}/activities/{activity.id}", data={"csrf": token, **form(clock, place="礼堂")}
    )
    assert moved.status_code == 200
    assert "礼堂" in moved.text
    with Session(linli.engine) as session:
        told = session.exec(select(Outbox).where(Outbox.user_id == rita)).all()
    assert any("礼堂" in str(m.payload) for m in told)  # the CLI's notice of a moved activity
    [change] = audited(linli, "activity_update")
    assert change.before["place"] == "活动室"
    assert change.after["place"] == "礼堂"
    sheet = web.post(f"{PREFIX}/activities/{activity.id}/export", data={"csrf": token})
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    cells = [
        c
        for row in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert PHONE in cells  # the staff export: the one place with the full number
    web.post(
        f"{PREFIX}/activities/{activity.id}/attendance",
        data={"csrf": token, "present": str(rita)},
    )
    with Session(linli.engine) as session:
        [seat] = activities.registrations(session, activity.id or 0, (Seat.ATTENDED,))
    assert seat.user_id == rita
    cancelled = web.post(f"{PREFIX}/activities/{activity.id}/cancel", data={"csrf": token})
    assert "已取消" in cancelled.text
    assert made(linli).status == Phase.CANCELLED
    assert [r.action for r in audited(linli, "activity_cancel")] == ["activity_cancel"]


def test_staff_of_another_community_neither_see_nor_change_an_activity(
    linli: App, web: TestClient, clock: Clock
) -> None:
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    paul = person(linli, "paul", clock.now, "staff", community="penglai")
    sign_in(web, linli, cora, clock.now)
    web.post(f"{PREFIX}/activities", data={"csrf": csrf(web, "/activities"), **form(clock)})
    activity = made(linli)
    web.cookies.clear()
    sign_in(web, linli, paul, clock.now)
    token = csrf(web, "/activities")
    assert "剪纸体验课" not in web.get(f"{PREFIX}/activities").text
    assert web.get(f"{PREFIX}/activities/{activity.id}").status_code == 403
    for action in ("", "/cancel", "/export", "/attendance"):
        data = {"csrf": token, **form(clock, place="别处")}
        assert web.post(f"{PREFIX}/activities/{activity.id}{action}", data=data).status_code == 403
    assert (
        web.post(f"{PREFIX}/activities", data={"csrf": token, **form(clock, title="x")}).status_code
        == 403
    )
    assert made(linli).place == "活动室"
    assert made(linli).status == Phase.PUBLISHED
