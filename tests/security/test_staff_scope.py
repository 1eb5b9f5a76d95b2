"""Staff of one community cannot act on another community's rows: every staff chat command
that names a row (an activity, a shift, an announcement) is walked by staff of another
community — refused, nothing changed — and district-wide activities are district staff's."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from bot.activities import service as activities
from bot.activities.service import ActivityInput
from bot.announcements import service as announcements
from bot.announcements.service import Draft, Target
from bot.app import App
from bot.db import session_scope
from bot.identity import resolve_user
from bot.orders import service as orders
from bot.orders.categories import load_categories
from bot.people.roles import grant
from bot.shifts.models import ShiftAssignment
from bot.types import Incoming
from intents.staff import NOT_YOURS
from tests.bot.shifts.test_service import make_shift, person
from tests.conftest import NOW
from tests.intents.test_staff_walk import snapshot, staff_commands

HOME, OTHER = "suzhe", "shangyou"
START = NOW + dt.timedelta(days=2)
ACTIVITY_COMMANDS = ("取消活动{n}", "活动名单{n}", "签到码{n}", "活动统计{n}")
Send = Callable[[str, str], str]


@pytest.fixture
def send(app: App, text: Callable[..., Incoming]) -> Send:
    def run(line: str, user: str) -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    return run


def activity(app: App, community: str | None) -> int:
    """An activity with one resident signed up (王小明)."""
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="普法小课堂", starts_at=START, ends_at=START + dt.timedelta(hours=1),
            place="广场", capacity=10, community_id=community, collect=["name"],
        )  # fmt: skip
        number = activities.create_activity(session, data, NOW, [HOME, OTHER]).id or 0
        resident = resolve_user(session, "console", f"resident{number}", NOW).id or 0
        activities.sign_up(session, number, resident, 1, NOW, name="王小明")
        return number


def rows_of_home(app: App) -> None:
    """In 苏辙社区, each number 1: a shift with hours to approve, an activity with a sign-up,
    a scheduled announcement, a work order."""
    shift = make_shift(app.engine)  # the post is in HOME
    helper = person(app.engine, "helper")  # user 1
    with session_scope(app.engine) as session:
        session.add(ShiftAssignment(
            shift_id=shift, user_id=helper, status="done", minutes=60,
            created_at=NOW, updated_at=NOW,
        ))  # fmt: skip
        draft = Draft("停水通知", Target(communities=(HOME,)), START)
        announcements.create(session, draft, None, NOW, app.settings.announcements)
        reporter = resolve_user(session, "console", "reporter", NOW).id or 0
        report = orders.Report("路灯照明", "楼道灯坏了好几天了")
        orders.submit(session, reporter, HOME, report, load_categories(), NOW)
    assert activity(app, HOME) == 1


def staff(app: App, name: str, community: str) -> None:
    with session_scope(app.engine) as session:
        grant(session, resolve_user(session, "console", name, NOW).id or 0, "staff", community)


def test_staff_of_another_community_cannot_act_on_its_rows(
    app: App, send: Send, caplog: pytest.LogCaptureFixture
) -> None:
    rows_of_home(app)
    staff(app, "ann", OTHER)
    before = snapshot(app)
    numbered = [c for c in staff_commands(app) if re.search(r"\d", c)]
    assert len(numbered) >= 9
    for command in numbered:
        reply = send(command, "ann")
        assert re.search("不归您|不是您", reply), (command, reply)
        assert "王" not in reply, command  # nothing shown either
        assert "签到码：" not in reply, command
        assert snapshot(app) == before, command
    assert "tried 取消活动 on activity 1 of suzhe, not theirs" in caplog.text


def test_only_district_staff_act_on_a_district_wide_activity(app: App, send: Send) -> None:
    number = activity(app, None)
    staff(app, "ann", HOME)
    staff(app, "district", "")
    before = snapshot(app)
    for command in ACTIVITY_COMMANDS:
        assert send(command.format(n=number), "ann") == NOT_YOURS, command
    assert snapshot(app) == before
    assert "签到码：" in send(f"签到码{number}", "district")
    assert "会通知 1 位" in send(f"取消活动{number}", "district")
    assert "已通知 1 位" in send("确认", "district")


def test_staff_of_the_community_and_the_district_still_can(app: App, send: Send) -> None:
    rows_of_home(app)
    staff(app, "ann", HOME)
    staff(app, "district", "")
    for who in ("ann", "district"):
        assert "王*明" in send("活动名单1", who)
        assert "签到码：" in send("签到码1", who)
        assert "名额 10" in send("活动统计1", who)
        assert "助老餐厅帮厨" in send("班次名单 1", who)
    assert "已批准" in send("批准工时 1", "ann")
    assert "会通知 1 位" in send("取消活动1", "ann")
    assert "已通知 1 位" in send("确认", "ann")


def test_commands_without_a_number_show_only_their_own_community(app: App, send: Send) -> None:
    rows_of_home(app)
    staff(app, "ann", OTHER)
    assert "停水通知" not in send("公告列表", "ann")
    assert "助老餐厅帮厨" not in send("待批工时", "ann")
