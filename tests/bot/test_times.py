"""Times as staff type them in chat, read in the district's timezone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.times import parse_when
from tests.conftest import NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Dates written out ("12月3日") are read against a fixed Thursday, 2026-11-26 17:00 local;
# words relative to today ("明天") against the tests' NOW, which CI also moves.
THURSDAY = dt.datetime(2026, 11, 26, 17, 0, tzinfo=SHANGHAI)
TODAY = NOW.astimezone(SHANGHAI).date()


def local(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def days_on(days: int, hour: int, minute: int) -> dt.datetime:
    """`days` after today (local), at hour:minute."""
    moment = TODAY + dt.timedelta(days=days)
    return local(moment.year, moment.month, moment.day, hour, minute)


def test_now_is_the_moment_itself() -> None:
    assert parse_when("现在", NOW, SHANGHAI) == NOW
    assert parse_when(" 马上 ", NOW, SHANGHAI) == NOW


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("明天 9:00", days_on(1, 9, 0)),
        ("明天上午9点", days_on(1, 9, 0)),
        ("明天 上午 9 点", days_on(1, 9, 0)),
        ("后天下午3点半", days_on(2, 15, 30)),
        ("今天晚上8点", days_on(0, 20, 0)),
    ],
)
def test_days_from_today(said: str, meant: dt.datetime) -> None:
    found = parse_when(said, NOW, SHANGHAI)
    assert found == meant
    assert found is not None
    assert found.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("12月3日 15:30", local(2026, 12, 3, 15, 30)),
        ("12月3日15:30", local(2026, 12, 3, 15, 30)),
        ("2026-12-03 15:30", local(2026, 12, 3, 15, 30)),
        ("2026/12/3 9:05", local(2026, 12, 3, 9, 5)),  # not "day 39"
        ("2026/12/3  9:05", local(2026, 12, 3, 9, 5)),
        ("12月3 9:00", local(2026, 12, 3, 9, 0)),
    ],
)
def test_the_ways_staff_write_a_time(said: str, meant: dt.datetime) -> None:
    found = parse_when(said, THURSDAY, SHANGHAI)
    assert found == meant
    assert found is not None
    assert found.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    "said",
    ["nonsense", "下周吧", "25:00", "明天 25:00", "明天 9:75", "2月30日 9:00", "12月3日", ""],
)
def test_not_a_time(said: str) -> None:
    assert parse_when(said, NOW, SHANGHAI) is None


def test_a_date_already_past_this_year_means_next_year() -> None:
    december = local(2026, 12, 20, 10, 0)
    assert parse_when("1月5日 9:00", december, SHANGHAI) == local(2027, 1, 5, 9, 0)
    assert parse_when("12月25日 9:00", december, SHANGHAI) == local(2026, 12, 25, 9, 0)
    # with the year written it is taken as said (the flow then refuses a past time)
    assert parse_when("2026-01-05 9:00", december, SHANGHAI) == local(2026, 1, 5, 9, 0)


def test_leap_day_rolled_to_a_year_without_one() -> None:
    december = local(2028, 12, 20, 10, 0)  # long after: next year's, and 2029 has none
    assert parse_when("2月29日 9:00", december, SHANGHAI) is None
    # a few days after, it is the leap day just gone (the flow refuses a past time)
    assert parse_when("2月29日 9:00", local(2028, 3, 5, 10, 0), SHANGHAI) == local(
        2028, 2, 29, 9, 0
    )


def test_noon_words() -> None:
    for said, hour in (("明天中午1点", 13), ("明天中午12点", 12)):
        moment = parse_when(said, NOW, SHANGHAI)
        assert moment is not None
        assert moment.astimezone(SHANGHAI).time() == dt.time(hour, 0)


def test_a_time_alone_is_today_and_a_recent_date_stays_past() -> None:
    assert parse_when("下午3点", NOW, SHANGHAI) == days_on(0, 15, 0)
    assert parse_when("18:30", NOW, SHANGHAI) == days_on(0, 18, 30)
    assert parse_when("3", NOW, SHANGHAI) is None  # a bare number is a menu choice, not 3:00
    recent = parse_when("11月20日 9:00", THURSDAY, SHANGHAI)  # six days ago: not next year
    assert recent is not None
    assert recent.date() == dt.date(2026, 11, 20)
    assert recent < THURSDAY


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("周五 8:00", local(2026, 11, 27, 8, 0)),  # the coming Friday
        ("星期天下午3点", local(2026, 11, 29, 15, 0)),
        ("下周一 9点", local(2026, 11, 30, 9, 0)),  # Monday of next week
        ("下周四 9:00", local(2026, 12, 3, 9, 0)),
        ("周四 18:00", local(2026, 11, 26, 18, 0)),  # later today
        ("周四 8:00", local(2026, 12, 3, 8, 0)),  # today, but already past: next week
    ],
)
def test_weekdays(said: str, meant: dt.datetime) -> None:
    assert parse_when(said, THURSDAY, SHANGHAI) == meant
