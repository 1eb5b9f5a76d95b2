"""Every route of the console, walked from its one route table (bot/console/web.PAGES): a
route added without a line here fails `test_every_route_is_walked`.

For each: no session → the sign-in page; a resident's session (staff role taken away) → 403
and nothing changed; a POST without its CSRF token → 403 and nothing changed;
staff of another community → 403 (or, on a list, none of the other community's rows) and
nothing changed; no full phone number on any page (only in the staff sheets)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, col, select
from starlette.testclient import TestClient

from bot.activities import service as activities
from bot.activities.models import Activity, Registration
from bot.announcements.models import Announcement
from bot.app import App
from bot.console.visit import Page
from bot.console.web import PREFIX, routes_table
from bot.db import session_scope
from bot.kb.models import KnowledgeEntry, UnansweredQuestion
from bot.orders import service as orders
from bot.orders.categories import load_categories
from bot.orders.models import WorkOrder, WorkOrderEvent
from bot.outbox.models import Outbox
from bot.people import roles
from bot.reports import store
from bot.reports.models import MadeReport
from bot.reports.periods import last_finished
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost
from tests.bot.console.support import ask, csrf, linli, person, sign_in, web, worked_shift
from tests.conftest import Clock

__all__ = ["linli", "web"]  # the console's fixtures

PHONE = "13912345678"
ENTRY = "comm-suzhe"  # a 苏辙社区 entry of the demo base
SUZHE_FILE = "\n".join([
    "entries:", "  - id: suzhe-ebike-shed", "    category: service", "    community: suzhe",
    "    question: 苏辙社区的电动车棚谁管", "    answer: 电动车棚由苏辙社区物业管理。",
    "    source: 苏辙社区居委会", "",
]).encode()  # fmt: skip
# What another community's staff would see of 苏辙社区 on each list page.
MARKERS = {
    "/": "苏辙的流浪猫归谁管", "/inbox": "苏辙的流浪猫归谁管", "/kb": "苏辙社区有什么特色",
    "/kb/export": "苏辙社区有什么特色",
    "/activities": "苏辙剪纸课", "/orders": "苏辙楼道灯坏了", "/announcements": "苏辙停水通知",
    "/volunteers": "苏辙帮厨岗", "/reports": "苏辙社区",
}  # fmt: skip
# A route that is the visitor's own (it shows or does nothing of another community's):
# checked to answer, to show no marker, and to change nothing.
OWN = {
    ("GET", "/"), ("GET", "/inbox"), ("GET", "/kb"), ("GET", "/kb/export"), ("GET", "/try"),
    ("POST", "/try"),
    ("GET", "/audit"), ("GET", "/activities"), ("GET", "/announcements"),
    ("GET", "/volunteers"), ("POST", "/volunteers/hours"), ("GET", "/orders"), ("GET", "/reports"),
    ("POST", "/signout"),
}  # fmt: skip
WATCHED: list[type[SQLModel]] = [
    Activity, Registration, Announcement, ShiftPost, Shift, ShiftAssignment, KnowledgeEntry,
    UnansweredQuestion, Outbox, WorkOrder, WorkOrderEvent, MadeReport,
]  # fmt: skip


@dataclass
class World:
    """苏辙社区's rows, its staff member cora, 蓬莱社区's paul, and a former staff member."""

    app: App
    ids: dict[str, int]
    cora: int
    paul: int
    former: int
    question: int
    report_file: str  # a file of 苏辙社区's report

    def path(self, page: Page) -> str:
        path = page.path.replace("{entry}", ENTRY).replace("{name}", self.report_file)
        group = page.path.split("/")[1]
        return path.replace("{id}", str(self.ids.get(group, 0)))

    def form(self, token: str | None) -> dict[str, Any]:
        start = "2030-06-01 09:00"  # in the future on any test clock
        form: dict[str, Any] = {
            "ids": str(self.question), "entry": ENTRY, "text": "苏辙的流浪猫归谁管", "q": "停车",
            "community": "suzhe", "communities": "suzhe", "post": str(self.ids["volunteers"]),
            "start": start, "end": start.replace("09:00", "11:00"), "minutes": "60",
            "slots": "1", "title": "改过的", "place": "别处", "capacity": "9",
            "present": str(self.ids["resident"]), "who": str(self.ids["resident"]),
            "first": "2020-01-01", "last": "2030-01-01", "id": "suzhe-new", "weekday": "1",
            "time": "09:00", "question": "新问题", "answer": "新回答", "source": "居委会",
            "category": "service", "paraphrases": "", "keywords": "", "note": "修好了",
        }  # fmt: skip
        if token is not None:
            form["csrf"] = token
        return form


def _world(app: App, clock: Clock) -> World:
    rita = person(app, "rita", clock.now, community="suzhe")
    ask(app, "rita", "苏辙的流浪猫归谁管")
    ask(app, "rita", f"我的电话{PHONE}，停车位什么时候分")
    cora = person(app, "cora", clock.now, "staff", community="suzhe")
    paul = person(app, "paul", clock.now, "staff", community="penglai")
    former = person(app, "fred", clock.now, "staff", community="suzhe")
    start = clock.now + dt.timedelta(days=3)
    with session_scope(app.engine) as session:
        data = activities.ActivityInput(
            title="苏辙剪纸课", starts_at=start, ends_at=start + dt.timedelta(hours=2),
            place="活动室", capacity=5, community_id="suzhe", collect=["name", "phone"],
        )  # fmt: skip
        activity = activities.create_activity(session, data, clock.now, ["suzhe", "penglai"])
        activities.sign_up(session, activity.id or 0, rita, 1, clock.now, "王小明", PHONE)
        announcement = Announcement(
            text="苏辙停水通知", communities=["suzhe"], send_at=start, sender_id=cora,
            created_at=clock.now,
        )  # fmt: skip
        session.add(announcement)
        post_id, shift_id = worked_shift(session, rita, clock.now, "苏辙帮厨岗")
        question = session.exec(
            select(UnansweredQuestion.id).where(UnansweredQuestion.text == "苏辙的流浪猫归谁管")
        ).one()
        categories = load_categories(app.settings.orders.categories)
        report = orders.Report(categories[0].name, "苏辙楼道灯坏了", "3栋")
        order = orders.submit(session, rita, "suzhe", report, categories, clock.now)
        made = store.make_and_store(
            session, last_finished("month", clock.now, app.settings.zone), "suzhe", clock.now,
            app.settings.zone, store.folder_of(app.settings.home), categories,
        )  # fmt: skip
        assert made is not None
        ids = {"activities": activity.id, "announcements": announcement.id, "orders": order.id,
               "volunteers": post_id, "resident": rita, "reports": made.id}  # fmt: skip
        report_file = made.files[0]
        ids["volunteers-shift"] = shift_id
    ids = {k: int(v or 0) for k, v in ids.items()}
    return World(app, ids, cora, paul, former, int(question or 0), report_file)


@pytest.fixture
def world(linli: App, clock: Clock) -> World:
    return _world(linli, clock)


def _path(world: World, page: Page) -> str:
    path = world.path(page)
    if page.path.startswith("/volunteers/shifts/"):
        path = page.path.replace("{id}", str(world.ids["volunteers-shift"]))
    return PREFIX + path


def snapshot(app: App) -> str:
    """Every watched row, as text: equal before and after means nothing changed."""
    with Session(app.engine) as session:
        rows = {
            model.__name__: sorted(
                json.dumps(r.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
                for r in session.exec(select(model)).all()
            )
            for model in WATCHED
        }
    return json.dumps(rows, ensure_ascii=False)


def call(web: TestClient, world: World, page: Page, token: str | None) -> Any:
    address = _path(world, page)
    if page.method == "GET":
        return web.get(address, params={"ids": str(world.question)}, follow_redirects=False)
    files = {"file": ("suzhe.yaml", SUZHE_FILE, "application/yaml")}
    if page.path != "/kb/import":
        return web.post(address, data=world.form(token), follow_redirects=False)
    return web.post(address, data=world.form(token), files=files, follow_redirects=False)


# every route of the table; signing out last (it ends the session the others use)
ROUTES = sorted(routes_table(), key=lambda p: p.path == "/signout")
POSTS = [p for p in ROUTES if p.method == "POST"]


def walk(world: World, pages: list[Page], check: Callable[[Page], str | None]) -> None:
    """Each route checked in turn (one world: building one per route took ten minutes); every
    route that fails is named, and nothing of the watched tables may change."""
    before = snapshot(world.app)
    failed = [f"{p.method} {p.path}: {problem}" for p in pages if (problem := check(p))]
    assert failed == []
    assert snapshot(world.app) == before


def test_the_tables_name_only_routes_that_exist() -> None:
    """A route not in OWN must refuse another community's staff (the default: a new route is
    walked by every test below without a line here); OWN and MARKERS hold no stale route."""
    table = {(p.method, p.path) for p in ROUTES}
    assert table >= OWN
    assert {("GET", path) for path in MARKERS} <= OWN


def _to_sign_in(answer: Any) -> str | None:
    if answer.status_code != 303 or answer.headers["location"] != f"{PREFIX}/signin":
        return f"{answer.status_code} {answer.headers.get('location')}"
    return None


def test_without_a_session_every_route_goes_to_sign_in(web: TestClient, world: World) -> None:
    walk(world, ROUTES, lambda page: _to_sign_in(call(web, world, page, None)))


def test_a_residents_session_is_refused_and_changes_nothing(
    web: TestClient, world: World, clock: Clock
) -> None:
    sign_in(web, world.app, world.former, clock.now)
    token = csrf(web, "/")
    with session_scope(world.app.engine) as session:
        roles.revoke(session, world.former, "staff", "suzhe")  # now a resident

    def check(page: Page) -> str | None:
        answer = call(web, world, page, token)
        return None if answer.status_code == 403 else str(answer.status_code)

    walk(world, ROUTES, check)


def test_a_form_without_its_csrf_token_is_refused(
    web: TestClient, world: World, clock: Clock
) -> None:
    sign_in(web, world.app, world.cora, clock.now)

    def check(page: Page) -> str | None:
        codes = [call(web, world, page, token).status_code for token in (None, "0" * 40)]
        return None if codes == [403, 403] else str(codes)

    walk(world, POSTS, check)


def test_another_communitys_staff_are_refused_or_shown_none_of_it(
    web: TestClient, world: World, clock: Clock
) -> None:
    sign_in(web, world.app, world.paul, clock.now)
    token = csrf(web, "/")

    def check(page: Page) -> str | None:
        answer = call(web, world, page, token)
        if (page.method, page.path) not in OWN:
            return None if answer.status_code == 403 else str(answer.status_code)
        marker = MARKERS.get(page.path)
        if answer.status_code not in (200, 303) or (marker and marker in answer.text):
            return f"{answer.status_code}, shows {marker}"
        return None

    walk(world, ROUTES, check)


def test_no_full_phone_number_on_any_page(web: TestClient, world: World, clock: Clock) -> None:
    sign_in(web, world.app, world.cora, clock.now)

    def check(page: Page) -> str | None:
        answer = call(web, world, page, None)
        if answer.status_code != 200 or PHONE in answer.text:
            return f"{answer.status_code}, full phone shown: {PHONE in answer.text}"
        return None

    walk(world, [p for p in ROUTES if p.method == "GET"], check)


def test_the_full_number_is_in_the_staff_sheet(web: TestClient, world: World, clock: Clock) -> None:
    sign_in(web, world.app, world.cora, clock.now)
    token = csrf(web, "/")
    sheet = web.post(f"{PREFIX}/activities/{world.ids['activities']}/export", data={"csrf": token})
    assert sheet.status_code == 200
    assert sheet.headers["content-disposition"].startswith("attachment")
    with Session(world.app.engine) as session:
        assert session.exec(select(Registration).where(col(Registration.phone) == PHONE)).first()
