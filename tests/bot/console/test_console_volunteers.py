"""The console's 志愿者 page: posts, a one-off and a weekly shift, assigning a volunteer (told
to confirm), approving hours, and the hours sheet of the staff member's communities only."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.app import App
from bot.console.web import PREFIX
from bot.db import session_scope
from bot.outbox.models import Outbox
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from tests.bot.console.support import audited, csrf, person, sign_in, worked_shift
from tests.conftest import Clock

ZONE = dt.timezone(dt.timedelta(hours=8))


def local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(ZONE):%Y-%m-%d %H:%M}"


def post_of(app: App, title: str) -> ShiftPost:
    with Session(app.engine) as session:
        return session.exec(select(ShiftPost).where(ShiftPost.title == title)).one()


def shifts_of(app: App, post_id: int | None) -> list[Shift]:
    with Session(app.engine) as session:
        return list(session.exec(select(Shift).where(Shift.post_id == post_id)).all())


def worked(app: App, shift_id: int | None, user_id: int) -> None:
    """The volunteer came and checked out: 120 minutes waiting for approval."""
    with session_scope(app.engine) as session:
        turn = session.exec(
            select(ShiftAssignment).where(
                ShiftAssignment.shift_id == shift_id, ShiftAssignment.user_id == user_id
            )
        ).one()
        turn.status, turn.minutes = Turn.DONE.value, 120
        session.add(turn)


def test_staff_plan_posts_and_shifts_assign_approve_and_export_hours(
    linli: App, web: TestClient, clock: Clock
) -> None:
    vic = person(linli, "vic", clock.now, "volunteer", community="suzhe")
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    token = csrf(web, "/volunteers")
    web.post(f"{PREFIX}/volunteers/posts", data={
        "csrf": token, "title": "助老餐厅帮厨", "place": "苏辙社区助老餐厅", "community": "suzhe",
    })  # fmt: skip
    post = post_of(linli, "助老餐厅帮厨")
    start = clock.now + dt.timedelta(hours=1)
    made = web.post(f"{PREFIX}/volunteers/shifts", data={
        "csrf": token, "post": str(post.id), "start": local(start), "minutes": "120", "slots": "2",
    })  # fmt: skip
    assert made.status_code == 200
    [shift] = shifts_of(linli, post.id)
    assert shift.checkin_code in made.text
    weekly = web.post(f"{PREFIX}/volunteers/weekly", data={
        "csrf": token, "post": str(post.id), "weekday": "2", "time": "09:00", "minutes": "90",
        "slots": "1", "first": f"{clock.now.astimezone(ZONE):%Y-%m-%d}",
    })  # fmt: skip
    assert "每周班次" in weekly.text
    assert len(shifts_of(linli, post.id)) > 1
    assigned = web.post(
        f"{PREFIX}/volunteers/shifts/{shift.id}/assign", data={"csrf": token, "who": str(vic)}
    )
    assert assigned.status_code == 200
    with Session(linli.engine) as session:
        assert session.exec(select(Outbox).where(Outbox.user_id == vic)).first() is not None
    worked(linli, shift.id, vic)
    assert "批准班次" in web.get(f"{PREFIX}/volunteers").text
    web.post(f"{PREFIX}/volunteers/shifts/{shift.id}/approve", data={"csrf": token})
    with Session(linli.engine) as session:
        turn = session.exec(select(ShiftAssignment).where(ShiftAssignment.user_id == vic)).one()
    assert turn.approved_by == cora
    [row] = audited(linli, "shift_approve")
    assert row.before["waiting"] == [{"user": vic, "minutes": 120}]
    day = f"{start.astimezone(ZONE):%Y-%m-%d}"
    sheet = web.post(f"{PREFIX}/volunteers/hours", data={"csrf": token, "first": day, "last": day})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == vic
    assert rows[1][4] == 2  # approved hours


def test_another_communitys_staff_neither_change_a_shift_nor_export_its_hours(
    linli: App, web: TestClient, clock: Clock
) -> None:
    vic = person(linli, "vic", clock.now, "volunteer", community="suzhe")
    paul = person(linli, "paul", clock.now, "staff", community="penglai")
    with session_scope(linli.engine) as session:
        post_id, shift_id = worked_shift(session, vic, clock.now)
        start = clock.now - dt.timedelta(hours=3)
    sign_in(web, linli, paul, clock.now)
    token = csrf(web, "/volunteers")
    assert web.get(f"{PREFIX}/volunteers/shifts/{shift_id}").status_code == 403
    for action in ("approve", "assign"):
        answer = web.post(f"{PREFIX}/volunteers/shifts/{shift_id}/{action}",
                          data={"csrf": token, "who": str(vic)})  # fmt: skip
        assert answer.status_code == 403
    answer = web.post(f"{PREFIX}/volunteers/shifts", data={
        "csrf": token, "post": str(post_id), "start": local(clock.now + dt.timedelta(days=1)),
        "minutes": "60", "slots": "1",
    })  # fmt: skip
    assert answer.status_code == 403
    other = {"csrf": token, "title": "x", "place": "y", "community": "suzhe"}
    assert web.post(f"{PREFIX}/volunteers/posts", data=other).status_code == 403
    day = f"{start.astimezone(ZONE):%Y-%m-%d}"
    sheet = web.post(f"{PREFIX}/volunteers/hours", data={"csrf": token, "first": day, "last": day})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert all(r[0] != vic for r in rows[1:])  # not her community's volunteer
    with Session(linli.engine) as session:
        assert (
            session.get(ShiftAssignment, 1) is None
            or session.get(ShiftAssignment, 1).approved_at is None
        )
        assert len(session.exec(select(Shift).where(Shift.post_id == post_id)).all()) == 1
