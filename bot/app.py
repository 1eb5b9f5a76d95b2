"""The one place Linli is wired: database, knowledge base, intents in order, dispatcher; the
channels' senders handed to the scheduler; `linli serve` and the terminal channel put together.
This is the only module that imports every room (tests/test_layout.py)."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.activities import service as activities
from bot.activities.demo import seed_activities
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.db import make_engine
from bot.dispatcher import Dispatcher
from bot.intent import Intent
from bot.kb.store import build_matcher, seed_demo, stored_entries
from bot.metrics.registry import Metrics
from bot.migrations import open_schema
from bot.outbox import notices
from bot.outbox.models import depth as outbox_depth
from bot.outbox.notifier import Notifier
from bot.tables import TABLES
from intents.activities import ActivitiesIntent
from intents.activity_seats import SeatOfferIntent
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
from intents.smalltalk import SmalltalkIntent
from intents.staff import StaffIntent
from intents.subscriptions import SubscriptionsIntent
from knowledge.matcher import Matcher
from scheduler.reminders import planned as planned_reminders

if TYPE_CHECKING:
    from bot.channels.wechat_api import WeChatSender
    from bot.types import Outcome
    from scheduler.delivery import Sender

__all__ = ["App", "build_app", "open_database", "open_for_staff", "planned_reminders", "serve"]


@dataclass
class App:
    """A running Linli: what the CLI, the channels and the tests talk to."""

    settings: Settings
    engine: Engine
    matcher: Matcher
    dispatcher: Dispatcher
    metrics: Metrics = field(default_factory=Metrics)  # what its dispatcher counts into

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
    metrics = build_metrics(engine)
    app = App(settings, engine, matcher, Dispatcher(engine, [], clock), metrics)
    app.dispatcher = build_dispatcher(engine, lambda: app.matcher, settings, clock, metrics)
    return app


def build_dispatcher(
    engine: Engine,
    matcher: Callable[[], Matcher],
    settings: Settings,
    clock: Clock,
    metrics: Metrics | None = None,
) -> Dispatcher:
    """The dispatcher with every intent, in the order they are tried (the intent registry);
    what they do is counted in `metrics` (by default, metrics of its own)."""
    timeout = dt.timedelta(minutes=settings.conversation.timeout_minutes)
    metrics = metrics or Metrics()
    community = CommunityIntent(timeout)
    notifier = Notifier(settings.zone, clock)
    intents: list[Intent] = [
        ChannelEventsIntent(community),
        community,
        LinkIntent(notifier, movers=[activities.move_registrations]),
        SeatOfferIntent(settings.zone),  # a yes to a held seat, before any small talk
        # exact commands before "找人工": "邀请工作人员" is not a request for a person
        InvitesIntent(),
        SubscriptionsIntent(settings.announcements, timeout),
        AnnouncementsIntent(settings.announcements, settings.zone, timeout),
        HandoffIntent(settings.staff),
        HelpIntent(),
        NoticesIntent(),
        StaffIntent(notifier, settings.zone, timeout),
        VolunteersIntent(settings.volunteers, settings.zone, timeout, notifier),
        ActivitiesIntent(settings.activities, settings.zone, timeout, notifier),
        # after every command ("确认", "活动 5" are theirs), before the matcher, which would
        # answer "再见" or "5" with whatever it finds closest
        SmalltalkIntent(),
        FaqIntent(matcher, settings.staff, timeout, metrics),  # last: it claims what is left
    ]
    finishers = [notices.with_unread_note]
    return Dispatcher(engine, intents, clock, finishers, observers=[metrics.handled])


def build_metrics(engine: Engine) -> Metrics:
    """The app's metrics, with the gauges read from the database when scraped."""
    metrics = Metrics()

    def depth() -> dict[str, float]:
        with Session(engine) as session:
            return {status: float(n) for status, n in outbox_depth(session).items()}

    metrics.watch("linli_outbox_depth", "Outbox rows not yet done, by status", "status", depth)
    return metrics


