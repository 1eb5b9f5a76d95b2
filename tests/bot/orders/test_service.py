"""The work-order service: filing checks everything first, the first to accept owns it,
every change is recorded and told once to the other side, and only people of the order's
community act on it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.app import App, build_dispatcher
from bot.config import OrderSettings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.orders import service as orders
from bot.orders.categories import load_categories, suggest
from bot.orders.models import OrderState, WorkOrder, WorkOrderEvent
from bot.orders.service import OrderError, Report
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.people.roles import grant
from bot.types import Reply
from intents.orders import OrdersIntent
from knowledge.matcher import Matcher
from tests.conftest import NOW

CATEGORIES = load_categories()
LIGHT = Report("路灯照明", "楼道灯坏了好几天了", "3栋2单元")


def person(engine: Engine, name: str, role: str | None = None, community: str = "suzhe") -> int:
    """A console user living in `community`, with a role there when given."""
    with session_scope(engine) as session:
        user = resolve_user(session, "console", name, NOW)
        user.community_id = community
        session.add(user)
        if role is not None:
            grant(session, user.id or 0, role, community)
        return user.id or 0


@pytest.fixture
def notifier(app: App) -> Notifier:
    return Notifier(app.settings.zone, lambda: NOW)


def filed(engine: Engine, resident: int, report: Report = LIGHT) -> int:
    with session_scope(engine) as session:
        return orders.submit(session, resident, "suzhe", report, CATEGORIES, NOW).id or 0


def notices(engine: Engine, user: int) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(select(Outbox).where(Outbox.user_id == user)).all()
    return [row.payload["replies"][0]["text"] for row in rows]


def count(engine: Engine, table: type[WorkOrder] | type[WorkOrderEvent]) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_the_demo_categories_load_with_their_limits() -> None:
    names = [c.name for c in CATEGORIES]
    assert names == ["路灯照明", "环境卫生", "公共设施", "噪音扰民", "物业问题", "安全隐患", "其他"]
    assert all(c.respond_hours > 0 and c.resolve_days > 0 for c in CATEGORIES)
    assert suggest("楼道灯坏了好几天了", CATEGORIES) == CATEGORIES[0]
    assert suggest("楼下广场舞太吵", CATEGORIES) == CATEGORIES[3]
    assert suggest("今天天气不错", CATEGORIES) is None


def test_a_bad_category_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("categories:\n  - name: 路灯照明\n    respond_hours: 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="时限"):
        load_categories(path)


@pytest.mark.parametrize(
    ("report", "community", "message"),
    [
        (Report("路灯照明", "  "), "suzhe", "说说是什么问题"),
        (Report("路灯照明", "灯" * 10_000), "suzhe", "500 字以内"),
        (Report("下水道炸了", "井盖没了"), "suzhe", "没有“下水道炸了”这个类别"),
        (Report("路灯照明", "灯坏了", "楼" * 121), "suzhe", "地点请写短一点"),
        (LIGHT, None, "选社区"),
    ],
)
def test_filing_checks_everything_first_and_leaves_nothing_half_made(
    app: App, report: Report, community: str | None, message: str
) -> None:
    ann = person(app.engine, "ann")
    with pytest.raises(OrderError, match=message), session_scope(app.engine) as session:
        orders.submit(session, ann, community, report, CATEGORIES, NOW)
    assert count(app.engine, WorkOrder) == count(app.engine, WorkOrderEvent) == 0


def test_an_order_from_filing_to_close_out(app: App, notifier: Notifier) -> None:
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    number = filed(app.engine, ann)
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, number, vol, NOW)
        orders.resolve(session, notifier, number, vol, "已更换灯泡", NOW)
        orders.reopen(session, notifier, number, ann, "还是不亮", NOW)
        orders.resolve(session, notifier, number, vol, "换了开关", NOW)
        order = orders.confirm(session, notifier, number, ann, NOW)
        assert (order.state, order.owner_id) == (OrderState.CLOSED, vol)
        steps = [(e.before, e.after, e.actor_id, e.note) for e in orders.history(session, number)]
    assert steps == [
        (None, "submitted", ann, ""),
        ("submitted", "assigned", vol, ""),
        ("assigned", "resolved", vol, "已更换灯泡"),
        ("resolved", "reopened", ann, "还是不亮"),
        ("reopened", "resolved", vol, "换了开关"),
        ("resolved", "closed", ann, ""),
    ]
    told = notices(app.engine, ann)
    assert len(told) == 3  # accepted, resolved twice; not what ann did herself
    assert "已有人接单" in told[0]
    assert "已更换灯泡" in told[1]
    assert f"已解决 {number}" in told[1]
    assert notices(app.engine, vol) == [
        f"工单 {number} 居民说还没解决：还是不亮，请再看看。",
        f"工单 {number} 居民已确认解决，已销号。辛苦了！",
    ]


def test_the_first_to_accept_owns_it(app: App, notifier: Notifier) -> None:
    ann = person(app.engine, "ann")
    vol, staff = person(app.engine, "vol", "volunteer"), person(app.engine, "wang", "staff")
    number = filed(app.engine, ann)
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, number, vol, NOW)
    with pytest.raises(OrderError, match="已经有人接单"), session_scope(app.engine) as session:
        orders.accept(session, notifier, number, staff, NOW)
    other = person(app.engine, "mo", "volunteer")
    with pytest.raises(OrderError, match="别人接的单"), session_scope(app.engine) as session:
        orders.resolve(session, notifier, number, other, "修好了", NOW)
    with Session(app.engine) as session:
        order = session.get(WorkOrder, number)
        assert order is not None
        assert order.owner_id == vol
    assert len(notices(app.engine, ann)) == 1


def test_nobody_acts_on_another_communitys_order(app: App, notifier: Notifier) -> None:
    ann = person(app.engine, "ann")
    outsider = person(app.engine, "far", "staff", community="shangyou")
    stranger = person(app.engine, "bea", community="suzhe")
    number = filed(app.engine, ann)
    for act in (
        lambda s: orders.accept(s, notifier, number, outsider, NOW),
        lambda s: orders.reject(s, notifier, number, outsider, "不归我们管", NOW),
        lambda s: orders.accept(s, notifier, number, stranger, NOW),
    ):
        with pytest.raises(OrderError, match="不是您社区的"), session_scope(app.engine) as s:
            act(s)
    with pytest.raises(OrderError, match="没有找到您反映的"), session_scope(app.engine) as s:
        orders.confirm(s, notifier, number, stranger, NOW)
    assert count(app.engine, WorkOrderEvent) == 1
    assert notices(app.engine, ann) == []


def test_staff_reject_with_a_reason_and_the_resident_is_told_once(
    app: App, notifier: Notifier
) -> None:
    ann, staff = person(app.engine, "ann"), person(app.engine, "wang", "staff")
    vol = person(app.engine, "vol", "volunteer")
    number = filed(app.engine, ann)
    with pytest.raises(OrderError, match="原因"), session_scope(app.engine) as session:
        orders.reject(session, notifier, number, staff, " ", NOW)
    with pytest.raises(OrderError, match="不是您社区的"), session_scope(app.engine) as session:
        orders.reject(session, notifier, number, vol, "志愿者不能退回", NOW)  # staff only
    with session_scope(app.engine) as session:
        orders.reject(session, notifier, number, staff, "属于私人住宅，请联系物业", NOW)
    with pytest.raises(OrderError, match="不能退回"), session_scope(app.engine) as session:
        orders.reject(session, notifier, number, staff, "再退一次", NOW)
    assert notices(app.engine, ann) == [
        f"您反映的问题（编号 {number}）暂时没有受理：属于私人住宅，请联系物业。"
    ]


def test_a_notice_is_queued_once_per_change(app: App, notifier: Notifier) -> None:
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    number = filed(app.engine, ann)
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, number, vol, NOW)
        event = orders.history(session, number)[-1]
        orders.tell(session, notifier, ann, event, Reply("again"))  # the same change again
    assert len(notices(app.engine, ann)) == 1


def test_a_resident_confirms_only_a_resolved_order(app: App, notifier: Notifier) -> None:
    ann = person(app.engine, "ann")
    number = filed(app.engine, ann)
    with pytest.raises(OrderError, match="还不用确认"), session_scope(app.engine) as session:
        orders.confirm(session, notifier, number, ann, NOW)
    with Session(app.engine) as session:
        order = session.get(WorkOrder, number)
        assert order is not None
        assert order.state == OrderState.SUBMITTED


def test_two_accepting_at_once_one_owns_it(app: App, notifier: Notifier) -> None:
    ann = person(app.engine, "ann")
    helpers = [person(app.engine, name, "volunteer") for name in ("vol", "mo")]
    number = filed(app.engine, ann)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def take(helper: int) -> None:
        start.wait(timeout=10)
        try:
            with session_scope(app.engine) as session:
                orders.accept(session, notifier, number, helper, NOW)
            outcomes.append("owner")
        except OrderError:
            outcomes.append("refused")

    threads = [threading.Thread(target=take, args=(h,)) for h in helpers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)  # only catches a hang
    assert sorted(outcomes) == ["owner", "refused"]
    with Session(app.engine) as session:
        order = session.get(WorkOrder, number)
        assert order is not None
        assert order.owner_id in helpers
    assert count(app.engine, WorkOrderEvent) == 2
    assert len(notices(app.engine, ann)) == 1


def test_a_districts_own_categories_are_loaded_at_start(
    app: App, tmp_path: Path, demo_matcher: Matcher
) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text(
        "categories:\n  - name: 井盖缺失\n    respond_hours: 2\n    resolve_days: 1\n"
        "    words: [井盖]\n",
        encoding="utf-8",
    )
    settings = app.settings.model_copy(update={"orders": OrderSettings(categories=path)})
    dispatcher = build_dispatcher(app.engine, lambda: demo_matcher, settings, lambda: NOW)
    (intent,) = [i for i in dispatcher.intents if isinstance(i, OrdersIntent)]
    assert [c.name for c in intent.categories] == ["井盖缺失"]
    missing = OrderSettings(categories=tmp_path / "missing.yaml")
    broken = app.settings.model_copy(update={"orders": missing})
    with pytest.raises(FileNotFoundError):  # at start, not on the first report
        build_dispatcher(app.engine, lambda: demo_matcher, broken, lambda: NOW)
