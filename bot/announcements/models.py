"""Announcements' tables: the announcements and residents' opt-outs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime, stamp, when
from bot.types import Labelled


class NoticeOptOut(SQLModel, table=True):
    """A kind of announcement a resident does not want ("all" = 退订 everything)."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    topic: str = Field(primary_key=True, max_length=32)
    created_at: dt.datetime = Field(sa_column=stamp())


class Stage(Labelled):
    """An announcement's status (`Announcement.status`), with its label."""

    SCHEDULED = "scheduled", "待发送"
    SENDING = "sending", "发送中"  # being queued, then delivered
    DONE = "done", "已发完"
    CANCELLED = "cancelled", "已取消"


class Announcement(SQLModel, table=True):
    """A message staff push to many residents, now or at a time; expanded into the outbox."""

    __table_args__ = (Index("ix_announcement_due", "status", "send_at"),)
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=1000)
    link: str = Field(default="", max_length=500)
    topic: str = Field(default="general", max_length=32)
    communities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    everyone: bool = False
    send_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # scheduled | sending (being queued / delivered) | done | cancelled
    status: str = Field(default="scheduled", max_length=16)
    sender_id: int | None = Field(default=None, foreign_key="user.id")  # None: from the CLI
    cursor: int = 0  # the highest user id already queued: expansion resumes after a crash
    recipients: int = 0  # queued so far
    opted_out: int = 0  # matched but said "退订" (or muted this topic): not sent
    created_at: dt.datetime = Field(sa_column=stamp())
    queued_at: dt.datetime | None = when()  # every recipient is in the outbox
    reported_at: dt.datetime | None = when()  # the delivery report went to the sender
    cancelled_at: dt.datetime | None = when()
