"""Deadlines in working days: the State Council's holidays and 调休 (from chinesecalendar),
a year the package does not know yet (Monday–Friday less the fixed-date holidays, plus what
`[orders] holidays/workdays` list), and the respond limit in clock hours."""

from __future__ import annotations

import datetime as dt

from bot.orders.categories import Category
from bot.orders.deadlines import CHINA, Deadlines
from bot.orders.workdays import WorkCalendar

LIGHT = Category("路灯照明", respond_hours=24, resolve_days=3)


def local(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=CHINA)


def test_the_2026_spring_festival_and_its_working_saturday() -> None:
    calendar = WorkCalendar()
    assert calendar.known(2026)
    assert calendar.is_workday(dt.date(2026, 2, 14))  # a Saturday worked for 春节 (调休)
    assert not calendar.is_workday(dt.date(2026, 2, 16))  # a Monday off
    # filed Friday 13 Feb: Sat 14 (worked) is day 1, then 24 and 25 Feb after the holiday
    respond, resolve = Deadlines(calendar).of(LIGHT, local(2026, 2, 13, 10))
    assert respond == local(2026, 2, 14, 10)  # hours are clock hours, holiday or not
    assert resolve == local(2026, 2, 26)  # the end of 25 Feb


def test_national_day_2026() -> None:
    one_day = Category("安全隐患", respond_hours=4, resolve_days=1)
    _, resolve = Deadlines().of(one_day, local(2026, 9, 30, 17))
    assert resolve == local(2026, 10, 9)  # 1–7 October off: the 8th is the next working day


def test_a_weekend_filing_counts_from_monday() -> None:
    _, resolve = Deadlines().of(LIGHT, local(2026, 11, 29, 9))  # a Sunday
    assert resolve == local(2026, 12, 3)  # Mon 30, Tue 1, Wed 2 December


def test_a_year_the_package_does_not_know_falls_back_and_takes_the_districts_days() -> None:
    calendar = WorkCalendar()
    assert not calendar.known(2027)  # chinesecalendar 1.11 stops at 2026
    assert not calendar.is_workday(dt.date(2027, 10, 1))  # fixed-date 国庆, a Friday
    assert calendar.is_workday(dt.date(2027, 10, 4))  # a Monday: not known to be off
    told = WorkCalendar(
        holidays=frozenset(dt.date(2027, 10, d) for d in range(4, 8)),
        workdays=frozenset({dt.date(2027, 10, 9)}),
    )
    assert told.add_workdays(dt.date(2027, 9, 30), 1) == dt.date(2027, 10, 8)
    assert told.add_workdays(dt.date(2027, 10, 8), 1) == dt.date(2027, 10, 9)  # a worked Saturday
    # and the district's list wins over the package in a year it knows
    assert not WorkCalendar(holidays=frozenset({dt.date(2026, 12, 1)})).is_workday(
        dt.date(2026, 12, 1)
    )
