"""The engine: SQLite's writer turn. (How an older database is upgraded: test_migrations.py.)"""

from __future__ import annotations

import gc
import sqlite3
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.db import _WriterTurn, create_schema, make_engine, read_only, session_scope
from bot.kb.models import KnowledgeVersion
from bot.outbox.models import Outbox
from bot.tables import TABLES


class _Refusing:
    """A connection whose BEGIN fails (the database is locked by another process)."""

    def __init__(self) -> None:
        self.info: dict[str, object] = {}

    def get_execution_options(self) -> dict[str, object]:
        return {}

    def exec_driver_sql(self, statement: str) -> None:
        raise sqlite3.OperationalError("database is locked")


def test_a_failed_begin_gives_the_writer_turn_back() -> None:
    turn = _WriterTurn()
    with pytest.raises(sqlite3.OperationalError):
        turn.begin(_Refusing())
    assert turn._lock.acquire(timeout=0.1)  # not held by the failed transaction


def test_a_read_only_session_reads_while_the_same_thread_writes(tmp_path: Path) -> None:
    """The FAQ intent reads the knowledge base's version inside the dispatcher's write
    transaction: through `read_only` it sees the last commit; a plain session would wait
    for the turn its own thread holds, then fail on SQLite's lock."""
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}")
    create_schema(engine, TABLES)
    with session_scope(engine) as writer:
        writer.add(KnowledgeVersion(id=1, version=7))
    with session_scope(engine) as writer:
        writer.exec(select(Outbox)).all()  # the write turn is held from here on
        with Session(read_only(engine)) as reader:
            assert reader.exec(select(KnowledgeVersion.version)).one() == 7
    engine.dispose()


def test_a_session_dropped_without_closing_gives_the_turn_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turn.db'}")
    create_schema(engine, TABLES)

    def forget() -> None:
        session = Session(engine)
        session.exec(select(Outbox)).all()  # a transaction began; nobody closes it

    forget()
    gc.collect()
    started = time.monotonic()
    with Session(engine) as session:
        session.exec(select(Outbox)).all()
    assert time.monotonic() - started < 5  # not the 30 s wait for a turn never given back
    engine.dispose()
