"""Every table Linli has, in one explicit list: what the migrations are compared against
(and `create_schema` creates on a scratch database). A new domain's table is added here
(tests/test_layout.py checks that nothing is missing) and its migration written
(`linli db revision`; tests/bot/test_migrations.py checks that none is missing). Also the
database opened at their schema, for the commands that need no more of the wiring (which
loads every intent and the matcher: bot/app.py)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.activities.models import Activity, Registration, ReminderLog, ReminderRun
from bot.announcements.models import Announcement, NoticeOptOut
from bot.channels.models import AccessToken, WeChatNonce
from bot.clock import utcnow
from bot.config import Settings
from bot.db import make_engine
from bot.kb.models import KnowledgeEntry, KnowledgeVersion, UnansweredQuestion
from bot.kb.store import seed_demo
from bot.migrations import open_schema
from bot.models import (
    ChannelIdentity,
    Community,
    Conversation,
    ProcessedMessage,
    SchedulerLease,
    User,
)
from bot.orders.models import (
    Open311Key,
    Open311Request,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderFollower,
    WorkOrderPhoto,
    WorkOrderTimer,
)
from bot.outbox.models import Outbox
from bot.people.models import (
    AttemptCount,
    AuditEntry,
    Invite,
    LinkRequest,
    SignInLink,
    StaffSession,
    UserRole,
    UserTag,
)
from bot.reports.models import MadeReport
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, ShiftTemplate, VolunteerSkill

TABLES: tuple[type[SQLModel], ...] = (
    # the core
    User, ChannelIdentity, Community, Conversation, ProcessedMessage, SchedulerLease,
    # people
    UserRole, Invite, AttemptCount, LinkRequest, UserTag, SignInLink, StaffSession, AuditEntry,
    # outbox
    Outbox,
    # knowledge base
    KnowledgeEntry, UnansweredQuestion, KnowledgeVersion,
    # channels
    AccessToken, WeChatNonce,
    # activities
    Activity, Registration, ReminderLog, ReminderRun,
    # announcements
    Announcement, NoticeOptOut,
    # volunteer shifts
    ShiftPost, ShiftTemplate, Shift, ShiftAssignment, VolunteerSkill,
    # work orders
    WorkOrder, WorkOrderEvent, WorkOrderFollower, WorkOrderPhoto, WorkOrderTimer,
    Open311Key, Open311Request,
    # reports
    MadeReport,
)  # fmt: skip


def open_database(settings: Settings) -> Engine:
    """The engine for the configured database, its schema at this Linli's version: an empty
    database gets it, an older one is refused unless `auto_upgrade` (bot/migrations).

    Raises:
        SchemaNotCurrent: the database is not at this version; the message says what to do.
    """
    engine = make_engine(settings.database_url, echo=settings.database.echo)
    try:
        open_schema(engine, TABLES, auto_upgrade=settings.database.auto_upgrade)
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_for_staff(settings: Settings) -> Engine:
    """The database as a staff command finds it: the schema, and the demo district's
    communities on a first start (as `linli chat` would load them)."""
    engine = open_database(settings)
    if settings.knowledge.load_demo:
        seed_demo(engine, utcnow().astimezone(settings.zone).date())
    return engine
