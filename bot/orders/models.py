"""Work orders' tables: the order, and every change of its state (who, when, a note)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime, stamp, when
from bot.types import Labelled

DESCRIPTION_MAX = 500
PLACE_MAX = 120
MEDIA_MAX = 512  # a WeChat MediaId or PicUrl: a reference, never the picture
PHOTOS_MAX = 9  # photos one report may carry (WeChat's own limit for one post)


class OrderState(Labelled):
    """Where a work order stands (`WorkOrder.state`), with the label residents read."""

    SUBMITTED = "submitted", "待受理"
    ASSIGNED = "assigned", "处理中"  # someone accepted it and owns it (首接负责)
    RESOLVED = "resolved", "已办结，待您确认"
    CLOSED = "closed", "已完成"  # the resident confirmed it is fixed
    REOPENED = "reopened", "重新处理中"  # the resident said it is not fixed
    REJECTED = "rejected", "未受理"


OPEN = (OrderState.SUBMITTED, OrderState.ASSIGNED, OrderState.REOPENED)


class WorkOrder(SQLModel, table=True):
    """A small problem a resident reported in a community, and who owns it."""

    __table_args__ = (Index("ix_workorder_community_state", "community_id", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="user.id", index=True)
    community_id: str = Field(max_length=80)
    category: str = Field(max_length=20)
    description: str = Field(max_length=DESCRIPTION_MAX)
    place: str = Field(default="", max_length=PLACE_MAX)
    state: str = Field(default=OrderState.SUBMITTED, max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    latitude: float | None = None  # a WeChat location message's Location_X
    longitude: float | None = None  # its Location_Y
    respond_due: dt.datetime | None = when(nullable=True)  # fixed at filing (SLA)
    resolve_due: dt.datetime | None = when(nullable=True)  # end of the Nth working day
    responded_at: dt.datetime | None = when(nullable=True)  # first accepted
    resolved_at: dt.datetime | None = when(nullable=True)  # last resolved
    closed_at: dt.datetime | None = when(nullable=True)
    rating: int | None = None  # the resident's 1–5 at 回访
    # when the scheduler should look at this order's timers next (None: none left)
    next_check_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True)
    )
    created_at: dt.datetime = Field(sa_column=stamp())
    updated_at: dt.datetime = Field(sa_column=stamp())


class WorkOrderEvent(SQLModel, table=True):
    """One change of a work order's state: from what, to what, by whom, when, and why."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="workorder.id", index=True)
    at: dt.datetime = Field(sa_column=stamp())
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    before: str | None = Field(default=None, max_length=16)  # None: the order was filed
    after: str = Field(max_length=16)
    note: str = Field(default="", max_length=DESCRIPTION_MAX)


class WorkOrderFollower(SQLModel, table=True):
    """A resident who reported the same problem and follows the order instead: told of
    every change as the reporter is."""

    __table_args__ = (UniqueConstraint("order_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="workorder.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    at: dt.datetime = Field(sa_column=stamp())


class WorkOrderPhoto(SQLModel, table=True):
    """A photo sent with a report: the channel's reference to it (WeChat's MediaId and
    PicUrl), never the bytes. Shown to staff of the community only."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="workorder.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    channel: str = Field(max_length=16)
    media_id: str = Field(default="", max_length=MEDIA_MAX)
    url: str = Field(default="", max_length=MEDIA_MAX)
    at: dt.datetime = Field(sa_column=stamp())


class WorkOrderTimer(SQLModel, table=True):
    """One SLA step that fired for an order (a reminder, an escalation, the auto-close):
    the unique (order, step) is what makes a step fire once, across restarts and processes."""

    __table_args__ = (UniqueConstraint("order_id", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="workorder.id", index=True)
    step: str = Field(max_length=40)
    fired_at: dt.datetime = Field(sa_column=stamp())
    sent: bool = True  # False: it came due too late to matter and was passed over


class Open311Key(SQLModel, table=True):
    """A key another system files Open311 requests with (`linli order apikey`): only its
    hash is stored, and the community its requests are filed in."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True)
    community_id: str = Field(max_length=80)
    key_hash: str = Field(max_length=64, unique=True)  # sha256 of the key, hex
    prefix: str = Field(max_length=12)  # the key's first characters, to tell keys apart
    user_id: int = Field(foreign_key="user.id")  # the account its requests are filed as
    created_at: dt.datetime = Field(sa_column=stamp())
    revoked_at: dt.datetime | None = when()


class Open311Request(SQLModel, table=True):
    """What an Open311 client sent with a work order beyond the order itself: the location
    and media it gave, and the reporter's contact (personal data: staff exports only)."""

    order_id: int = Field(foreign_key="workorder.id", primary_key=True)
    key_id: int = Field(foreign_key="open311key.id", index=True)
    lat: float | None = None
    long: float | None = None
    address_id: str = Field(default="", max_length=80)
    media_url: str = Field(default="", max_length=500)
    first_name: str = Field(default="", max_length=40)
    last_name: str = Field(default="", max_length=40)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=120)
    device_id: str = Field(default="", max_length=80)
    account_id: str = Field(default="", max_length=80)
