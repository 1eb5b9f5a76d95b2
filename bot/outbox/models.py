"""The outbox: every message that is not a passive reply waits here for delivery."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, func
from sqlmodel import Field, Session, SQLModel, col, select

from bot.models import UTCDateTime, when


class Outbox(SQLModel, table=True):
    """A message to push to a user (not a reply): delivered by the delivery job, once."""

    # the claim reads due rows in (next_attempt_at, id) order: the index gives it unsorted
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=32)  # reminder | waitlist_offer | activity_cancelled | ...
    dedupe_key: str = Field(max_length=160, unique=True)  # the same notice is queued once
    # what the notice belongs to, e.g. "announcement:12", for progress and delivery reports
    ref: str | None = Field(default=None, max_length=40, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # pending | claimed | sending | sent | undeliverable | failed | unknown
    status: str = Field(default="pending", max_length=16)
    channel: str | None = Field(default=None, max_length=16)
    claim: str | None = Field(default=None, max_length=120)  # which delivery run holds it
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_error: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: dt.datetime | None = when(nullable=True)
    # a notice that could not be pushed is told on the resident's next message, then read
    announced_at: dt.datetime | None = when(nullable=True)
    read_at: dt.datetime | None = when(nullable=True)


WAITING = ("pending", "claimed", "sending")  # statuses of a row not yet done
STUCK = ("failed", "unknown")  # done without a send staff can trust: worth an alert


def depth(session: Session) -> dict[str, int]:
    """How many rows wait in the outbox, and how many are stuck, by status (every status
    named, 0 included). Each count is a range of the (status, next_attempt_at) index."""
    counted = dict.fromkeys((*WAITING, *STUCK), 0)
    query = (
        select(Outbox.status, func.count())
        .where(col(Outbox.status).in_(counted))
        .group_by(col(Outbox.status))
    )
    for status, count in session.exec(query).all():
        counted[status] = count
    return counted
