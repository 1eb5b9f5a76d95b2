"""The console's 工单 board: open orders of the staff member's communities by state, an
overdue one in red, filters, 接单 / 办结 / 不受理 through bot/orders (the resident told), the
order's history; another community's order is 403."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session
from starlette.testclient import TestClient

from bot.app import App
from bot.console.web import PREFIX
from bot.db import session_scope
from bot.orders import service as orders
from bot.orders.categories import load_categories
from bot.orders.models import OrderState, WorkOrder
from tests.bot.console.support import audited, csrf, person, sign_in
from tests.conftest import Clock


def filed(app: App, resident: int, community: str, text: str, now: dt.datetime) -> int:
    categories = load_categories(app.settings.orders.categories)
    with session_scope(app.engine) as session:
        report = orders.Report(categories[0].name, text, "3栋")
        return orders.submit(session, resident, community, report, categories, now).id or 0


def state_of(app: App, order_id: int) -> str:
    with Session(app.engine) as session:
        order = session.get(WorkOrder, order_id)
        assert order is not None
        return order.state


def test_staff_see_their_orders_overdue_in_red_take_and_resolve_one(
    linli: App, web: TestClient, clock: Clock
) -> None:
    rita = person(linli, "rita", clock.now, community="suzhe")
    bob = person(linli, "bob", clock.now, community="penglai")
    late = filed(linli, rita, "suzhe", "楼道灯坏了好几天了", clock.now - dt.timedelta(days=10))
    fresh = filed(linli, rita, "suzhe", "单元门关不上", clock.now)
    theirs = filed(linli, bob, "penglai", "蓬莱的路灯不亮", clock.now)
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    page = web.get(f"{PREFIX}/orders").text
    assert "楼道灯坏了好几天了" in page
    assert "蓬莱的路灯不亮" not in page
    assert page.count("card row-link overdue") == 1  # the ten-day-old one, in red
    assert "没人接单" in page
    only = web.get(f"{PREFIX}/orders", params={"state": "assigned"}).text
    assert "单元门关不上" not in only
    token = csrf(web, "/orders")
    web.post(f"{PREFIX}/orders/{fresh}/accept", data={"csrf": token})
    assert state_of(linli, fresh) == OrderState.ASSIGNED
    empty = web.post(f"{PREFIX}/orders/{fresh}/resolve", data={"csrf": token, "note": ""})
    assert empty.status_code == 400  # bot/orders wants to know what was done
    web.post(f"{PREFIX}/orders/{fresh}/resolve", data={"csrf": token, "note": "已修好门禁"})
    assert state_of(linli, fresh) == OrderState.RESOLVED
    history = web.get(f"{PREFIX}/orders/{fresh}").text
    assert "已修好门禁" in history
    web.post(f"{PREFIX}/orders/{late}/reject", data={"csrf": token, "note": "属于物业，请联系物业"})
    assert state_of(linli, late) == OrderState.REJECTED
    assert [r.before["state"] for r in audited(linli, "order_accept")] == ["submitted"]
    assert web.get(f"{PREFIX}/orders/{theirs}").status_code == 403
    assert web.post(f"{PREFIX}/orders/{theirs}/accept", data={"csrf": token}).status_code == 403
    assert state_of(linli, theirs) == OrderState.SUBMITTED


def test_staff_hand_an_order_on_and_note_on_its_record(
    linli: App, web: TestClient, clock: Clock
) -> None:
    rita = person(linli, "rita", clock.now, community="suzhe")
    order = filed(linli, rita, "suzhe", "楼道灯坏了", clock.now)
    vera = person(linli, "vera", clock.now, "volunteer", community="suzhe")
    pete = person(linli, "pete", clock.now, "volunteer", community="penglai")
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    token = csrf(web, f"/orders/{order}")
    elsewhere = web.post(
        f"{PREFIX}/orders/{order}/reassign", data={"csrf": token, "who": str(pete)}
    )
    assert elsewhere.status_code == 400  # a volunteer of another community: not theirs to own
    web.post(f"{PREFIX}/orders/{order}/reassign", data={"csrf": token, "who": str(vera)})
    with Session(linli.engine) as session:
        found = session.get(WorkOrder, order)
        assert found is not None
        assert (found.state, found.owner_id) == (OrderState.ASSIGNED, vera)
    empty = web.post(f"{PREFIX}/orders/{order}/note", data={"csrf": token, "note": " "})
    assert empty.status_code == 400
    web.post(f"{PREFIX}/orders/{order}/note", data={"csrf": token, "note": "已联系物业换灯泡"})
    assert "已联系物业换灯泡" in web.get(f"{PREFIX}/orders/{order}").text
    assert [r.after["owner"] for r in audited(linli, "order_reassign")] == [vera]
    assert [r.target for r in audited(linli, "order_note")] == [f"order:{order}"]


def test_an_orders_photos_and_point_are_shown_to_its_staff(
    linli: App, web: TestClient, clock: Clock
) -> None:
    rita = person(linli, "rita", clock.now, community="suzhe")
    categories = load_categories(linli.settings.orders.categories)
    photo = orders.Photo("wechat", "media-1", "https://mmbiz.qpic.cn/lamp")
    report = orders.Report(categories[0].name, "路灯不亮", "东门", 30.04211, 103.83122, (photo,))
    with session_scope(linli.engine) as session:
        order = orders.submit(session, rita, "suzhe", report, categories, clock.now).id
    sign_in(web, linli, person(linli, "cora", clock.now, "staff", community="suzhe"), clock.now)
    page = web.get(f"{PREFIX}/orders/{order}").text
    assert 'href="https://mmbiz.qpic.cn/lamp"' in page
    assert "30.04211, 103.83122" in page
