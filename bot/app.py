"""The one place Linli is wired: database, knowledge base, intents in order, dispatcher; the
channels' senders handed to the scheduler; `linli serve` and the terminal channel put together.
This is the only module that imports every room (tests/test_layout.py)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from bot.activities import service as activities
from bot.activities.demo import seed_activities
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.db import read_only
from bot.dispatcher import Dispatcher
from bot.errors import UserFacingError
from bot.intent import Intent
from bot.kb.store import (
    build_matcher,
    knowledge_version,
    local_changes,
    seed_demo,
    stored_entries,
)
from bot.metrics.registry import Metrics, shared_across_processes
from bot.orders.categories import load_categories
from bot.orders.deadlines import district_deadlines
from bot.outbox import notices
from bot.outbox.models import depth as outbox_depth
from bot.outbox.notifier import Notifier
from bot.tables import open_database, open_for_staff
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
from intents.names import NamesIntent
from intents.notices import NoticesIntent
from intents.order_desk import OrderDeskIntent
from intents.orders import OrdersIntent
from intents.shifts import VolunteersIntent
from intents.signin import SignInIntent
from intents.smalltalk import SmalltalkIntent
from intents.source import SourceIntent
from intents.staff import StaffIntent
from intents.subscriptions import SubscriptionsIntent
from knowledge.matcher import Matcher
from knowledge.phrases import CommandPhrases, example_entries
from scheduler.reminders import planned as planned_reminders

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from bot.channels.web import Lifespan
    from bot.channels.wechat_api import WeChatSender
    from bot.types import Outcome
    from scheduler.delivery import Sender

KNOWLEDGE_CHECK_SECONDS = 1.0  # how stale another process's knowledge edit can be here

__all__ = ["App", "build_app", "open_database", "open_for_staff", "planned_reminders", "serve"]


@dataclass
class App:
    """A running Linli: what the CLI, the channels and the tests talk to."""

    settings: Settings
    engine: Engine
    matcher: Matcher
    dispatcher: Dispatcher
    _: KW_ONLY  # the rest by name: two ints or objects side by side are easy to swap
    version: int = 0  # the stored base's version the matcher was built from
    _next_check: float = field(default=0.0, repr=False)  # time.monotonic() of the next read
    _changes_seen: int = field(default=-1, repr=False)  # local_changes() at the last read
    metrics: Metrics = field(default_factory=Metrics)  # what its dispatcher counts into
    _reloading: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reload_knowledge(self) -> None:
        """Rebuild the matcher from the database (after `kb import`)."""
        with Session(read_only(self.engine)) as session:
            self.version = knowledge_version(session)
            self.matcher = build_matcher(stored_entries(session), self.settings)

    def current_matcher(self) -> Matcher:
        """The matcher, rebuilt first when the stored base has changed since it was built:
        at once after a change this process made (the console, `kb import`), within
        KNOWLEDGE_CHECK_SECONDS after another process's (one small read at most that often,
        not one a question)."""
        now, changes = time.monotonic(), local_changes()
        if now < self._next_check and changes == self._changes_seen:
            return self.matcher
        # noted before the read: a change committed after it is noticed next time
        self._next_check, self._changes_seen = now + KNOWLEDGE_CHECK_SECONDS, changes
        with Session(read_only(self.engine)) as session:
            stored = knowledge_version(session)
        if stored != self.version:
            with self._reloading:  # one rebuild, however many threads noticed
                if stored != self.version:
                    self.reload_knowledge()
        return self.matcher


def build_app(settings: Settings, clock: Clock) -> App:
    """Open the database (loading the demo base on first start) and wire the dispatcher."""
    engine = open_database(settings)
    if settings.knowledge.load_demo:
        seed_demo(engine, clock().astimezone(settings.zone).date())
        seed_activities(engine, clock(), settings.zone)
    with Session(engine) as session:
        version = knowledge_version(session)
        matcher = build_matcher(stored_entries(session), settings)
    metrics = build_metrics(engine)
    app = App(
        settings, engine, matcher, Dispatcher(engine, [], clock), version=version, metrics=metrics
    )
    app.dispatcher = build_dispatcher(engine, app.current_matcher, settings, clock, metrics)
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
        NamesIntent(),
        SubscriptionsIntent(settings.announcements, timeout),
        AnnouncementsIntent(settings.announcements, settings.zone, timeout),
        HandoffIntent(settings.staff),
        HelpIntent(),
        NoticesIntent(),
        StaffIntent(notifier, settings.zone, timeout),
        SignInIntent(settings.console),
        # before activities, whose sign-up words would read "报修" as 报 + a title
        OrderDeskIntent(notifier, settings.zone),
        OrdersIntent(
            load_categories(settings.orders.categories),
            timeout,
            notifier,
            settings=settings.orders,
            deadlines=district_deadlines(settings),
        ),  # fmt: skip
        VolunteersIntent(settings.volunteers, settings.zone, timeout, notifier),
        ActivitiesIntent(
            settings.activities, settings.zone, timeout, notifier, settings.volunteers
        ),
        # after every command ("确认", "活动 5" are theirs), before the matcher, which would
        # answer "再见" or "5" with whatever it finds closest
        SmalltalkIntent(),
        SourceIntent(matcher),  # "出处" after an answer, before the matcher reads it as a question
        FaqIntent(matcher, settings.staff, timeout, metrics),  # last: it claims what is left
    ]
    finishers = [notices.with_unread_note]
    rephrase = CommandPhrases(build_matcher(example_entries(), settings, name="commands"))
    return Dispatcher(
        engine, intents, clock, finishers, observers=[metrics.handled], rephrase=rephrase
    )


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


def serve(settings: Settings, out: TextIO, clock: Clock = utcnow, workers: int = 1) -> int:
    """`linli serve`: the web server (WeChat, Telegram webhooks, the staff console at /admin),
    Telegram polling when configured, and the scheduler service with every channel's sender,
    until a signal. `workers` > 1 (PostgreSQL only): that many processes, each all of this;
    one of them leads the scheduler through the lease and every one delivers.

    Raises:
        UserFacingError: workers asked for on SQLite, or with Telegram polling.
    """
    # The server's modules load only here: `linli ask` must start fast.
    import uvicorn

    if workers > 1:
        return _serve_workers(settings, out, workers)
    app = build_app(settings, clock)
    background = Background(app, clock)
    _announce(settings, out, "")
    web = uvicorn.Config(
        background.web_app(), host=settings.server.host, port=settings.server.port,
        log_level="warning", lifespan="off",
        log_config=None,  # uvicorn logs through ours: redacted like every other line
    )  # fmt: skip
    background.start()
    # uvicorn returns on SIGINT / SIGTERM and then raises the signal again for the handler
    # that was there before: make that one just stop us, so the scheduler can finish the
    # messages in flight and hand the lease over instead of dying mid-send
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _sig, _frame: background.stop.set())
    uvicorn.Server(web).run()
    background.finish()
    return 0


class Background:
    """What runs beside one process's web server: the scheduler service (leader or standby)
    and Telegram polling when configured."""

    def __init__(self, app: App, clock: Clock):
        from scheduler.service import SchedulerService

        self.app, self.clock = app, clock
        self.stop = threading.Event()
        senders = channel_senders(app.engine, app.settings)
        self.service = SchedulerService(app.engine, app.settings, clock, senders, app.metrics)
        self._threads: list[threading.Thread] = []

    def web_app(self, lifespan: Lifespan | None = None) -> Starlette:
        """The ASGI app with the staff console at /admin, its /readyz told whether this
        process leads the scheduler."""
        from starlette.routing import Mount

        from bot.channels.web import create_web_app
        from bot.console.web import PREFIX, console_app

        console = [Mount(PREFIX, console_app(self.app, self.clock))]
        return create_web_app(
            self.app, console, leader=lambda: self.service.leader, lifespan=lifespan
        )

    def start(self) -> None:
        """Start the scheduler service's thread (and Telegram polling)."""
        from bot.channels import telegram

        runs: list[tuple[str, Callable[..., None], tuple[object, ...]]] = [
            ("scheduler", self.service.run, (self.stop,))
        ]
        settings = self.app.settings.telegram
        if settings.enabled and settings.mode == "polling":
            runs.append(("telegram", telegram.poll, (settings, self.app.dispatcher, self.stop)))
        for name, target, args in runs:
            thread = threading.Thread(target=target, args=args, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def finish(self) -> None:
        """Stop: the messages in flight are finished, the lease handed over."""
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


def _serve_workers(settings: Settings, out: TextIO, workers: int) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if make_url(settings.database_url).get_backend_name() == "sqlite":
        raise UserFacingError(
            "SQLite 同一时间只能有一个进程写入，linli serve 在 SQLite 上只跑一个进程："
            "去掉 --workers，或改用 PostgreSQL（见 docs/deploy.md）。\n"
            "SQLite has one writer at a time: run linli serve without --workers, "
            "or use PostgreSQL for several workers."
        )
    if settings.telegram.enabled and settings.telegram.mode == "polling":
        raise UserFacingError(
            "Telegram 的 polling 模式只能有一个进程取消息：多进程请用 webhook 模式。"
        )
    build_app(settings, utcnow).engine.dispose()  # schema and demo data once, not raced for
    config = uvicorn.Config(
        functools.partial(worker_app, shared_rates(settings, workers)), factory=True,
        workers=workers,
        host=settings.server.host, port=settings.server.port, log_level="warning",
        lifespan="on", log_config=None,
        timeout_worker_healthcheck=settings.server.worker_ping_seconds,
    )  # fmt: skip
    _announce(settings, out, f"，{workers} 个进程")
    with shared_across_processes():  # /metrics on any worker counts for all of them
        Multiprocess(config, sockets=[config.bind_socket()]).run()  # until SIGINT / SIGTERM
    return 0


def shared_rates(settings: Settings, workers: int) -> Settings:
    """Each of `workers` processes' settings: every channel's rate split between them (each
    process keeps its own token bucket, and all of them deliver: together they keep the
    configured rate; with one of them down, a little under it)."""
    split = {
        "wechat": {"per_second": settings.wechat.per_second / workers},
        "telegram": {"per_second": settings.telegram.per_second / workers},
        "delivery": {"console_per_second": settings.delivery.console_per_second / workers},
    }
    return settings.model_copy(
        update={name: getattr(settings, name).model_copy(update=change)
                for name, change in split.items()}
    )  # fmt: skip


def worker_app(settings: Settings) -> Starlette:
    """One worker process of `linli serve --workers N`: its own app, scheduler service and
    web app; the service runs while the web server does (the ASGI lifespan)."""
    from bot import logs

    logs.configure(settings)  # a fresh process: nothing of the parent's logging is here
    background = Background(build_app(settings, utcnow), utcnow)

    @contextlib.asynccontextmanager
    async def running(_web: Starlette) -> AsyncIterator[None]:
        background.start()
        try:
            yield
        finally:
            await asyncio.to_thread(background.finish)

    return background.web_app(running)


def _announce(settings: Settings, out: TextIO, workers: str) -> None:
    host, port = settings.server.host, settings.server.port
    channels = _channels(settings) + workers
    out.write(f"linli serve：http://{host}:{port} {channels}，按 Ctrl+C 停止。\n")
    out.flush()


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
