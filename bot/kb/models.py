"""The knowledge base's tables: stored entries and the unanswered-question log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime, when


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
    # archived by staff instead of deleted: kept (with its history), no longer answered
    archived: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


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
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolved_at: dt.datetime | None = when(nullable=True)
    # how staff closed it in the console: paraphrase | new_entry | answered | ignored
    resolution: str | None = Field(default=None, max_length=16)
    resolved_by: int | None = None  # the staff member's user id


class KnowledgeVersion(SQLModel, table=True):
    """One row: a counter every change to the stored entries moves on (in the change's own
    transaction), so every process sees, on its next message, that its matcher is stale."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0
