"""Attempt limits for codes people type (link codes, check-in codes): failed tries are counted
per sender and, where the limits say so, for everyone; over a limit the key is locked out for a
while. The counts live in the database, so every process sees the same ones."""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.people.models import AttemptCount

logger = logging.getLogger(__name__)
EVERYONE = "*"
CHECKIN_DIGITS = 6


@dataclass(frozen=True)
class Rule:
    """`limit` failed tries within `window` lock the key out for `lockout`."""

    name: str
    limit: int
    window: dt.timedelta
    lockout: dt.timedelta


@dataclass(frozen=True)
class Limits:
    """The rules one kind of code is guarded by: one per sender, and maybe one for everyone
    (which caps what many senders together can try)."""

    per_sender: Rule
    everyone: Rule | None = None

    def locked_until(
        self, session: Session, sender: str, who: str, now: dt.datetime
    ) -> dt.datetime | None:
        """When the sender may try again; None when they may now (one query for all rules).
        A try refused for a lockout is logged, not counted."""
        wanted = [
            and_(col(AttemptCount.rule) == rule.name, col(AttemptCount.key) == key)
            for rule, key in self._keys(sender)
        ]
        locks = select(AttemptCount.locked_until).where(
            or_(*wanted), col(AttemptCount.locked_until) > now
        )
        rows = session.exec(locks).all()
        until = max((row for row in rows if row is not None), default=None)
        if until is not None:
            logger.info("%s code from %s refused: locked out until %s", self.name, who, until)
        return until

    def failed(self, session: Session, sender: str, who: str, now: dt.datetime) -> None:
        """Count one failed try by `sender`; `who` names them (masked) in the log."""
        counts = [count_failure(session, rule, key, who, now) for rule, key in self._keys(sender)]
        logger.warning(
            "wrong %s code from %s (wrong tries in this window: %s)",
            self.name, who, " / ".join(map(str, counts)),
        )  # fmt: skip

    @property
    def name(self) -> str:
        """What the codes are, for the log."""
        return self.per_sender.name

    def _keys(self, sender: str) -> list[tuple[Rule, str]]:
        keys = [(self.per_sender, sender)]
        if self.everyone is not None:
            keys.append((self.everyone, EVERYONE))
        return keys


# The codes shown at an activity or a shift (one count for both: guessing one kind does not
# reset the other). A code only checks in its sender's own registration or shift, so the
# limit is the sender's; one for everyone would let a few wrong tries lock out a whole event.
CHECKIN = Limits(Rule("checkin", 5, dt.timedelta(minutes=10), dt.timedelta(hours=1)))
CHECKIN_PAUSED = "签到码错了好几次，请 {minutes} 分钟后再试，或者直接找现场工作人员签到。"


def new_code(digits: int) -> str:
    """A random code of `digits` decimal digits (leading zeros kept), typed on a phone's keypad."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    """Whole minutes until `until`, rounded up (for "请 N 分钟后再试")."""
    return max(1, math.ceil((until - now).total_seconds() / 60))


def count_failure(session: Session, rule: Rule, key: str, who: str, now: dt.datetime) -> int:
    """One more failed try for the key; the one that reaches the limit starts the lockout.
    Returns the wrong tries in the current window."""
    row = _locked_row(session, rule.name, key, now)
    lock_over = row.locked_until is not None and row.locked_until <= now
    if lock_over or now - row.window_started_at >= rule.window:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= rule.limit and row.locked_until is None:
        row.locked_until = now + rule.lockout
        logger.warning(
            "%s codes locked out for %s until %s after %s wrong tries",
            rule.name, "everyone" if key == EVERYONE else who, row.locked_until, row.failures,
        )  # fmt: skip
    session.add(row)
    session.flush()
    return row.failures


def _locked_row(session: Session, rule: str, key: str, now: dt.datetime) -> AttemptCount:
    """The counter row, locked for this transaction (created on the first failure): two
    processes counting at once both count."""
    for _ in range(2):
        row = session.exec(
            select(AttemptCount)
            .where(AttemptCount.rule == rule, AttemptCount.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if row is not None:
            return row
        savepoint = session.begin_nested()
        try:
            session.add(AttemptCount(rule=rule, key=key, window_started_at=now))
            session.flush()
        except IntegrityError:
            savepoint.rollback()  # another process created it first: lock theirs
            continue
        savepoint.commit()
    row = session.get(AttemptCount, (rule, key))
    assert row is not None
    return row
