"""Database tables (sqlmodel). All datetimes are stored timezone-aware (UTC); a timestamp
column has no default: whoever writes a row says when, by the clock it runs on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


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


def _when(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


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
    last_seen_at: dt.datetime | None = _when(nullable=True)
    unsubscribed_at: dt.datetime | None = _when(nullable=True)  # no pushes after this


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
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ProcessedMessage(SQLModel, table=True):
    """A message already handled, with the replies it got: a re-delivery gets them again."""

    channel: str = Field(primary_key=True, max_length=16)
    msg_id: str = Field(primary_key=True, max_length=128)
    user_id: int = Field(foreign_key="user.id")
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


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
    resolved_at: dt.datetime | None = _when(nullable=True)


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
    offer_expires_at: dt.datetime | None = _when(nullable=True)
    rating: int | None = None
    comment: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class Outbox(SQLModel, table=True):
    """A message to push to a user (not a reply): delivered by the delivery job, once."""

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
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
    sent_at: dt.datetime | None = _when(nullable=True)
    # a notice that could not be pushed is told on the resident's next message, then read
    announced_at: dt.datetime | None = _when(nullable=True)
    read_at: dt.datetime | None = _when(nullable=True)


class ReminderLog(SQLModel, table=True):
    """What became of each reminder: queued once (sent) or missed; never twice."""

    __table_args__ = (UniqueConstraint("registration_id", "offset_minutes"),)
    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id")
    offset_minutes: float
    due_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    outcome: str = Field(max_length=16)  # queued | missed | skipped
    recorded_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SchedulerLease(SQLModel, table=True):
    """Which process runs the scheduler; the lease must be renewed before it expires."""

    name: str = Field(primary_key=True, max_length=32)
    owner: str = Field(max_length=80)
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AccessToken(SQLModel, table=True):
    """A platform access token shared by every process (one refresher at a time)."""

    app_id: str = Field(primary_key=True, max_length=64)
    token: str = Field(default="", max_length=600)
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    fetches: int = 0


class ReminderRun(SQLModel, table=True):
    """A reminder job that has run, for the activity time it was planned for."""

    __table_args__ = (UniqueConstraint("activity_id", "offset_minutes", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    offset_minutes: float
    due_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    outcome: str = Field(max_length=16)  # queued | missed
    ran_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Invite(SQLModel, table=True):
    """A one-time code that gives a role (a volunteer or staff invite), or links a channel."""

    code: str = Field(primary_key=True, max_length=16)
    purpose: str = Field(max_length=16)  # role | link
    role: str = Field(default="", max_length=16)
    community_id: str = Field(default="", max_length=80)
    user_id: int | None = Field(default=None, foreign_key="user.id")  # link: whose account
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: dt.datetime | None = _when(nullable=True)


# --- guessable codes: attempt limits (bot/attempts.py) and link confirmations (bot/invites.py)


class AttemptCount(SQLModel, table=True):
    """Failed tries of a guessable code (a link code, a check-in code) under one rule, by one
    sender or by everyone ("*"), in the current window; over the limit the key is locked out."""

    rule: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=40)  # a user id, or "*" for everyone
    failures: int = 0
    window_started_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    locked_until: dt.datetime | None = _when(nullable=True)


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
    decided_at: dt.datetime | None = _when(nullable=True)


class WeChatNonce(SQLModel, table=True):
    """A (timestamp, nonce) pair a WeChat request was signed with, and a digest of the message
    it carried: the pair is good for that message only (bot/channels/wechat_replay.py), until
    its timestamp is too old to be accepted anyway."""

    timestamp: str = Field(primary_key=True, max_length=16)
    nonce: str = Field(primary_key=True, max_length=64)
    digest: str = Field(max_length=64)  # sha256 of the message XML acted on
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
