"""Work orders as Open311 GeoReport v2 sees them: a category is a service (its code the
category's pinyin), an order a service request, open or closed; filing one for a key's
community, and finding them by the spec's filters. The channel (bot/channels/open311.py)
reads the HTTP request and writes the JSON."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.orders import service
from bot.orders.categories import Category
from bot.orders.models import OPEN, Open311Key, Open311Request, WorkOrder, WorkOrderEvent
from bot.orders.service import OrderError, Report
from knowledge.pinyin import hanzi_pinyin

LIMIT = 1000  # the spec's default: 1000 requests ...
SPAN = dt.timedelta(days=90)  # ... of at most 90 days
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\- ]{5,20}$")


def service_code(category: Category) -> str:
    """The category's code: its pinyin without tones (路灯照明 -> ludengzhaoming)."""
    return "".join(hanzi_pinyin(category.name)) or category.name


def category_of(code: str, categories: Sequence[Category]) -> Category | None:
    """The category whose code (or name) is `code`."""
    return next((c for c in categories if code in (service_code(c), c.name)), None)


def status_of(order: WorkOrder) -> str:
    """open while someone has yet to act on it; closed once resolved, closed or rejected
    (a reopened order is open again)."""
    return "open" if order.state in OPEN else "closed"


@dataclass(frozen=True)
class Filing:
    """What an Open311 client posts (the spec's field names)."""

    service_code: str
    description: str = ""
    lat: float | None = None
    long: float | None = None
    address_string: str = ""
    address_id: str = ""
    media_url: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""


def file(
    session: Session,
    key: Open311Key,
    filing: Filing,
    categories: Sequence[Category],
    now: dt.datetime,
) -> WorkOrder:
    """File the request as a work order of the key's community, every check first.

    Raises:
        OrderError: an unknown service, no location, a bad description, coordinate, URL,
            phone or email (nothing is stored).
    """
    category = category_of(filing.service_code, categories)
    if category is None:
        raise OrderError(f"service_code “{filing.service_code}” 不存在（见 services.json）。")
    extra = _extra(key, filing)
    report = Report(
        category.name, filing.description, filing.address_string, filing.lat, filing.long
    )
    order = service.submit(session, key.user_id, key.community_id, report, categories, now)
    extra.order_id = order.id or 0
    session.add(extra)
    session.flush()
    return order


def _extra(key: Open311Key, filing: Filing) -> Open311Request:
    """What is kept beside the order, checked (raises OrderError)."""
    if filing.lat is None and not filing.address_string.strip() and not filing.address_id:
        raise OrderError("请给出位置：lat 和 long，或 address_string，或 address_id。")
    if (filing.lat is None) != (filing.long is None):
        raise OrderError("lat 和 long 要一起给。")
    if filing.lat is not None and not -90 <= filing.lat <= 90:
        raise OrderError("lat 要在 -90 到 90 之间。")
    if filing.long is not None and not -180 <= filing.long <= 180:
        raise OrderError("long 要在 -180 到 180 之间。")
    if filing.media_url and not re.match(r"^https?://\S{1,490}$", filing.media_url):
        raise OrderError("media_url 要是 http:// 或 https:// 开头的网址，500 字符以内。")
    if filing.phone and not _PHONE.match(filing.phone):
        raise OrderError("phone 看不懂：只写数字（可带 + 和 -），20 位以内。")
    if filing.email and (len(filing.email) > 120 or not _EMAIL.match(filing.email)):
        raise OrderError("email 看不懂，请写成 name@example.org 这样。")
    for name in ("first_name", "last_name", "address_id", "device_id", "account_id"):
        limit = 40 if name.endswith("name") else 80
        if len(getattr(filing, name)) > limit:
            raise OrderError(f"{name} 太长（最多 {limit} 个字符）。")
    service.check_description(filing.description)
    service.check_place(filing.address_string)
    return Open311Request(
        order_id=0, key_id=key.id or 0, lat=filing.lat, long=filing.long,
        address_id=filing.address_id, media_url=filing.media_url, first_name=filing.first_name,
        last_name=filing.last_name, phone=filing.phone, email=filing.email,
        device_id=filing.device_id, account_id=filing.account_id,
    )  # fmt: skip


@dataclass(frozen=True)
class Query:
    """The spec's filters of GET requests.json (ids, when given, override the rest)."""

    ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()  # category names
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: tuple[str, ...] = ()  # open, closed
    limit: int = LIMIT


@dataclass
class Found:
    """One order with what an Open311 answer says of it."""

    order: WorkOrder
    extra: Open311Request | None = None
    last: WorkOrderEvent | None = None  # its latest change (status_notes)


def window(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> tuple[
    dt.datetime, dt.datetime
]:  # fmt: skip
    """The dates searched: the last 90 days by default, 90 days from a start or up to an end.

    Raises:
        OrderError: the end before the start, or more than 90 days between them.
    """
    if start is None and end is None:
        return now - SPAN, now
    if start is None:
        start = (end or now) - SPAN
    if end is None:
        end = start + SPAN
    if end < start:
        raise OrderError("end_date 早于 start_date。")
    if end - start > SPAN:
        raise OrderError("start_date 到 end_date 不能超过 90 天。")
    return start, end


def search(session: Session, query: Query, now: dt.datetime) -> list[Found]:
    """The orders the query asks for, newest first, at most `query.limit`.

    Raises:
        OrderError: the dates do not make a window (see `window`).
    """
    statement = select(WorkOrder)
    if query.ids:
        statement = statement.where(col(WorkOrder.id).in_(list(query.ids)))
    else:
        start, end = window(query.start, query.end, now)
        statement = statement.where(WorkOrder.created_at >= start, WorkOrder.created_at <= end)
        if query.categories:
            statement = statement.where(col(WorkOrder.category).in_(list(query.categories)))
        if set(query.statuses) == {"open"}:
            statement = statement.where(col(WorkOrder.state).in_(list(OPEN)))
        elif set(query.statuses) == {"closed"}:
            statement = statement.where(col(WorkOrder.state).not_in(list(OPEN)))
    statement = statement.order_by(col(WorkOrder.created_at).desc(), col(WorkOrder.id).desc())
    orders = session.exec(statement.limit(query.limit)).all()
    return _with_details(session, orders)


def _with_details(session: Session, orders: Sequence[WorkOrder]) -> list[Found]:
    """Each order with its Open311 extras and latest change: two queries for the page."""
    found = {order.id: Found(order) for order in orders}
    ids = list(found)
    if not ids:
        return []
    for extra in session.exec(select(Open311Request).where(col(Open311Request.order_id).in_(ids))):
        found[extra.order_id].extra = extra
    events = select(WorkOrderEvent).where(col(WorkOrderEvent.order_id).in_(ids))
    for event in session.exec(events.order_by(col(WorkOrderEvent.id))):
        found[event.order_id].last = event
    return list(found.values())
