"""工单: the open work orders of this staff member's communities by state, overdue ones in red
(the category's time limits), filters by state and category, 接单 (the staff member takes it,
首接负责), 转派 to a volunteer or staff member of its community, a note on the record, 办结 with
a note, 不受理 with a reason, and each order's history — only through bot/orders' public
functions (who may act is checked there too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from bot.console.visit import Page, Visit, back, names, row_of
from bot.orders import handover, sla
from bot.orders import service as orders
from bot.orders.categories import Category, load_categories
from bot.orders.models import OrderState, WorkOrder

COLUMNS = (OrderState.SUBMITTED, OrderState.ASSIGNED, OrderState.REOPENED, OrderState.RESOLVED)
# the states as staff read them (the model's labels are the resident's: "待您确认")
LABELS = {**{s.value: s.label for s in OrderState}, OrderState.RESOLVED.value: "已办结，待居民确认"}


def board(visit: Visit) -> Response:
    state, category = visit.param("state"), visit.param("category")
    shown = [
        o for o in orders.open_orders(visit.session, visit.staff.communities)
        if (not state or o.state == state) and (not category or o.category == category)
    ]  # fmt: skip
    limits = _limits(visit)
    columns = [(s, [o for o in shown if o.state == s]) for s in COLUMNS if not state or s == state]
    owners = names(visit.session, {o.owner_id for o in shown if o.owner_id is not None})
    return visit.render(
        "orders.html", columns=columns, OrderState=OrderState, labels=LABELS, state=state,
        category=category,
        categories=sorted(limits), late={o.id: _late(o, limits, visit.now) for o in shown},
        owners=owners,
    )  # fmt: skip


def _order(visit: Visit) -> WorkOrder:
    return row_of(visit, WorkOrder, lambda o: o.community_id)


def detail(visit: Visit, problems: list[str] | None = None, status: int = 200) -> Response:
    order = _order(visit)
    events = orders.history(visit.session, order.id or 0)
    actors = names(visit.session, {e.actor_id for e in events if e.actor_id is not None})
    owner = names(visit.session, {order.owner_id}) if order.owner_id else {}
    return visit.render(
        "order.html", status=status, order=order, events=events, actors=actors, owner=owner,
        OrderState=OrderState, problems=problems or [], labels=LABELS,
        late=_late(order, _limits(visit), visit.now),
        photos=orders.photos_of(visit.session, order.id or 0),
    )  # fmt: skip


def _act(visit: Visit, action: str, change: Any) -> Response:
    order = _order(visit)
    before = {"state": order.state, "owner": order.owner_id}
    try:
        changed = change(order)
    except orders.OrderError as exc:
        return detail(visit, [str(exc)], status=400)
    visit.log(action, f"order:{order.id}", order.community_id, before=before,
              after={"state": changed.state, "owner": changed.owner_id,
                     "note": visit.form.get("note", "")[:200]})  # fmt: skip
    return back(f"orders/{order.id}", f"工单 {order.id}：{LABELS[changed.state]}。")


def accept(visit: Visit) -> Response:
    return _act(visit, "order_accept", lambda o: orders.accept(
        visit.session, visit.notifier, o.id, visit.staff.user_id, visit.now))  # fmt: skip


def resolve(visit: Visit) -> Response:
    return _act(visit, "order_resolve", lambda o: orders.resolve(
        visit.session, visit.notifier, o.id, visit.staff.user_id, visit.form.get("note", ""),
        visit.now))  # fmt: skip


def reassign(visit: Visit) -> Response:
    return _act(visit, "order_reassign", lambda o: handover.reassign(
        visit.session, visit.notifier, o.id, visit.staff.user_id, visit.form.get("who", ""),
        visit.now)[0])  # fmt: skip


def note(visit: Visit) -> Response:
    said = visit.form.get("note", "")
    return _act(visit, "order_note", lambda o: handover.add_note(
        visit.session, o.id, visit.staff.user_id, said, visit.now))  # fmt: skip


def reject(visit: Visit) -> Response:
    return _act(visit, "order_reject", lambda o: orders.reject(
        visit.session, visit.notifier, o.id, visit.staff.user_id, visit.form.get("note", ""),
        visit.now))  # fmt: skip


ROUTES = [
    Page("GET", "/orders", board),
    Page("GET", "/orders/{id}", detail),
    Page("POST", "/orders/{id}/accept", accept),
    Page("POST", "/orders/{id}/resolve", resolve),
    Page("POST", "/orders/{id}/reject", reject),
    Page("POST", "/orders/{id}/reassign", reassign),
    Page("POST", "/orders/{id}/note", note),
]


def _limits(visit: Visit) -> dict[str, Category]:
    return {c.name: c for c in load_categories(visit.console.app.settings.orders.categories)}


def _late(order: WorkOrder, limits: dict[str, Category], now: dt.datetime) -> str:
    """What is overdue, said for staff ("" when nothing): `bot.orders.sla`'s test against the
    limits fixed at filing — the one the chat board and the morning digest use."""
    if not sla.is_overdue(order, now):
        return ""
    limit = limits.get(order.category)
    if order.state == OrderState.SUBMITTED and order.respond_due and order.respond_due < now:
        return f"超过 {limit.respond_hours} 小时没人接单" if limit else "过了接单时限还没人接单"
    return f"超过 {limit.resolve_days} 个工作日还没办结" if limit else "过了办结时限还没办结"
