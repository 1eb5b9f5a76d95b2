"""Times for people: how Linli writes them (local time, month-day, weekday) and how it reads
them.

Times as staff type them in chat: "现在", "明天 9:00", "后天下午3点半", "周五 8:00" (the
coming Friday), "下周一 9点", "12月3日 15:30", "2026-12-03 15:30". Read in the district's
timezone."""

from __future__ import annotations

import datetime as dt
import re
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


_LONG_AGO = dt.timedelta(days=60)  # a month-day further back than this means next year
_NOW = re.compile(r"^(现在|马上|立即|立刻|立即发送|现在发)$")
_DAY_WORDS = {"今天": 0, "明天": 1, "后天": 2}
_DATE = re.compile(
    r"^(?:(?P<word>今天|明天|后天)"
    r"|(?P<next>下个?)?(?:这个?|本)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])"
    r"|(?:(?P<year>\d{4})[-/年.])?(?P<month>\d{1,2})[-/月.](?P<day>\d{1,2})[日号]?)"
)
_TIME = re.compile(
    r"^(?P<part>上午|早上|中午|下午|晚上)?(?P<hour>\d{1,2})(?:[:：点时](?P<minute>\d{1,2}|半)?分?)?$"
)


def parse_when(text: str, now: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The moment meant, or None when the text is not a time. "现在" is `now`."""
    # spaces go, except one between two numbers: "2026/12/3 9:05" must not read as day 39
    text = re.sub(r"(?<!\d) | (?!\d)", "", re.sub(r"\s+", " ", text.strip()))
    if _NOW.match(text):
        return now
    today = now.astimezone(zone).date()
    found = _DATE.match(text)
    if found is None:  # a time alone ("15:30", "下午3点", not a bare "3") is today
        clock = _clock(text) if re.search(r"[:：点时]", text) else None
        return None if clock is None else dt.datetime.combine(today, clock, tzinfo=zone)
    day = _day(found, today)
    clock = _clock(text[found.end() :].lstrip())
    if day is None or clock is None:
        return None
    moment = dt.datetime.combine(day, clock, tzinfo=zone)
    if found.group("weekday") and not found.group("next") and moment < now:
        return moment + dt.timedelta(days=7)  # "周五 8:00" said on Friday at ten: next Friday
    if found.group("month") and not found.group("year") and moment < now - _LONG_AGO:
        try:
            moment = moment.replace(year=moment.year + 1)  # "1月5日" said in December
        except ValueError:  # 2月29日, and next year has none
            return None
    return moment  # a date a little in the past stays in the past: the caller refuses it


def _day(found: re.Match[str], today: dt.date) -> dt.date | None:
    if found.group("word"):
        return today + dt.timedelta(days=_DAY_WORDS[found.group("word")])
    if found.group("weekday"):
        weekday = _WEEKDAYS.index(found.group("weekday").replace("天", "日"))
        if found.group("next"):  # in next week (Monday to Sunday)
            return today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7 + weekday)
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    year = int(found.group("year") or today.year)
    try:
        return dt.date(year, int(found.group("month")), int(found.group("day")))
    except ValueError:
        return None


def _clock(text: str) -> dt.time | None:
    found = _TIME.match(text)
    if found is None:
        return None
    hour = int(found.group("hour"))
    minute = found.group("minute") or "0"
    minutes = 30 if minute == "半" else int(minute)
    afternoon = found.group("part") in ("下午", "晚上") or (
        found.group("part") == "中午" and hour < 11  # 中午1点 is 13:00, 中午12点 noon
    )
    if afternoon and hour < 12:
        hour += 12
    if hour > 23 or minutes > 59:
        return None
    return dt.time(hour, minutes)
