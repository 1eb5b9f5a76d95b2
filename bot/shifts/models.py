"""Volunteer shifts' tables: posts, templates, shifts, assignments, skills."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime, stamp, when
from bot.types import Labelled


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
    created_at: dt.datetime = Field(sa_column=stamp())


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
    created_at: dt.datetime = Field(sa_column=stamp())
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class Turn(Labelled):
    """Where a volunteer stands on a shift (`ShiftAssignment.status`), with its label."""

    SIGNED = "signed", "待确认"  # took the shift, not confirmed yet
    CONFIRMED = "confirmed", "已确认"
    DECLINED = "declined", "不能来"  # said they cannot come
    CANCELLED = "cancelled", "已取消"
    SWAPPED = "swapped", "已找人替班"  # someone else took over
    CHECKED_IN = "checked_in", "已签到"
    DONE = "done", "已签退"  # checked out: hours waiting for approval
    NO_SHOW = "no_show", "未到岗"


class ShiftAssignment(SQLModel, table=True):
    """A volunteer on a shift, from sign-up (or assignment) to approved hours."""

    __table_args__ = (
        UniqueConstraint("shift_id", "user_id"),
        Index("ix_assignment_shift_status", "shift_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id")
    user_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(max_length=16)  # a Turn
    source: str = Field(default="self", max_length=16)  # self | assigned | stand_in
    assigned_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: dt.datetime | None = when()
    declined_at: dt.datetime | None = when()
    stand_in_wanted_at: dt.datetime | None = when()  # asked for someone to take over
    checked_in_at: dt.datetime | None = when()
    checked_out_at: dt.datetime | None = when()
    minutes: int | None = None  # hours worked, in minutes, once checked out
    approved_at: dt.datetime | None = when()
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: dt.datetime = Field(sa_column=stamp())
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class VolunteerSkill(SQLModel, table=True):
    """A skill or certificate a volunteer holds (recorded by staff)."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    skill: str = Field(primary_key=True, max_length=32)
