"""The schema: a database made by an older Linli gets the newer nullable columns added."""

from __future__ import annotations

import gc
import sqlite3
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.db import _WriterTurn, create_schema, make_engine
from bot.outbox.models import Outbox
from bot.tables import TABLES


def test_an_older_outbox_table_gets_the_new_column_and_its_index(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # the outbox as the first release made it
        old.execute(
            "CREATE TABLE outbox (id INTEGER PRIMARY KEY, user_id INTEGER, kind VARCHAR(32),"
            " dedupe_key VARCHAR(160) UNIQUE, payload JSON, status VARCHAR(16),"
            " channel VARCHAR(16), attempts INTEGER, next_attempt_at DATETIME,"
            " last_error VARCHAR(300), created_at DATETIME, sent_at DATETIME,"
            " announced_at DATETIME, read_at DATETIME)"
        )
        old.execute(
            "INSERT INTO outbox VALUES (1, 1, 'reminder', 'k', '{}', 'sent', 'console', 1,"
            " '2026-11-01 00:00:00', NULL, '2026-11-01 00:00:00', NULL, NULL, NULL)"
        )
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine, TABLES)
    create_schema(engine, TABLES)  # and again: nothing left to add
    with Session(engine) as session:
        (row,) = session.exec(select(Outbox)).all()
    assert (row.dedupe_key, row.ref) == ("k", None)
    with sqlite3.connect(path) as check:
        indexes = {r[1] for r in check.execute("PRAGMA index_list(outbox)")}
    assert "ix_outbox_ref" in indexes
    engine.dispose()


class _Refusing:
    """A connection whose BEGIN fails (the database is locked by another process)."""

    def __init__(self) -> None:
        self.info: dict[str, object] = {}

    def exec_driver_sql(self, statement: str) -> None:
        raise sqlite3.OperationalError("database is locked")


def test_a_failed_begin_gives_the_writer_turn_back() -> None:
    turn = _WriterTurn()
    with pytest.raises(sqlite3.OperationalError):
        turn.begin(_Refusing())
    assert turn._lock.acquire(timeout=0.1)  # not held by the failed transaction


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
