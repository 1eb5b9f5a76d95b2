"""The core's tables: who is talking (users, their channel identities, their
community), pending conversations, processed messages, the scheduler lease. All datetimes
are stored timezone-aware (UTC); a timestamp column has no default: whoever writes a row
says when, by the clock it runs on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Set here, before the first table is defined (every domain's models import this module
# first): constraint names are fixed when a table is defined, and migrations need names to
# alter or drop a constraint (on SQLite, batch migrations rebuild tables by them). They are
# PostgreSQL's own default names, so a database that `create_all` made before there were
# migrations already carries them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def when(nullable: bool = True) -> Any:
    """An optional timestamp column (None until it happens)."""
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def stamp() -> Column[dt.datetime]:
    """A required timestamp column (wrapped in Field(...) where used, so the type checker
    sees the field is required)."""
    return Column(UTCDateTime(), nullable=False)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored in UTC and read back aware, on SQLite as on PostgreSQL.

    SQLite keeps no offset, so a naive value going in is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Linli stores timezone-aware datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class User(SQLModel, table=True):
    """A person Linli talks to; one user may reach us through several channels."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = Field(default=None, max_length=64)
    community_id: str | None = Field(default=None, max_length=80)
    preferred_channel: str | None = Field(default=None, max_length=16)  # where notices go
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ChannelIdentity(SQLModel, table=True):
    """How a user is known on one channel (WeChat openid, Telegram chat id, console name)."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=128)
    user_id: int = Field(foreign_key="user.id", index=True)
    # the last message from this identity: WeChat lets us write back for 48 hours after it
    last_seen_at: dt.datetime | None = when(nullable=True)
    unsubscribed_at: dt.datetime | None = when(nullable=True)  # no pushes after this


class Community(SQLModel, table=True):
    """A community (社区) of the district."""

    id: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=64)
    street: str = Field(default="", max_length=64)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Conversation(SQLModel, table=True):
    """A pending multi-step flow of one user (one at a time), with its deadline."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    flow: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProcessedMessage(SQLModel, table=True):
    """A message already handled, with the replies it got: a re-delivery gets them again
    (and "出处" finds the user's last answer by the index on user and time)."""

    __table_args__ = (Index("ix_processedmessage_user_time", "user_id", "created_at"),)

    channel: str = Field(primary_key=True, max_length=16)
    msg_id: str = Field(primary_key=True, max_length=128)
    user_id: int = Field(foreign_key="user.id")
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


SCHEDULER_LEASE = "scheduler"  # the lease row of the one process that runs scheduled work


class SchedulerLease(SQLModel, table=True):
    """Which process runs the scheduler; the lease must be renewed before it expires."""

    name: str = Field(primary_key=True, max_length=32)
    owner: str = Field(max_length=80)
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
