"""What scheduled jobs need when they fire. APScheduler stores a job as a reference to a
module-level function plus its arguments (ids only), so the running service registers itself
here and the job functions look it up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.outbox.notifier import Notifier


@dataclass
class Runtime:
    """The running scheduler's engine, settings, clock and notifier."""

    engine: Engine
    settings: Settings
    clock: Callable[[], dt.datetime]
    notifier: Notifier
    plan: Callable[[int], None]  # (re)plan one activity's reminders


_current: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    """Register (or, with None, clear) the runtime of this process."""
    global _current
    _current = runtime


def current() -> Runtime:
    """The runtime of this process; jobs only run where a scheduler service installed one."""
    if _current is None:
        raise RuntimeError("no scheduler runtime in this process")
    return _current
