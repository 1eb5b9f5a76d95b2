"""Working days in mainland China: weekends, statutory holidays and the 调休 weekend days
worked in their place, from the `chinesecalendar` package (the State Council's yearly
notice, which the package follows each November). A year the package does not know yet
falls back to Monday–Friday less the fixed-date holidays (元旦, 劳动节, 国庆), and a
district may list its own days (`[orders] holidays` / `workdays`) to fill that gap."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass, field

import chinese_calendar

logger = logging.getLogger(__name__)
# the holidays that fall on the same date every year; the lunar ones (春节, 清明, 端午, 中秋)
# and every 调休 need the year's notice
_FIXED_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))
_warned: set[int] = set()  # the years the fallback was logged for, once per process


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days; `holidays` and `workdays` override the package."""

    holidays: Collection[dt.date] = field(default_factory=frozenset)
    workdays: Collection[dt.date] = field(default_factory=frozenset)

    def is_workday(self, day: dt.date) -> bool:
        """Whether `day` is a working day (a 调休 Saturday is; a holiday Monday is not)."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # a year the installed package has no notice for
            if day.year not in _warned:
                _warned.add(day.year)
                logger.warning(
                    "chinesecalendar has no holidays for %s: counting Monday-Friday less the "
                    "fixed-date holidays; list the year's days in [orders] holidays/workdays",
                    day.year,
                )
            return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS

    def known(self, year: int) -> bool:
        """Whether the package has the State Council's notice for `year`."""
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def add_workdays(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (`day` itself is not counted: a report
        made on a Sunday or a working day's evening starts counting the next one)."""
        found = day
        for _ in range(count):
            found += dt.timedelta(days=1)
            while not self.is_workday(found):
                found += dt.timedelta(days=1)
        return found
