"""The reports hold a work order to the limits it got at filing (working days, holidays and
调休), the limits the staff were reminded of — not to its category's days in calendar time."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from bot.db import session_scope
from bot.orders import service as orders
from bot.orders.models import WorkOrder
from bot.outbox.notifier import Notifier
from bot.reports import work_orders
from bot.reports.figures import Scope
from tests.bot.orders.test_service import CATEGORIES, filed, person
from tests.conftest import NOW


def test_on_time_is_by_the_limit_fixed_at_filing(app: App) -> None:
    notifier = Notifier(app.settings.zone, lambda: NOW)
    ann, vol = person(app.engine, "ann"), person(app.engine, "vol", "volunteer")
    order_id = filed(app.engine, ann)
    with session_scope(app.engine) as session:
        order = session.get(WorkOrder, order_id)
        assert order is not None
        assert order.resolve_due is not None
        due = order.resolve_due.replace(tzinfo=order.resolve_due.tzinfo or dt.UTC)
        calendar = NOW + dt.timedelta(days=3)  # 路灯照明: 3 days
        assert due > calendar + dt.timedelta(hours=2)  # a weekend lies in between
        done = due - dt.timedelta(hours=1)  # late by the calendar, in time by working days
        orders.accept(session, notifier, order_id, vol, NOW + dt.timedelta(hours=1))
        orders.resolve(session, notifier, order_id, vol, "换了灯泡", done)
    scope = Scope(NOW - dt.timedelta(days=1), due + dt.timedelta(days=1), categories=CATEGORIES)
    with session_scope(app.engine) as session:
        assert work_orders.resolved(session, scope) == 1
        assert work_orders.resolved_on_time(session, scope) == 1
        assert work_orders.overdue(session, scope) == 0
