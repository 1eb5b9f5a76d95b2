"""Database tables (sqlmodel). All datetimes are stored timezone-aware (UTC)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """Now, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def _when(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class User(SQLModel, table=True):
    """A person Linli talks to; one user may reach us through several channels."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = Field(default=None, max_length=64)
    community_id: str | None = Field(default=None, max_length=80)
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ChannelIdentity(SQLModel, table=True):
    """How a user is known on one channel (WeChat openid, Telegram chat id, console name)."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=128)
    user_id: int = Field(foreign_key="user.id", index=True)


class UserRole(SQLModel, table=True):
    """A role a user holds, in one community or district-wide (community_id empty)."""

    __table_args__ = (UniqueConstraint("user_id", "role", "community_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=16)  # resident | volunteer | staff | admin
    community_id: str = Field(default="", max_length=80)


class Community(SQLModel, table=True):
    """A community (社区) of the district."""

    id: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=64)
    street: str = Field(default="", max_length=64)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class KnowledgeEntry(SQLModel, table=True):
    """A knowledge entry as stored; knowledge.entry.Entry is its in-memory twin."""

    id: str = Field(primary_key=True, max_length=80)
    category: str = Field(max_length=16)
    community_id: str | None = Field(default=None, max_length=80)
    question: str
    paraphrases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answer: str
    source: str
    updated_at: dt.date


class Conversation(SQLModel, table=True):
    """A pending multi-step flow of one user (one at a time), with its deadline."""

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    flow: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ProcessedMessage(SQLModel, table=True):
    """A message already handled, with the replies it got: a re-delivery gets them again."""

    channel: str = Field(primary_key=True, max_length=16)
    msg_id: str = Field(primary_key=True, max_length=128)
    user_id: int = Field(foreign_key="user.id")
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class UnansweredQuestion(SQLModel, table=True):
    """A question Linli could not answer, or a request for a person, for staff to follow up."""

    __table_args__ = (Index("ix_unanswered_open", "kind", "resolved_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    channel: str = Field(max_length=16)
    kind: str = Field(max_length=16)  # fallback | handoff
    text: str = Field(max_length=2000)
    best_entry_id: str | None = Field(default=None, max_length=80)
    confidence: float | None = None
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    resolved_at: dt.datetime | None = _when(nullable=True)
