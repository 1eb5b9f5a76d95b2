"""Duplicates (same community and category, a place alike or a point within the radius),
following, the 回访 rating, the rates per community and category, 转派 and notes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from bot.app import App
from bot.db import session_scope
from bot.orders import followup, handover
from bot.orders import service as orders
from bot.orders.duplicates import distance_m, same_problem
from bot.orders.models import OrderState, WorkOrder, WorkOrderEvent
from bot.orders.service import OrderError, Report
from bot.outbox.notifier import Notifier
from tests.bot.orders.test_service import CATEGORIES, LIGHT, filed, notices, person
from tests.conftest import NOW

AT_GATE = (30.0421, 103.8312)


@pytest.fixture
def notifier(app: App) -> Notifier:
    return Notifier(app.settings.zone, lambda: NOW)


def same(app: App, place: str, located: tuple[float, float] | None = None,
         category: str = "路灯照明", community: str = "suzhe") -> int | None:  # fmt: skip
    with Session(app.engine) as session:
        found = same_problem(session, community, category, place, located, 50, 80)
        return found.id if found else None


def test_the_same_place_in_other_words_is_a_duplicate(app: App) -> None:
    number = filed(app.engine, person(app.engine, "ann"))  # 3栋2单元
    assert same(app, "3栋2单元楼道") == number
    assert same(app, "3栋 2单元") == number
    assert same(app, "5栋1单元") is None
    assert same(app, "3栋2单元", category="环境卫生") is None
    assert same(app, "3栋2单元", community="shangyou") is None
    assert same(app, "") is None  # no place, no point: nothing to compare


def test_points_within_the_radius_are_one_place(app: App) -> None:
    ann = person(app.engine, "ann")
    located = Report("路灯照明", "路灯不亮", "", AT_GATE[0], AT_GATE[1])
    number = filed(app.engine, ann, located)
    near = (AT_GATE[0] + 0.0002, AT_GATE[1])  # about 22 m north
    far = (AT_GATE[0] + 0.002, AT_GATE[1])  # about 220 m
    assert 20 < distance_m(AT_GATE, near) < 25
    assert same(app, "", near) == number
    assert same(app, "", far) is None


def test_a_closed_order_is_no_duplicate(app: App, notifier: Notifier) -> None:
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    number = filed(app.engine, ann)
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, number, vol, NOW)
        orders.resolve(session, notifier, number, vol, "换了", NOW)
        orders.confirm(session, notifier, number, ann, NOW)
    assert same(app, "3栋2单元") is None


def test_a_follower_is_told_each_step_without_the_reporters_details(
    app: App, notifier: Notifier
) -> None:
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    vol = person(app.engine, "vol", "volunteer")
    number = filed(app.engine, ann, Report("路灯照明", "楼道灯坏了，我电话13912345678", "3栋2单元"))
    with session_scope(app.engine) as session:
        order = session.get(WorkOrder, number)
        assert order is not None
        assert followup.follow(session, order, bob, NOW)
        assert not followup.follow(session, order, bob, NOW)  # once
        assert not followup.follow(session, order, ann, NOW)  # one's own
        orders.accept(session, notifier, number, vol, NOW)
        orders.resolve(session, notifier, number, vol, "已更换灯泡", NOW)
        orders.reopen(session, notifier, number, ann, "还是不亮", NOW)
        orders.resolve(session, notifier, number, vol, "换了开关", NOW)
        orders.confirm(session, notifier, number, ann, NOW)
    seen = notices(app.engine, bob)
    assert [s.split("）")[1][:4] for s in seen] == [
        "已有人接",
        "已办结：",
        "反映人说",
        "已办结：",
        "已确认解",
    ]
    assert all(f"您关注的问题（编号 {number}）" in s for s in seen)
    assert not any("139" in s or "还是不亮" in s for s in seen)


def test_the_rating_is_one_to_five_on_ones_own_closed_order(app: App, notifier: Notifier) -> None:
    ann, bob = person(app.engine, "ann"), person(app.engine, "bob")
    vol = person(app.engine, "vol", "volunteer")
    number = filed(app.engine, ann)
    with session_scope(app.engine) as session:
        with pytest.raises(OrderError, match="还没办结"):
            followup.rate(session, number, ann, 5)
        orders.accept(session, notifier, number, vol, NOW)
        orders.resolve(session, notifier, number, vol, "换了", NOW)
        orders.confirm(session, notifier, number, ann, NOW)
        with pytest.raises(OrderError, match="没有找到"):
            followup.rate(session, number, bob, 5)
        with pytest.raises(OrderError, match="1 到 5"):
            followup.rate(session, number, ann, 6)
        assert followup.rate(session, number, ann, 5).rating == 5


def test_rates_per_community_and_category(app: App, notifier: Notifier) -> None:
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    early, late = NOW + dt.timedelta(hours=1), NOW + dt.timedelta(days=30)
    quick, slow, waiting = filed(app.engine, ann), filed(app.engine, ann), filed(app.engine, ann)
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, quick, vol, early)  # in time
        orders.resolve(session, notifier, quick, vol, "换了", early)
        orders.confirm(session, notifier, quick, ann, early)
        followup.rate(session, quick, ann, 5)
        orders.accept(session, notifier, slow, vol, late)  # 30 days: late for both limits
        orders.resolve(session, notifier, slow, vol, "换了", late)
        orders.confirm(session, notifier, slow, ann, late)
        followup.rate(session, slow, ann, 2)
        assert waiting
        found = followup.rates(session, NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1),
                               as_of=NOW + dt.timedelta(hours=2))  # fmt: skip
    rates = found[("suzhe", "路灯照明")]
    assert (rates.filed, rates.responded, rates.due, rates.on_time) == (3, 1, 2, 1)
    assert rates.response_rate == pytest.approx(1 / 3)
    assert rates.on_time_rate == pytest.approx(1 / 2)  # the waiting one is not due yet
    assert rates.satisfaction_rate == pytest.approx(1 / 2)
    assert followup.totals(found.values()) == rates
    assert followup.Rates().response_rate is None  # nothing filed: no rate, not 0 %


def test_staff_hand_an_order_to_a_volunteer_of_its_community(app: App, notifier: Notifier) -> None:
    ann, staff = person(app.engine, "ann"), person(app.engine, "wang", "staff")
    vol = person(app.engine, "vol", "volunteer")
    far = person(app.engine, "far", "volunteer", community="shangyou")
    far_staff = person(app.engine, "farstaff", "staff", community="shangyou")
    number = filed(app.engine, ann)
    with session_scope(app.engine) as session:
        with pytest.raises(OrderError, match="不是您社区的"):
            handover.reassign(session, notifier, number, far_staff, str(vol), NOW)
        with pytest.raises(OrderError, match="不是这个社区的"):
            handover.reassign(session, notifier, number, staff, str(far), NOW)
        with pytest.raises(OrderError, match="没有找到"):
            handover.reassign(session, notifier, number, staff, "9999", NOW)
        order, owner = handover.reassign(session, notifier, number, staff, str(vol), NOW)
        assert (order.owner_id, order.state, owner) == (vol, OrderState.ASSIGNED, vol)
        assert order.responded_at == NOW
        handover.add_note(session, number, vol, "周五来修", NOW)
        with pytest.raises(OrderError, match="不是您社区的"):
            handover.add_note(session, number, far, "x", NOW)
        events = session.exec(select(WorkOrderEvent).where(WorkOrderEvent.order_id == number)).all()
    assert [(e.after, e.note[:3]) for e in events][1:] == [
        ("assigned", "转派给"),
        ("assigned", "周五来"),
    ]
    assert any(f"工单 {number}（路灯照明）转派给您负责" in t for t in notices(app.engine, vol))
    assert any("已有人接单" in t for t in notices(app.engine, ann))


def test_filing_keeps_photo_references_and_the_point(app: App) -> None:
    ann = person(app.engine, "ann")
    photo = orders.Photo("wechat", "media-1", "https://mmbiz.qpic.cn/x")
    report = Report("路灯照明", "路灯不亮", "东门", AT_GATE[0], AT_GATE[1], (photo,))
    with session_scope(app.engine) as session:
        order = orders.submit(session, ann, "suzhe", report, CATEGORIES, NOW)
        kept = orders.photos_of(session, order.id or 0)
        many = Report(LIGHT.category, LIGHT.description, photos=(photo,) * 10)
        with pytest.raises(OrderError, match="最多 9 张"):
            orders.submit(session, ann, "suzhe", many, CATEGORIES, NOW)
    assert [(p.media_id, p.url) for p in kept] == [("media-1", "https://mmbiz.qpic.cn/x")]
    assert (order.latitude, order.longitude) == AT_GATE


def test_a_reopened_order_is_not_on_time_until_resolved_again(app: App, notifier: Notifier) -> None:
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    number = filed(app.engine, ann)
    period = (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))
    with session_scope(app.engine) as session:
        orders.accept(session, notifier, number, vol, NOW)
        orders.resolve(session, notifier, number, vol, "换了", NOW)
        orders.reopen(session, notifier, number, ann, "还是不亮", NOW)
        reopened = followup.rates(session, *period, as_of=NOW)[("suzhe", "路灯照明")]
        orders.resolve(session, notifier, number, vol, "换了开关", NOW + dt.timedelta(hours=1))
        again = followup.rates(session, *period, as_of=NOW)[("suzhe", "路灯照明")]
    assert (reopened.due, reopened.on_time) == (0, 0)  # not resolved, not past its limit
    assert (again.due, again.on_time) == (1, 1)
