"""The contract between the dispatcher and the intents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from bot.models import Conversation, User
from bot.types import Incoming, Outcome


@dataclass
class Context:
    """Everything an intent may use to handle one message, inside its transaction."""

    session: Session
    user: User
    incoming: Incoming
    now: dt.datetime

    @property
    def user_id(self) -> int:
        """The user's database id."""
        assert self.user.id is not None
        return self.user.id

    @property
    def text(self) -> str:
        """The message text, stripped."""
        return self.incoming.text.strip()


class Intent(Protocol):
    """One capability. `handle` returns None when the message is not for it."""

    name: str
    flows: tuple[str, ...]  # the multi-step flows this intent owns and resumes
    # one example of each staff-only command (tests try them all as a resident); () if none
    staff_examples: tuple[str, ...]

    def handle(self, ctx: Context) -> Outcome | None:
        """Claim and answer a message, or return None to let the next intent try."""

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """Continue a pending flow; None means the message is not a reply to it."""
