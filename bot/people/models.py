"""People's tables: roles, invites, attempt limits, link requests, audience tags, console
sign-in links and sessions, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime, when


class UserRole(SQLModel, table=True):
    """A role a user holds, in one community or district-wide (community_id empty)."""

    __table_args__ = (UniqueConstraint("user_id", "role", "community_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=16)  # resident | volunteer | staff | admin
    community_id: str = Field(default="", max_length=80)


class Invite(SQLModel, table=True):
    """A one-time code that gives a role (a volunteer or staff invite), or links a channel."""

    code: str = Field(primary_key=True, max_length=16)
    purpose: str = Field(max_length=16)  # role | link
    role: str = Field(default="", max_length=16)
    community_id: str = Field(default="", max_length=80)
    user_id: int | None = Field(default=None, foreign_key="user.id")  # link: whose account
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: dt.datetime | None = when(nullable=True)


class AttemptCount(SQLModel, table=True):
    """Failed tries of a guessable code (a link code, a check-in code) under one rule, by one
    sender or by everyone ("*"), in the current window; over the limit the key is locked out."""

    rule: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=40)  # a user id, or "*" for everyone
    failures: int = 0
    window_started_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    locked_until: dt.datetime | None = when(nullable=True)


class LinkRequest(SQLModel, table=True):
    """A channel identity that sent someone's link code: it joins that account only once the
    account's owner says "确认绑定" on their side."""

    __table_args__ = (Index("ix_linkrequest_pending", "user_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")  # the account that asked for the code
    identity_id: int = Field(foreign_key="channelidentity.id")  # the identity that sent it
    status: str = Field(default="pending", max_length=16)  # pending | confirmed | declined
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    decided_at: dt.datetime | None = when(nullable=True)


class UserTag(SQLModel, table=True):
    """An audience tag staff give a resident (e.g. 老年人, 党员, 家长) to target announcements."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    tag: str = Field(primary_key=True, max_length=32)


class SignInLink(SQLModel, table=True):
    """A one-time link into the staff console; only the token's SHA-256 is kept."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: dt.datetime | None = when(nullable=True)


class StaffSession(SQLModel, table=True):
    """A signed-in console session (its cookie's token, hashed); it ends on sign-out or
    after the idle timeout."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: dt.datetime | None = when(nullable=True)


class AuditEntry(SQLModel, table=True):
    """One staff action: who, what, on which object, the object before and after, when."""

    __table_args__ = (Index("ix_auditentry_actor_at", "actor_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="user.id")  # None: nobody known
    via: str = Field(max_length=16)  # console | chat | cli
    action: str = Field(max_length=40, index=True)
    target: str = Field(default="", max_length=120)  # what it acted on: "entry:dibao"
    community_id: str | None = Field(default=None, max_length=80)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
