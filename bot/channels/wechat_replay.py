"""The replay ledger: each (timestamp, nonce) a WeChat request is signed with is good for one
message, in every `linli serve` process (a row in the database), for as long as the timestamp
would be accepted at all.

Why a pair seen again with the *same* message is let through: WeChat re-sends a message it got
no answer to within 5 s, up to three times, with the same XML (MsgId, CreateTime). Its
documentation does not say whether a re-send is signed with a new timestamp and nonce, so
Linli must not count on it. A re-send of the same message gets what the first copy got: the
stored reply (ProcessedMessage, by MsgId) or "success" while the outbox answers; nothing is
done twice, and whoever sent it learns nothing the first request did not already carry. A pair
seen again with *another* message can only be a captured URL carrying a forged body: refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any, NamedTuple

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from bot.channels.models import WeChatNonce
from bot.db import session_scope

PRUNE_EVERY_SECONDS = 60.0  # expired pairs go in one DELETE, at most this often per process
_CHUNK = 200  # rows per statement: 4 parameters each, under SQLite's oldest limit of 999


class Claim(NamedTuple):
    """A request's signed pair, and the sha256 of the message it carries."""

    timestamp: str
    nonce: str
    digest: str


class NonceLedger:
    """Records the (timestamp, nonce) pairs of accepted WeChat requests. Thread-safe."""

    def __init__(
        self, engine: Engine, tolerance_seconds: int, clock: Callable[[], float] = time.time
    ):
        self.engine = engine
        self.tolerance = tolerance_seconds
        self.clock = clock
        self._next_prune = 0.0

    def claim(self, claims: Sequence[Claim]) -> list[bool]:
        """Take each pair for its message, all in one transaction (requests arriving together
        are claimed together: one turn at SQLite's write lock for a whole burst).

        Returns:
            For each claim: True when its pair is new, or was taken by this same message (a
            re-send); False when another message took it (a replay). Of two claims of one
            pair in the same call, the first takes it.
        """
        with session_scope(self.engine) as session:
            self._prune(session)
            taken: dict[tuple[str, str], str] = {}
            for start in range(0, len(claims), _CHUNK):
                taken.update(self._insert_new(session, claims[start : start + _CHUNK]))
            # a pair already there (a re-send, or a replay): whose message took it
            taken.update(
                self._digests(session, [c for c in claims if (c.timestamp, c.nonce) not in taken])
            )
        return [taken.get((c.timestamp, c.nonce)) == c.digest for c in claims]

    def _insert_new(self, session: Session, claims: Sequence[Claim]) -> dict[tuple[str, str], str]:
        """Insert the pairs not taken yet; the ones inserted, with their message's digest."""
        rows = {
            (c.timestamp, c.nonce): {
                "timestamp": c.timestamp, "nonce": c.nonce, "digest": c.digest,
                "expires_at": dt.datetime.fromtimestamp(int(c.timestamp) + self.tolerance, dt.UTC),
            }
            for c in reversed(claims)  # reversed: the first claim of a pair wins the dict
        }  # fmt: skip
        dialect = session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(WeChatNonce).values(list(rows.values()))
        inserted = session.connection().execute(
            statement.on_conflict_do_nothing(index_elements=["timestamp", "nonce"]).returning(
                WeChatNonce.timestamp, WeChatNonce.nonce, WeChatNonce.digest
            )
        )
        return {(row.timestamp, row.nonce): row.digest for row in inserted}

    def _digests(self, session: Session, claims: Sequence[Claim]) -> dict[tuple[str, str], str]:
        nonces = sorted({c.nonce for c in claims})
        taken: dict[tuple[str, str], str] = {}  # none asked: no statement at all
        for start in range(0, len(nonces), _CHUNK):
            chosen = nonces[start : start + _CHUNK]
            rows = session.exec(select(WeChatNonce).where(col(WeChatNonce.nonce).in_(chosen)))
            taken.update({(row.timestamp, row.nonce): row.digest for row in rows})
        return taken

    def _prune(self, session: Session) -> None:
        now = self.clock()
        if now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY_SECONDS
        cutoff = dt.datetime.fromtimestamp(now, dt.UTC)
        session.exec(delete(WeChatNonce).where(col(WeChatNonce.expires_at) < cutoff))


class Claimer:
    """The ledger for the event loop: the claims that arrive while one transaction runs on
    `pool` go together in the next, so a burst of requests costs a few transactions."""

    def __init__(self, ledger: NonceLedger, pool: Executor):
        self.ledger = ledger
        self.pool = pool
        self._waiting: list[tuple[Claim, asyncio.Future[bool]]] = []
        self._flushing = False

    async def claim(self, claim: Claim) -> bool:
        """NonceLedger.claim for one request (see there)."""
        taken: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((claim, taken))
        if not self._flushing:
            self._flushing = True
            asyncio.ensure_future(self._flush())
        return await taken

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                claims = [claim for claim, _ in batch]
                try:
                    results = await loop.run_in_executor(self.pool, self.ledger.claim, claims)
                except Exception as exc:  # noqa: BLE001 - every waiting request fails with it
                    _settle(batch, exc)
                else:
                    _settle(batch, results)
        finally:
            self._flushing = False


def _settle(
    batch: list[tuple[Claim, asyncio.Future[bool]]], results: list[bool] | Exception
) -> None:
    for index, (_, taken) in enumerate(batch):
        if taken.done():  # its request was cancelled
            continue
        if isinstance(results, Exception):
            taken.set_exception(results)
        else:
            taken.set_result(results[index])
