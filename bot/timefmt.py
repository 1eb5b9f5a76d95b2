"""Dates and times the way residents read them: local time, month-day, weekday."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

_WEEKDAYS = "一二三四五六日"


def when(moment: dt.datetime, zone: ZoneInfo) -> str:
    """'11月28日（周六）09:30' in the district's timezone."""
    local = moment.astimezone(zone)
    return f"{local.month}月{local.day}日（周{_WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def span(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str:
    """'11月28日（周六）09:30—11:00', the end date repeated only when it differs."""
    local_end = end.astimezone(zone)
    same_day = start.astimezone(zone).date() == local_end.date()
    return (
        f"{when(start, zone)}—{local_end:%H:%M}"
        if same_day
        else f"{when(start, zone)}—{when(end, zone)}"
    )
