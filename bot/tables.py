"""Every table Linli has, in one explicit list: what the migrations are compared against
(and `create_schema` creates on a scratch database). A new domain's table is added here
(tests/test_layout.py checks that nothing is missing) and its migration written
(`linli db revision`; tests/bot/test_migrations.py checks that none is missing)."""

from __future__ import annotations

from sqlmodel import SQLModel

from bot.activities.models import Activity, Registration, ReminderLog, ReminderRun
from bot.announcements.models import Announcement, NoticeOptOut
from bot.channels.models import AccessToken, WeChatNonce
from bot.kb.models import KnowledgeEntry, KnowledgeVersion, UnansweredQuestion
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
