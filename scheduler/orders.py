"""Work orders' SLA timers, every tick of the process holding the lease: reminders before a
limit, escalation past it (社区书记, then the street), the auto-close of resolved orders nobody
answered. Each step fires once (`bot.orders.sla`: a unique row per order and step, written
with its notices); a step that fails is undone and tried next tick."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.orders import sla
from bot.outbox.notifier import Notifier

logger = logging.getLogger(__name__)


def run_due(engine: Engine, now: dt.datetime, timers: sla.Timers, notifier: Notifier) -> int:
    """Fire the timers that have come due; the number fired."""
    with session_scope(engine) as session:
        fired = sla.run_due(session, notifier, timers, now)
    if fired:
        logger.info("%s work-order timers fired", fired)
    return fired