def channel_senders(engine: Engine, settings: Settings) -> dict[str, Sender]:
    """A sender for every configured channel (the terminal one always)."""
    from bot.channels.telegram import TelegramSender
    from scheduler.delivery import ConsoleSender

    log = settings.home / "console-outbox.jsonl"
    senders: dict[str, Sender] = {
        "console": ConsoleSender(log, settings.delivery.console_per_second)
    }
    if settings.wechat.enabled:
        senders["wechat"] = wechat_sender(engine, settings)
    if settings.telegram.enabled:
        senders["telegram"] = TelegramSender(settings.telegram)
    return senders


def wechat_sender(engine: Engine, settings: Settings) -> WeChatSender:
    """The WeChat sender with its shared token store."""
    import httpx

    from bot.channels.wechat_api import TokenStore, WeChatAPI, WeChatSender

    # TCP_NODELAY: a request's headers and body go out as two writes; with Nagle's algorithm
    # the body waits for the server's delayed ACK, 40 ms per message
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    transport = httpx.HTTPTransport(socket_options=nodelay)
    http = httpx.Client(timeout=10, trust_env=False, transport=transport)
    tokens = TokenStore(engine, settings.wechat, http)
    return WeChatSender(engine, settings.wechat, WeChatAPI(settings.wechat, tokens, http))


def serve(settings: Settings, out: TextIO, clock: Clock = utcnow) -> int:
    """`linli serve`: the web server (WeChat, Telegram webhooks), Telegram polling when
    configured, and the scheduler service with every channel's sender, until a signal."""
    # The server's modules load only here: `linli ask` must start fast.
    import uvicorn

    from bot.channels import telegram
    from bot.channels.web import create_web_app
    from scheduler.service import SchedulerService

    app = build_app(settings, clock)
    stop = threading.Event()
    senders = channel_senders(app.engine, settings)
    service = SchedulerService(app.engine, settings, clock, senders, app.metrics)
    worker = threading.Thread(target=service.run, args=(stop,), name="scheduler", daemon=True)
    worker.start()
    if settings.telegram.enabled and settings.telegram.mode == "polling":
        args_ = (settings.telegram, app.dispatcher, stop)
        threading.Thread(target=telegram.poll, args=args_, name="telegram", daemon=True).start()
    host, port = settings.server.host, settings.server.port
    out.write(f"linli serve：http://{host}:{port} {_channels(settings)}，按 Ctrl+C 停止。\n")
    out.flush()
    web = uvicorn.Config(
        create_web_app(app, leader=lambda: service.leader),
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        log_config=None,  # uvicorn logs through ours: redacted like every other line
    )
    # uvicorn returns on SIGINT / SIGTERM and then raises the signal again for the handler
    # that was there before: make that one just stop us, so the scheduler can finish the
    # messages in flight and hand the lease over instead of dying mid-send
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _sig, _frame: stop.set())
    uvicorn.Server(web).run()
    stop.set()
    worker.join(timeout=30)
    return 0


def _channels(settings: Settings) -> str:
    on = [
        name
        for name, enabled in (
            ("微信", settings.wechat.enabled),
            ("Telegram", settings.telegram.enabled),
        )
        if enabled
    ]
    return "、".join(on) if on else "（未启用微信和 Telegram）"


def chat(app: App, user: str, stdin: TextIO, stdout: TextIO) -> int:
    """`linli chat`: the terminal channel, a prompt for people or one message per line."""
    from bot.channels import console

    tty = stdin.isatty()
    lines: Iterator[str] = console.prompted_lines(stdout) if tty else iter(stdin)
    return console.chat(app.dispatcher, user, lines, stdout, tty)


def ask(app: App, user: str, text: str) -> tuple[Outcome, str]:
    """One terminal message (`linli ask`): the outcome and the text the terminal shows."""
    from bot.channels import console

    outcome = app.dispatcher.handle(console.incoming(user, text))
    return outcome, console.render(outcome)
