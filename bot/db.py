"""Engine and sessions: SQLite (WAL) by default, PostgreSQL by URL, the same code for both."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, event, insert, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session, SQLModel, create_engine

from bot.errors import TooLong
from bot.files import private_dir, private_file

_INT_LIMIT = 2**31 - 1  # PostgreSQL's integer; SQLite would take more, and then PostgreSQL not
_LABELS = {
    "title": "名称", "place": "地点", "name": "姓名", "phone": "电话", "text": "内容",
    "description": "说明", "comment": "评价", "external_id": "用户标识", "display_name": "名字",
    "link": "链接", "tag": "标签", "skill": "技能", "code": "编号", "capacity": "名额",
}  # fmt: skip


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine; for SQLite, create the folder and turn on WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, echo=echo)
        _IdlePing(engine).listen()
        return engine
    if (
        parsed.database
        and parsed.database != ":memory:"
        and not parsed.database.startswith("file:")
    ):
        # names and phone numbers live here: owner-only (SQLite gives its -wal and -shm
        # files the database file's permissions)
        private_dir(Path(parsed.database).parent)
        private_file(Path(parsed.database))
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_connect)
    _WriterTurn().listen(engine)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin: savepoints
    # (the intent error boundary) need it, and BEGIN IMMEDIATE below takes the write lock up
    # front, so two processes never deadlock upgrading a read to a write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


IDLE_PING_SECONDS = 10.0  # a server connection idle longer is checked before it is used
_IDLE_SINCE = "linli_idle_since"


class _IdlePing:
    """pool_pre_ping's check, but only for a connection that sat idle in the pool (the
    server may have closed it meanwhile): one a message gave back a moment ago is in use,
    and a ping on every checkout is one more round trip for every transaction. A broken
    connection found here is replaced, as pool_pre_ping does (SQLAlchemy's documented
    recipe: raise DisconnectionError at checkout)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def listen(self) -> None:
        """Hook the check into the engine's pool."""
        event.listen(self.engine.pool, "checkin", self.checkin)
        event.listen(self.engine.pool, "checkout", self.checkout)

    def checkin(self, _dbapi: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # new, or given back a moment ago
        try:
            self.engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - whatever the driver raises, it is gone
            raise DisconnectionError("connection lost while idle in the pool") from exc


_READ_ONLY = "linli_read_only"


def read_only(engine: Engine) -> Engine:
    """The same database for transactions that only read: on SQLite they neither take nor
    wait for the write turn (WAL readers see the last commit), so a thread may read through
    it while its own write transaction is open (the dispatcher's, when the FAQ intent finds
    the knowledge base changed). Never write through it: it does not take the turn."""
    return engine.execution_options(**{_READ_ONLY: True})


class _WriterTurn:
    """Threads of one process take turns at SQLite's write lock in Python. Left to SQLite's
    busy handler, a waiting thread sleeps in growing steps (up to 100 ms) even when the lock
    is free again a moment later: four delivery workers then ran at 80 messages a second.

    The turn ends with the transaction, or at the latest when the connection goes back to
    the pool or is invalidated (a session dropped without closing it never commits)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def listen(self, engine: Engine) -> None:
        """Hook the turn into the engine's transactions and pool."""
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "commit", self.end)
        event.listen(engine, "rollback", self.end)
        event.listen(engine, "checkin", lambda _dbapi, record: self._give_back(record))
        event.listen(engine, "invalidate", lambda _dbapi, record, _exc: self._give_back(record))

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a snapshot to read: no lock, no turn
            return
        # after 30 s, go on anyway and let SQLite's own timeout decide (never hang forever)
        connection.info["linli_turn"] = self._lock.acquire(timeout=30)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:  # no transaction began, so no commit or rollback will end it
            self.end(connection)
            raise

    def end(self, connection: Any) -> None:
        if connection.info.pop("linli_turn", False):
            self._lock.release()

    def _give_back(self, record: Any) -> None:
        if record is not None:
            self.end(record)


@event.listens_for(OrmSession, "before_flush")
def _check_sizes(session: OrmSession, _flush: UOWTransaction, _instances: object) -> None:
    """Every string within its column's length and every integer within PostgreSQL's range,
    on both databases (SQLite would store a 10,000-character title; PostgreSQL refuses it
    with a DataError): a clear refusal instead, and nothing of the transaction is written."""
    for row in (*session.new, *session.dirty):
        for prop in inspect(row).mapper.column_attrs:
            _check_size(prop.key, prop.columns[0].type, getattr(row, prop.key, None))


def _check_size(key: str, kind: object, value: object) -> None:
    label = _LABELS.get(key, key)
    length = getattr(kind, "length", None)
    if isinstance(length, int) and isinstance(value, str) and len(value) > length:
        raise TooLong(f"{label}太长了：最多 {length} 个字，现在是 {len(value)} 个。")
    if isinstance(kind, Integer) and isinstance(value, int) and abs(value) > _INT_LIMIT:
        raise TooLong(f"{label}的数字太大了：{value}")


def create_schema(engine: Engine, models: Sequence[type[SQLModel]]) -> None:
    """Create the tables of `models` that do not exist yet, on a scratch database (tests,
    evaluation runs). Linli's own database gets its schema from the migrations
    (bot/migrations), which a test proves make these same tables."""
    tables = [model.__table__ for model in models]  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(engine, tables=tables)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on an exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def insert_rows(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows of `model` in one core statement, in the session's transaction: no
    ORM objects and none of the ORM's per-row bookkeeping (a reminder job or an
    announcement queues hundreds at once; the ORM's bulk path cost a reminder job a fifth
    of its CPU). The session is flushed first, so rows it holds that these refer to exist."""
    session.flush()
    session.connection().execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


def added_once(session: Session, row: SQLModel) -> bool:
    """Add `row` in a savepoint of its own. False, and nothing added, when a unique
    constraint says it is there already — stored earlier, or by a concurrent transaction,
    which then counts: what must happen once (a notice, a timer step, a report) happens once
    without a lock, and the caller's transaction goes on."""
    savepoint = session.begin_nested()
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True
