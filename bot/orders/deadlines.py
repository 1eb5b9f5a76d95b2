"""A work order's two time limits, fixed when it is filed: respond within N clock hours
(noise at night and a hazard do not wait for Monday), resolve by the end of the Nth working
day after the filing day (the district's local midnight)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.orders.categories import Category
from bot.orders.workdays import WorkCalendar

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Deadlines:
    """The district's working days and timezone."""

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    zone: ZoneInfo = CHINA

    def of(self, category: Category, filed: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """(respond by, resolve by) for an order of `category` filed at `filed`."""
        respond = filed + dt.timedelta(hours=category.respond_hours)
        last = self.calendar.add_workdays(filed.astimezone(self.zone).date(), category.resolve_days)
        midnight = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)
        return respond, midnight.astimezone(dt.UTC)


def district_deadlines(settings: Settings) -> Deadlines:
    """The district's deadlines: its timezone and its own extra holidays and workdays."""
    extra = settings.orders
    return Deadlines(
        WorkCalendar(frozenset(extra.holidays), frozenset(extra.workdays)), settings.zone
    )
