"""Volunteer shifts in chat (placeholder; being written)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.config import VolunteerSettings
from bot.intent import Context
from bot.models import Conversation
from bot.notifier import Notifier
from bot.types import Outcome


class VolunteersIntent:
    """Shifts: list, take, confirm or decline, check in and out, stand-ins."""

    name = "volunteers"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def __init__(
        self, settings: VolunteerSettings, zone: ZoneInfo, timeout: dt.timedelta, notifier: Notifier
    ):
        self.settings, self.zone, self.timeout, self.notifier = settings, zone, timeout, notifier

    def handle(self, ctx: Context) -> Outcome | None:
        """Not written yet."""
        return None

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """Not written yet."""
        return None
