"""The one path every message takes: dedupe, identify, continue a flow or route, record."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from bot import conversation
from bot.clock import Clock
from bot.db import session_scope
from bot.identity import find_identity, resolve_user
from bot.intent import Context, Intent
from bot.models import ProcessedMessage
from bot.types import Incoming, Outcome, Reply

logger = logging.getLogger(__name__)

APOLOGY = "抱歉，我这边刚才出了点小问题 🙏 请稍后再试一次，或发“找人工”联系社区工作人员。"
MAX_KEY = 128  # a sender's id on its channel, and a message id, as stored
MAX_TEXT = 2000  # longer messages are cut before matching: nobody types more in one bubble
_ATTEMPTS = 3

Finisher = Callable[[Context, Outcome], Outcome]
"""A last word on every routed outcome, in the same transaction (e.g. "you have unread
notices"): the wiring hands them in, so the core knows no domain."""
Observer = Callable[[Incoming, Outcome], None]
"""Told of every message and its outcome after it was handled (the metrics count them)."""
Peek = Callable[[Session], bool]
"""A yes-or-no question a channel asks of the database in the message's own transaction
(WeChat: did another process already queue this message's answer?): one more read there
instead of a transaction of its own."""


class Dispatcher:
    """Turns an Incoming into an Outcome. Safe to call from several threads and processes."""

    def __init__(
        self,
        engine: Engine,
        intents: Sequence[Intent],
        clock: Clock,
        finishers: Sequence[Finisher] = (),
        observers: Sequence[Observer] = (),
        rephrase: Callable[[str], str | None] | None = None,
    ):
        self.engine = engine
        # a message nothing could answer may be one of the commands in other words
        # ("报了名去不了了" is "取消报名"): the wiring hands in what reads it that way
        self.rephrase = rephrase
        self.observers = list(observers)
        self.intents = list(intents)
        self.clock = clock
        self.finishers = list(finishers)
        self._flows: dict[str, Intent] = {}
        for intent in self.intents:
            for flow in intent.flows:
                if flow in self._flows:  # the later one would silently take the other's replies
                    owner = self._flows[flow].name
                    raise ValueError(f"flow {flow!r} claimed by {owner} and {intent.name}")
                self._flows[flow] = intent

    def handle(self, incoming: Incoming) -> Outcome:
        """Handle one message once; a re-delivered message gets the stored outcome."""
        return self.handle_peeking(incoming, None)[0]

    def handle_peeking(self, incoming: Incoming, peek: Peek | None) -> tuple[Outcome, bool | None]:
        """`handle`, and the answer to `peek` read in the same transaction, after the
        message was handled or found handled (None: not asked, or the database refused)."""
        outcome, peeked = self._handle(incoming, peek)
        for observe in self.observers:
            observe(incoming, outcome)
        return outcome, peeked

    def _handle(self, incoming: Incoming, peek: Peek | None) -> tuple[Outcome, bool | None]:
        if not 0 < len(incoming.user_key) <= MAX_KEY or len(incoming.msg_id or "") > MAX_KEY:
            logger.warning("%s message refused: sender or message id empty or too long",
                           incoming.channel)  # fmt: skip
            return Outcome("refused", ()), None
        if len(incoming.text) > MAX_TEXT:
            incoming = _shortened(incoming)
        for attempt in range(_ATTEMPTS):
            try:
                return self._handle_once(incoming, peek)
            except OperationalError:  # the database is down, read-only or full: nothing stored
                logger.exception(
                    "message from %s not handled: the database refused", incoming.channel
                )
                return Outcome("error", (Reply(APOLOGY),)), None
            except IntegrityError:
                # Another process handled the same message id, or created the same user, first.
                stored = self._stored(incoming, peek)
                if stored is not None:
                    return stored
                logger.info("retrying message after a concurrent write (attempt %s)", attempt + 1)
        return Outcome("error", (Reply(APOLOGY),)), None

    def _handle_once(self, incoming: Incoming, peek: Peek | None) -> tuple[Outcome, bool | None]:
        with session_scope(self.engine) as session:
            stored = self._lookup(session, incoming)
            if stored is not None:
                return stored, _peeked(session, peek)
            now = self.clock()
            seen_at = incoming.received_at or now
            user = resolve_user(session, incoming.channel, incoming.user_key, seen_at, seen=True)
            ctx = Context(session, user, incoming, now)
            outcome = self._route(ctx)
            for finish in self.finishers:
                outcome = finish(ctx, outcome)
            if incoming.msg_id:
                session.add(
                    ProcessedMessage(
                        channel=incoming.channel,
                        msg_id=incoming.msg_id,
                        user_id=ctx.user_id,
                        outcome=outcome.to_json(),
                        created_at=now,
                    )
                )
                session.flush()
            return outcome, _peeked(session, peek)

    def _route(self, ctx: Context) -> Outcome:
        pending = conversation.pending(ctx.session, ctx.user_id, ctx.now)
        if pending is not None and pending.flow in self._flows:
            owner = self._flows[pending.flow]
            outcome = self._guarded(owner, ctx, lambda: owner.resume(ctx, pending))
            if outcome is not None:
                return outcome
            conversation.finish(ctx.session, ctx.user_id)  # not a reply to it: never trap
        attempt = ctx.session.begin_nested()
        outcome = self._claimed(ctx)
        command = None
        if self.rephrase is not None and outcome.intent == "fallback":
            command = self.rephrase(ctx.text)
        if command is None or command == ctx.text:
            attempt.commit()
            return outcome
        attempt.rollback()  # the fallback's note for staff goes too, unless it stands
        retry = ctx.session.begin_nested()
        incoming = dataclasses.replace(ctx.incoming, text=command)
        rephrased = self._claimed(dataclasses.replace(ctx, incoming=incoming))
        if rephrased.intent not in ("fallback", "error"):
            retry.commit()
            return rephrased
        retry.rollback()
        return self._claimed(ctx)

    def _claimed(self, ctx: Context) -> Outcome:
        """The outcome of the first intent, in order, that claims the message."""
        for intent in self.intents:
            outcome = self._guarded(intent, ctx, lambda i=intent: i.handle(ctx))  # type: ignore[misc]
            if outcome is not None:
                return outcome
        return Outcome("error", (Reply(APOLOGY),))

    def _guarded(
        self, intent: Intent, ctx: Context, call: Callable[[], Outcome | None]
    ) -> Outcome | None:
        """The error boundary around one intent: its writes are undone, the resident gets
        one short apology, and the traceback goes to the log."""
        savepoint = ctx.session.begin_nested()
        try:
            outcome = call()
        except Exception:
            savepoint.rollback()
            logger.exception("intent %s failed on a %s message", intent.name, ctx.incoming.kind)
            return Outcome("error", (Reply(APOLOGY),))
        savepoint.commit()
        return outcome

    def _lookup(self, session: Session, incoming: Incoming) -> Outcome | None:
        if not incoming.msg_id:
            return None
        done = session.get(ProcessedMessage, (incoming.channel, incoming.msg_id))
        if done is None:
            return None
        sender = find_identity(session, incoming.channel, incoming.user_key)
        if sender is None or sender.user_id != done.user_id:
            # another sender's message id: never show them that person's reply
            logger.warning("%s message id reused by another sender: refused", incoming.channel)
            return Outcome("refused", (), replayed=True)
        return dataclasses.replace(Outcome.from_json(done.outcome), replayed=True)

    def _stored(self, incoming: Incoming, peek: Peek | None) -> tuple[Outcome, bool | None] | None:
        with Session(self.engine) as session:
            stored = self._lookup(session, incoming)
            return None if stored is None else (stored, _peeked(session, peek))


def _peeked(session: Session, peek: Peek | None) -> bool | None:
    return None if peek is None else peek(session)


def _shortened(incoming: Incoming) -> Incoming:
    return dataclasses.replace(incoming, text=incoming.text[:MAX_TEXT])
