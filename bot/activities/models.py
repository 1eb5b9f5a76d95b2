"""Activities' tables: activities, registrations, and the record of reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime, when
from bot.types import Labelled


class Phase(Labelled):
    """An activity's status (`Activity.status`), with its label."""

    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    CANCELLED = "cancelled", "已取消"


class Seat(Labelled):
    """Where a resident's registration stands (`Registration.status`), with its label."""

    CONFIRMED = "confirmed", "已确认"
    WAITLISTED = "waitlisted", "候补"
    OFFERED = "offered", "待确认名额"  # a freed seat held for them until they answer
    CANCELLED = "cancelled", "已取消"
    ATTENDED = "attended", "已签到"
    NO_SHOW = "no_show", "未到场"


class Activity(SQLModel, table=True):
    """A community activity residents can sign up for."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80)
    community_id: str | None = Field(default=None, max_length=80)  # None = district-wide
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    place: str = Field(max_length=120)
    capacity: int
    signup_deadline: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    cancel_deadline: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    max_party: int = 1
    collect: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # draft | published | cancelled | finished (closed an hour after its end)
    status: str = Field(default="published", max_length=16)
    description: str = Field(default="", max_length=1000)
    checkin_code: str = Field(default="", max_length=12)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class Registration(SQLModel, table=True):
    """One resident's (and their party's) place at an activity, or on its waitlist."""

    __table_args__ = (
        Index("ix_registration_activity_status", "activity_id", "status"),
        UniqueConstraint("activity_id", "user_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    user_id: int = Field(foreign_key="user.id", index=True)
    party: int = 1
    # confirmed | waitlisted | offered | cancelled | attended | no_show
    status: str = Field(max_length=16)
    name: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=16)
    waitlist_seq: int | None = None  # arrival order on the waitlist
    offer_expires_at: dt.datetime | None = when(nullable=True)
    rating: int | None = None
    comment: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class ReminderLog(SQLModel, table=True):
    """What became of each reminder: queued once (sent) or missed; never twice."""

    __table_args__ = (UniqueConstraint("registration_id", "offset_minutes"),)
    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id")
    offset_minutes: float
    due_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    outcome: str = Field(max_length=16)  # queued | missed | skipped
    recorded_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ReminderRun(SQLModel, table=True):
    """A reminder job that has run, for the activity time it was planned for."""

    __table_args__ = (UniqueConstraint("activity_id", "offset_minutes", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    offset_minutes: float
    due_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    outcome: str = Field(max_length=16)  # queued | missed
    ran_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
