"""Scheduled volunteer work (placeholder; being written)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.notifier import Notifier


def run_due(engine: Engine, now: dt.datetime, settings: Settings, notifier: Notifier) -> None:
    """Create recurring shifts, queue reminders, alerts and the morning digest that are due."""
