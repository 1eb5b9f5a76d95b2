"""Every WeChat request is answered within the reply budget, whatever the load: with the
passive reply, or with "success" and then the answer through the outbox, once.

Copies of one message (WeChat re-sends one it got no answer to) share one piece of work in
this process, so eight copies queue once for the database, not eight times. All the database
work runs on this module's own thread pool, never on the event loop, and every wait for it is
bounded by the request's deadline. The decisions (passive or late) are taken on the event
loop, between awaits, so they cannot race each other.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.channels.wechat import SUCCESS, Envelope, WebhookError, WeChatWebhook
from bot.channels.wechat_replay import Claim, Claimer
from bot.db import session_scope
from bot.dispatcher import Dispatcher
from bot.identity import resolve_user
from bot.outbox.models import Outbox
from bot.types import Incoming, Outcome

logger = logging.getLogger(__name__)
RETAIN_SECONDS = 60.0  # a finished message answers its later re-sends from memory this long
_T = TypeVar("_T")


@dataclass(frozen=True)
class Done:
    """What the work for one message came to."""

    outcome: Outcome
    late_elsewhere: bool  # another process already queued its answer in the outbox


@dataclass
class Flight:
    """The work for one message in this process. `late` is set, only while the work is not
    done, when a copy stopped waiting for it: the answer then goes by the outbox."""

    incoming: Incoming
    work: asyncio.Future[Done]
    late: bool = False


@dataclass
class Copy:
    """One request carrying a message."""

    envelope: Envelope
    incoming: Incoming | None  # None: an event answered "success" only
    claimed: bool = False  # its (timestamp, nonce) is taken for this message
    gave_up: bool = False  # the budget ran out and it was answered "success"


class Responder:
    """Answers WeChat requests: replay check, one piece of work per message, the reply."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        engine: Engine,
        webhook: WeChatWebhook,
        claimer: Claimer,
        pool: Executor,
    ):
        self.dispatcher = dispatcher
        self.engine = engine
        self.webhook = webhook
        self.claimer = claimer
        self.pool = pool
        self._flights: dict[str, Flight] = {}
        self._finished: collections.deque[tuple[float, str]] = collections.deque()

    async def answer(self, envelope: Envelope, incoming: Incoming | None, deadline: float) -> bytes:
        """The response body for one verified request, by `deadline` (event-loop time).

        Returns:
            The passive reply XML, or "success" when there is none or the outbox answers.

        Raises:
            WebhookError: 403 when the request's timestamp and nonce carried another message.
        """
        copy = Copy(envelope, incoming)
        handling = asyncio.ensure_future(self._handle(copy))
        timeout = max(0.0, deadline - asyncio.get_running_loop().time())
        done, _ = await asyncio.wait({handling}, timeout=timeout)
        if done:
            return handling.result()
        copy.gave_up = True
        handling.add_done_callback(_log_failure)
        return self._time_is_up(copy)

    async def _handle(self, copy: Copy) -> bytes:
        envelope = copy.envelope
        claim = Claim(envelope.timestamp, envelope.nonce, envelope.digest)
        if not await self.claimer.claim(claim):
            raise WebhookError(403, f"replay: timestamp {envelope.timestamp} and nonce "
                               f"{envelope.nonce} already carried another message")  # fmt: skip
        copy.claimed = True
        if copy.incoming is None:
            return SUCCESS
        flight = self._join(copy, copy.incoming)
        done = await asyncio.shield(flight.work)  # one copy giving up never stops the work
        return self._render(copy, flight, done)

    def _join(self, copy: Copy, incoming: Incoming) -> Flight:
        """The flight of this copy's message, started by the first copy to get here."""
        key = _flight_key(incoming)
        flight = self._flights.get(key)
        if flight is None:
            self._forget_finished()
            flight = Flight(incoming, asyncio.ensure_future(self._run(self._work, incoming)))
            self._flights[key] = flight
            flight.work.add_done_callback(functools.partial(self._landed, key, flight))
        if copy.gave_up:
            self._answer_late(flight)
        return flight

    def _answer_late(self, flight: Flight) -> None:
        """A copy was told "success": the outbox answers the message, once. Also when the
        work is done and another copy got the passive reply: a copy arriving later is WeChat
        re-sending, so that reply did not reach it."""
        if not flight.work.done():
            flight.late = True  # _landed queues the answer
        elif not flight.late and _succeeded(flight.work):
            flight.late = True
            self._queue_late(flight)

    def _time_is_up(self, copy: Copy) -> bytes:
        """The budget ran out. The answer may have landed a moment ago (its copy had not run
        on yet): give it. Otherwise "success", and the message's answer goes late."""
        if not copy.claimed or copy.incoming is None:
            return SUCCESS  # still being checked: _join marks the flight late if it starts
        flight = self._flights[_flight_key(copy.incoming)]
        if flight.work.done() and _succeeded(flight.work):
            return self._render(copy, flight, flight.work.result())
        if not flight.work.done():
            flight.late = True
        return SUCCESS

    def _render(self, copy: Copy, flight: Flight, done: Done) -> bytes:
        if flight.late or done.late_elsewhere:
            return SUCCESS  # a copy ran out of time, here or elsewhere: the outbox answers
        return self.webhook.reply(copy.envelope, done.outcome)

    def _landed(self, key: str, flight: Flight, work: asyncio.Future[Done]) -> None:
        """The work is done (on the event loop; `late` is final now): queue the late answer."""
        if _succeeded(work):
            self._finished.append((time.monotonic(), key))
            if flight.late:
                self._queue_late(flight)
            return
        self._flights.pop(key, None)  # a re-send tries again instead of failing from memory
        if flight.late:  # else the copies still waiting answer 500, and WeChat re-sends
            logger.error("late wechat reply failed for a %s message", flight.incoming.kind,
                         exc_info=work.exception())  # fmt: skip

    def _queue_late(self, flight: Flight) -> None:
        done = flight.work.result()
        if not done.late_elsewhere:
            queued = asyncio.ensure_future(self._run(self._store_late, flight.incoming, done))
            queued.add_done_callback(_log_failure)

    def _forget_finished(self) -> None:
        """Drop flights finished more than RETAIN_SECONDS ago (re-sends come within seconds)."""
        cutoff = time.monotonic() - RETAIN_SECONDS
        while self._finished and self._finished[0][0] < cutoff:
            _, key = self._finished.popleft()
            flight = self._flights.get(key)
            if flight is not None and flight.work.done():
                del self._flights[key]

    # --- on the thread pool ---

    def _work(self, incoming: Incoming) -> Done:
        """Handle the message (once: the dispatcher dedupes by MsgId in every process), and
        see whether another process already gave up on it."""
        outcome, late = self.dispatcher.handle_peeking(
            incoming, functools.partial(_is_late, incoming)
        )
        if late is None:  # not read with the message (the database refused it): on its own
            with Session(self.engine) as session:
                late = _is_late(incoming, session)
        return Done(outcome, late)

    def _store_late(self, incoming: Incoming, done: Done) -> None:
        """Queue the answer as a customer-service message, once in every process."""
        replies = [{"text": reply.as_text()} for reply in done.outcome.replies]
        if not replies:
            return
        try:
            with session_scope(self.engine) as session:
                if _late_row(session, incoming) is not None:
                    return
                now = self.dispatcher.clock()
                user = resolve_user(session, incoming.channel, incoming.user_key, now)
                session.add(Outbox(
                    user_id=user.id or 0, kind="late_reply", dedupe_key=_late_key(incoming),
                    payload={"replies": replies}, next_attempt_at=now, created_at=now,
                ))  # fmt: skip
        except IntegrityError:
            logger.info("late wechat reply already queued by another process")

    async def _run(self, call: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, functools.partial(call, *args)
        )


def _flight_key(incoming: Incoming) -> str:
    return f"{incoming.user_key}:{incoming.msg_id}"


def _late_key(incoming: Incoming) -> str:
    return f"late-reply:{incoming.channel}:{incoming.msg_id}"


def _late_row(session: Session, incoming: Incoming) -> Outbox | None:
    return session.exec(select(Outbox).where(Outbox.dedupe_key == _late_key(incoming))).first()


def _is_late(incoming: Incoming, session: Session) -> bool:
    return _late_row(session, incoming) is not None


def _succeeded(work: asyncio.Future[Done]) -> bool:
    return work.done() and not work.cancelled() and work.exception() is None


def _log_failure(task: asyncio.Future[Any]) -> None:
    """A copy's work after its request was answered: nobody awaits it, so log what failed."""
    if task.cancelled():
        return
    error = task.exception()
    if isinstance(error, WebhookError):
        logger.warning("wechat request refused after its answer (%s): %s", error.status, error)
    elif error is not None:
        logger.error("wechat work failed after the answer", exc_info=error)
