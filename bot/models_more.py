"""Tables for announcements, notice preferences, audience tags and volunteer shifts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime


def _when(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def _stamp() -> Column[dt.datetime]:
    """A required timestamp column (wrapped in Field(...) where used, so the type checker
    sees the field is required)."""
    return Column(UTCDateTime(), nullable=False)


class NoticeOptOut(SQLModel, table=True):
    """A kind of announcement a resident does not want ("all" = 退订 everything)."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    topic: str = Field(primary_key=True, max_length=32)
    created_at: dt.datetime = Field(sa_column=_stamp())


class UserTag(SQLModel, table=True):
    """An audience tag staff give a resident (e.g. 老年人, 党员, 家长) to target announcements."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    tag: str = Field(primary_key=True, max_length=32)


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
    created_at: dt.datetime = Field(sa_column=_stamp())
    queued_at: dt.datetime | None = _when()  # every recipient is in the outbox
    reported_at: dt.datetime | None = _when()  # the delivery report went to the sender
    cancelled_at: dt.datetime | None = _when()


class ShiftPost(SQLModel, table=True):
    """A kind of volunteer work (助老餐厅帮厨, 义诊引导, 街长巡查) in a community."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=40)
    community_id: str | None = Field(default=None, max_length=80)
    place: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    # skills or certificates a volunteer must hold to take it (e.g. 健康证)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the staff member alerted about this post's shifts (else the community's staff)
    coordinator_id: int | None = Field(default=None, foreign_key="user.id")
    active: bool = True
    created_at: dt.datetime = Field(sa_column=_stamp())


class ShiftTemplate(SQLModel, table=True):
    """A weekly recurring shift of a post: each week's shift is created some weeks ahead."""

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="shiftpost.id", index=True)
    weekday: int  # 0 = Monday (local time)
    start_time: str = Field(max_length=5)  # "HH:MM", local time
    minutes: int
    slots: int
    starts_on: dt.date
    until: dt.date | None = None
    activity_id: int | None = Field(default=None, foreign_key="activity.id")
    active: bool = True


class Shift(SQLModel, table=True):
    """One shift: a post at a time, with a number of volunteer slots."""

    __table_args__ = (
        UniqueConstraint("template_id", "starts_at"),
        Index("ix_shift_time", "status", "starts_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="shiftpost.id", index=True)
    template_id: int | None = Field(default=None, foreign_key="shifttemplate.id")
    activity_id: int | None = Field(default=None, foreign_key="activity.id")
    starts_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    slots: int
    status: str = Field(default="open", max_length=16)  # open | cancelled
    checkin_code: str = Field(default="", max_length=12)
    created_at: dt.datetime = Field(sa_column=_stamp())
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class ShiftAssignment(SQLModel, table=True):
    """A volunteer on a shift, from sign-up (or assignment) to approved hours."""

    __table_args__ = (
        UniqueConstraint("shift_id", "user_id"),
        Index("ix_assignment_shift_status", "shift_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id")
    user_id: int = Field(foreign_key="user.id", index=True)
    # signed | confirmed | declined | cancelled | swapped | checked_in | done | no_show
    status: str = Field(max_length=16)
    source: str = Field(default="self", max_length=16)  # self | assigned | stand_in
    assigned_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: dt.datetime | None = _when()
    declined_at: dt.datetime | None = _when()
    stand_in_wanted_at: dt.datetime | None = _when()  # asked for someone to take over
    checked_in_at: dt.datetime | None = _when()
    checked_out_at: dt.datetime | None = _when()
    minutes: int | None = None  # hours worked, in minutes, once checked out
    approved_at: dt.datetime | None = _when()
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: dt.datetime = Field(sa_column=_stamp())
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class VolunteerSkill(SQLModel, table=True):
    """A skill or certificate a volunteer holds (recorded by staff)."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    skill: str = Field(primary_key=True, max_length=32)
