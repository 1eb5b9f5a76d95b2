"""Time. Every component that needs "now" takes a `Clock`; only the wiring and the command
line pick the real one, so tests (and a replay) can hold time wherever they like."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """The real now, timezone-aware, in UTC (also the default of timestamp columns)."""
    return _read_system_clock()


def _read_system_clock() -> dt.datetime:
    # the one read of the system clock: tests that run on a Clock replace it with one that
    # fails, so a forgotten `now` (a default argument, a column default) shows up at once
    return dt.datetime.now(dt.UTC)
