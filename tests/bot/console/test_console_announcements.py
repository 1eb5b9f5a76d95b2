"""The console's 公告 page: a preview of what residents read and how many it reaches (nothing
stored), then scheduled by the sender's own communities (bot/announcements' checks), its
progress and delivery report, and cancelled before it goes."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.announcements.models import Announcement, Stage
from bot.app import App
from bot.console.web import PREFIX
from tests.bot.console.support import audited, csrf, person, sign_in
from tests.conftest import Clock


def stored(app: App) -> list[Announcement]:
    with Session(app.engine) as session:
        return list(session.exec(select(Announcement)).all())


def later(clock: Clock) -> str:
    local = (clock.now + dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    return f"{local:%Y-%m-%d} 09:00"


def test_a_preview_shows_the_text_and_reach_then_it_is_scheduled_and_cancelled(
    linli: App, web: TestClient, clock: Clock
) -> None:
    for name in ("ann", "amy"):
        person(linli, name, clock.now, community="suzhe")
    person(linli, "bob", clock.now, community="penglai")
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    token = csrf(web, "/announcements")
    form = {"csrf": token, "text": "周六上午停水，请提前储水。", "communities": "suzhe",
            "at": later(clock), "topic": "general"}  # fmt: skip
    shown = web.post(f"{PREFIX}/announcements/preview", data=form)
    assert shown.status_code == 200
    assert "周六上午停水" in shown.text
    assert "退订" in shown.text  # the resident's text, as delivery writes it
    assert 'id="reach">3<' in shown.text  # ann, amy and cora live in 苏辙社区
    assert stored(linli) == []  # a preview stores nothing
    outside = web.post(f"{PREFIX}/announcements", data={**form, "communities": "penglai"})
    assert outside.status_code == 403
    sent = web.post(f"{PREFIX}/announcements", data=form)
    assert sent.status_code == 200
    [made] = stored(linli)
    assert made.status == Stage.SCHEDULED
    assert made.communities == ["suzhe"]
    assert "等待发送" in web.get(f"{PREFIX}/announcements/{made.id}/progress").text
    [row] = audited(linli, "announcement_create")
    assert row.after["reach"] == 3
    web.post(f"{PREFIX}/announcements/{made.id}/cancel", data={"csrf": token})
    assert stored(linli)[0].status == Stage.CANCELLED
    assert audited(linli, "announcement_cancel")[0].before["status"] == Stage.SCHEDULED


def test_another_communitys_staff_neither_see_nor_cancel_it(
    linli: App, web: TestClient, clock: Clock
) -> None:
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    paul = person(linli, "paul", clock.now, "staff", community="penglai")
    sign_in(web, linli, cora, clock.now)
    form = {"csrf": csrf(web, "/announcements"), "text": "通知", "communities": "suzhe",
            "at": later(clock)}  # fmt: skip
    web.post(f"{PREFIX}/announcements", data=form)
    [made] = stored(linli)
    web.cookies.clear()
    sign_in(web, linli, paul, clock.now)
    token = csrf(web, "/announcements")
    assert f"#{made.id}" not in web.get(f"{PREFIX}/announcements").text
    for page in ("", "/progress"):
        assert web.get(f"{PREFIX}/announcements/{made.id}{page}").status_code == 403
    answer = web.post(f"{PREFIX}/announcements/{made.id}/cancel", data={"csrf": token})
    assert answer.status_code == 403
    assert stored(linli)[0].status == Stage.SCHEDULED
