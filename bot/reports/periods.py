"""Report periods: half-month (1st-15th, 16th-end), month, quarter and year, in the
district's timezone, each with the one before it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError

# 半月一报告、每月一调度、每季一评估、年终一总结: what each kind of report is called
KINDS = {
    "half-month": "半月工作报告",
    "month": "月度调度报告",
    "quarter": "季度评估报告",
    "year": "年终总结报告",
}
NOT_YET = "{label}还没有结束（{last} 才结束），现在还不能出这份报告。请选一个已经结束的时段。"
UNKNOWN_KIND = "报告类型只能是 half-month、month、quarter 或 year。"


class PeriodError(UserFacingError):
    """A period that cannot be reported on (unknown kind, or not over yet)."""


@dataclass(frozen=True)
class Period:
    """Local days [first, end): `end` is the day after the last."""

    kind: str
    first: dt.date
    end: dt.date

    @property
    def last(self) -> dt.date:
        """The period's last day."""
        return self.end - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """'2026年11月上半月', '2026年11月', '2026年第4季度', '2026年'."""
        year, month = self.first.year, self.first.month
        if self.kind == "half-month":
            return f"{year}年{month}月{'上' if self.first.day == 1 else '下'}半月"
        if self.kind == "month":
            return f"{year}年{month}月"
        if self.kind == "quarter":
            return f"{year}年第{(month - 1) // 3 + 1}季度"
        return f"{year}年"

    def window(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The period as UTC moments [since, until): local midnight to local midnight."""
        return _midnight(self.first, zone), _midnight(self.end, zone)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return period_of(self.kind, self.first - dt.timedelta(days=1))


def period_of(kind: str, day: dt.date) -> Period:
    """The period of `kind` that holds `day`.

    Raises:
        PeriodError: an unknown kind.
    """
    if kind == "half-month":
        if day.day <= 15:
            return Period(kind, day.replace(day=1), day.replace(day=16))
        return Period(kind, day.replace(day=16), _next_month(day))
    if kind == "month":
        return Period(kind, day.replace(day=1), _next_month(day))
    if kind == "quarter":
        first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _months_after(first, 3))
    if kind == "year":
        return Period(kind, dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))
    raise PeriodError(UNKNOWN_KIND)


def last_finished(kind: str, now: dt.datetime, zone: ZoneInfo) -> Period:
    """The newest period of `kind` that is over at `now` (the default of `report make`)."""
    return period_of(kind, now.astimezone(zone).date()).previous()


def finished(period: Period, now: dt.datetime, zone: ZoneInfo) -> Period:
    """`period`, once it is over at `now`.

    Raises:
        PeriodError: it has not ended yet (a report on it would be missing days).
    """
    if period.window(zone)[1] > now:
        raise PeriodError(NOT_YET.format(label=period.label, last=f"{period.last:%Y-%m-%d}"))
    return period


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def _next_month(day: dt.date) -> dt.date:
    return _months_after(day.replace(day=1), 1)


def _months_after(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
