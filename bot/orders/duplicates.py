"""Before filing: is the same problem open already? Same community and category, and either
both located within a radius, or place words alike (rapidfuzz's partial ratio on the place
text, punctuation and spaces off: "3栋2单元楼道" and "3栋2单元的楼道灯" are one place)."""

from __future__ import annotations

import math
import re

from rapidfuzz import fuzz
from sqlmodel import Session, col, select

from bot.orders.models import OPEN, OrderState, WorkOrder

_EARTH_M = 6_371_000.0
_NOISE = re.compile(r"[\s，。、,.!！?？()（）“”\"'的]+")
_PLACE_MIN = 2  # a place of fewer characters ("门口") says too little to match on


def same_problem(
    session: Session,
    community_id: str,
    category: str,
    place: str,
    located: tuple[float, float] | None,
    radius_m: float,
    score: int,
) -> WorkOrder | None:
    """The oldest open order of `category` in the community at the same place, if any."""
    waiting = [*OPEN, OrderState.RESOLVED]
    statement = select(WorkOrder).where(
        WorkOrder.community_id == community_id,
        WorkOrder.category == category,
        col(WorkOrder.state).in_(waiting),
    )
    for order in session.exec(statement.order_by(col(WorkOrder.id))).all():
        if _near(order, located, radius_m) or _alike(order.place, place, score):
            return order
    return None


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (latitude, longitude) points, in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + (
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_M * math.asin(math.sqrt(h))


def _near(order: WorkOrder, located: tuple[float, float] | None, radius_m: float) -> bool:
    if located is None or order.latitude is None or order.longitude is None:
        return False
    return distance_m((order.latitude, order.longitude), located) <= radius_m


def _alike(a: str, b: str, score: int) -> bool:
    a, b = _NOISE.sub("", a), _NOISE.sub("", b)
    if min(len(a), len(b)) < _PLACE_MIN:
        return False
    return fuzz.partial_ratio(a, b) >= score
