"""The one place Linli is wired: database, knowledge base, intents in order, dispatcher."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.activities.demo import seed_activities
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.db import make_engine
from bot.dispatcher import Dispatcher
from bot.intent import Intent
from bot.kb.store import build_matcher, seed_demo, stored_entries
from bot.migrations import open_schema
from bot.outbox.notifier import Notifier
from bot.tables import TABLES
from intents.activities import ActivitiesIntent
from intents.announcements import AnnouncementsIntent
from intents.channel_events import ChannelEventsIntent
from intents.community import CommunityIntent
from intents.faq import FaqIntent
from intents.handoff import HandoffIntent
from intents.help import HelpIntent
from intents.invites import InvitesIntent
from intents.link import LinkIntent
from intents.notices import NoticesIntent
from intents.shifts import VolunteersIntent
from intents.staff import StaffIntent
from intents.subscriptions import SubscriptionsIntent
from knowledge.matcher import Matcher


@dataclass
class App:
    """A running Linli: what the CLI, the channels and the tests talk to."""

    settings: Settings
    engine: Engine
    matcher: Matcher
    dispatcher: Dispatcher

    def reload_knowledge(self) -> None:
        """Rebuild the matcher from the database (after `kb import`)."""
        with Session(self.engine) as session:
            self.matcher = build_matcher(stored_entries(session), self.settings)


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


def build_app(settings: Settings, clock: Clock) -> App:
    """Open the database (loading the demo base on first start) and wire the dispatcher."""
    engine = open_database(settings)
    if settings.knowledge.load_demo:
        seed_demo(engine, clock().astimezone(settings.zone).date())
        seed_activities(engine, clock(), settings.zone)
    with Session(engine) as session:
        matcher = build_matcher(stored_entries(session), settings)
    app = App(settings, engine, matcher, Dispatcher(engine, [], clock))
    app.dispatcher = build_dispatcher(engine, lambda: app.matcher, settings, clock)
    return app


def build_dispatcher(
    engine: Engine,
    matcher: Callable[[], Matcher],
    settings: Settings,
    clock: Clock,
) -> Dispatcher:
    """The dispatcher with every intent, in the order they are tried (the intent registry)."""
    timeout = dt.timedelta(minutes=settings.conversation.timeout_minutes)
    community = CommunityIntent(timeout)
    notifier = Notifier(settings.zone, clock)
    intents: list[Intent] = [
        ChannelEventsIntent(community),
        community,
        LinkIntent(notifier),
        # exact commands before "找人工": "邀请工作人员" is not a request for a person
        InvitesIntent(),
        SubscriptionsIntent(settings.announcements, timeout),
        AnnouncementsIntent(settings.announcements, settings.zone, timeout),
        HandoffIntent(settings.staff),
        HelpIntent(),
        NoticesIntent(),
        StaffIntent(notifier),
        VolunteersIntent(settings.volunteers, settings.zone, timeout, notifier),
        ActivitiesIntent(settings.activities, settings.zone, timeout, notifier),
        FaqIntent(matcher, settings.staff, timeout),  # last: it claims whatever is left
    ]
    return Dispatcher(engine, intents, clock)
