"""Argument types for the command line: numbers within sensible bounds, so a typo such as
`--capacity 9999999999999` is a clear refusal instead of an overflow deep inside."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable

ID_MAX = 2**31 - 1  # row ids are PostgreSQL integers


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"要写整数，现在是“{text}”") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"要在 {low} 到 {high} 之间，现在是 {value}")
        return value

    return parse


def decimal(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number (decimals allowed) from `low` to `high`."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"要写数字，现在是“{text}”") from None
        if not low <= value <= high:  # also refuses nan
            raise argparse.ArgumentTypeError(f"要在 {low:g} 到 {high:g} 之间，现在是 {text}")
        return value

    return parse


row_id = whole(1, ID_MAX)
integer = whole(-ID_MAX, ID_MAX)  # any number a column holds; the domain says what is sensible


def day(text: str) -> dt.date:
    """An argparse type: a date written 2026-11-01."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期要写成 2026-11-01 这样，现在是“{text}”") from None
