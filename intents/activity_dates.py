"""The days an activity question asks about: 今天, 明天, 这周, 这周末, 周六, 下周三, 12月9号."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_RELATIVE = {"今天": 0, "明天": 1, "后天": 2}
_ASKED = re.compile(
    r"(?P<relative>今天|明天|后天)"
    r"|(?P<next>下个?|下一个?)?(?:这个?|本)?(?:(?P<weekend>周末)|(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天]))"
    r"|(?P<week>这周|本周|这个星期|这星期|下周|下个星期|下星期)"
    r"|(?:(?P<month>\d{1,2})月)?(?P<day>\d{1,2})[号日]"
)


@dataclass(frozen=True)
class Days:
    """A span of whole local days, [start, until), and how to say it to the resident."""

    start: dt.datetime
    until: dt.datetime
    label: str


def asked_days(text: str, now: dt.datetime, zone: ZoneInfo) -> tuple[Days | None, str]:
    """The days the text asks about (None when it names none) and the text without them.

    Args:
        text: the resident's question, already plain ("这周末有什么活动").
        now: the current moment.
        zone: the district's time zone (days begin at local midnight).
    """
    found = _ASKED.search(text)
    if found is None:
        return None, text
    rest = text[: found.start()] + text[found.end() :]
    today = now.astimezone(zone).date()
    first, days = _span(found, today)
    if first is None:
        return None, rest
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    until = start + dt.timedelta(days=days)
    label = found.group(0) if days > 1 else f"{found.group(0)}（{first.month}月{first.day}日）"
    return Days(start, until, label), rest


def _span(found: re.Match[str], today: dt.date) -> tuple[dt.date | None, int]:
    """The first day asked about and how many days, counted from today."""
    monday = today - dt.timedelta(days=today.weekday())
    later = 7 if found.group("next") else 0
    if found.group("relative"):
        return today + dt.timedelta(days=_RELATIVE[found.group("relative")]), 1
    if found.group("weekend"):
        saturday = monday + dt.timedelta(days=5 + later)
        return max(saturday, today), (saturday + dt.timedelta(days=2) - max(saturday, today)).days
    if found.group("weekday"):
        day = monday + dt.timedelta(days=_WEEKDAYS[found.group("weekday")] + later)
        return (day + dt.timedelta(days=7) if day < today else day), 1
    if found.group("week"):
        if found.group("week").startswith("下"):
            return monday + dt.timedelta(days=7), 7
        return today, (monday + dt.timedelta(days=7) - today).days
    return _date(found, today), 1


def _date(found: re.Match[str], today: dt.date) -> dt.date | None:
    """ "12月9号" this year (next year once it has passed); "9号" this month or the next."""
    day = int(found.group("day"))
    month = int(found.group("month") or today.month)
    year = today.year
    if not found.group("month") and day < today.day:
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    try:
        moment = dt.date(year, month, day)
    except ValueError:
        return None
    if moment < today - dt.timedelta(days=7):  # "1月5日" said in December
        return moment.replace(year=year + 1) if not (month == 2 and day == 29) else None
    return moment
