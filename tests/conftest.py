"""Shared fixtures: no network, a temporary database (SQLite, and PostgreSQL when configured),
the demo knowledge base, a controllable clock and message factories."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, SQLModel

from bot import clock as linli_clock
from bot.app import App, build_dispatcher, build_metrics, open_database
from bot.config import Settings, load_settings
from bot.db import make_engine
from bot.kb.store import build_matcher, seed_demo, stored_entries
from bot.types import Incoming
from knowledge.entry import Entry
from knowledge.loader import demo_files, load_files
from knowledge.matcher import Matcher


def _own_database(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (`test_gw0`...),
    made on first use: tests empty their database, and two workers must never empty one
    another's. Without workers, the database named."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = _own_database(os.environ.get("LINLI_TEST_DATABASE_URL", ""))


def _test_now() -> dt.datetime:
    """The tests' "now": a fixed Thursday morning, or, with LINLI_TEST_CLOCK_DAYS=N, 09:00 UTC
    of the real today moved N days (CI runs the suite in the past and in the future too, so
    no test depends on the day it runs)."""
    days = os.environ.get("LINLI_TEST_CLOCK_DAYS", "").strip()
    if not days:
        return dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    today = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    return today + dt.timedelta(days=int(days))


NOW = _test_now()


TESTS = Path(__file__).resolve().parent
# files of a minute or more (pytest --durations), run first, longest first: their paths
# under tests/ (tests/intents has a test_activity_flows.py of its own, a short one)
LONGEST_FIRST = (
    "e2e/test_announcement_50k.py", "e2e/test_names_and_checkins.py", "e2e/test_activity_flows.py",
)  # fmt: skip


def pytest_report_header(config: pytest.Config) -> str:
    """Say which "now" the tests run on."""
    return f"linli test clock: NOW = {NOW.isoformat()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files first (two workers share the rest meanwhile, instead of one of them
    starting a file of minutes when the other is nearly done). On a moved clock
    (LINLI_TEST_CLOCK_DAYS) run only the tests that live on the test clock: the others do not
    depend on the day and already ran."""
    first = {name: rank for rank, name in enumerate(LONGEST_FIRST)}
    tests = Counter(item.path for item in items)
    # then the files with most tests first, as xdist would (its own reordering is turned off
    # in pyproject.toml: it put a file of one long test last)
    items.sort(key=lambda item: (first.get(_under_tests(item.path), len(first)), -tests[item.path]))
    if not os.environ.get("LINLI_TEST_CLOCK_DAYS", "").strip():
        return
    kept = [item for item in items if _on_the_test_clock(item)]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


def _under_tests(path: Path) -> str:
    """A test file's path under tests/, as LONGEST_FIRST names it ("e2e/test_x.py")."""
    path = path.resolve()
    return path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else path.name


def _on_the_test_clock(item: pytest.Item) -> bool:
    uses_fixture = "clock" in getattr(item, "fixturenames", ())
    return uses_fixture or getattr(getattr(item, "module", None), "NOW", None) is NOW


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the jieba cache, shared by the whole run."""
    return tmp_path_factory.mktemp("linli-home")


@pytest.fixture(scope="session")
def demo_entries() -> list[Entry]:
    """The demo knowledge base, read from the files."""
    return load_files(demo_files()).entries


@pytest.fixture(scope="session")
def demo_matcher(demo_entries: list[Entry], cache_home: Path) -> Matcher:
    """A matcher over the demo base (built once: building is the slow part)."""
    return build_matcher(demo_entries, Settings.model_validate({"general": {"home": cache_home}}))


def _database_params() -> list[Any]:
    skip_pg = pytest.mark.skipif(
        not PG_URL, reason="PostgreSQL test skipped: set LINLI_TEST_DATABASE_URL to run it"
    )
    return ["sqlite", pytest.param("postgresql", marks=[skip_pg, pytest.mark.postgres])]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database the migrations brought to the newest version, made once: each
    test's database starts as a copy of it (migrating each one would cost ~40 ms)."""
    path = tmp_path_factory.mktemp("template") / "linli.db"
    open_database(Settings.model_validate({"database": {"url": f"sqlite:///{path}"}})).dispose()
    return path


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the newest schema and no rows: a copy of the SQLite template,
    or PostgreSQL emptied before and after (its tables made by the first to open it)."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "linli.db")
        yield f"sqlite:///{tmp_path / 'linli.db'}"
        return
    drop_everything(PG_URL)
    yield PG_URL
    drop_everything(PG_URL)


def drop_everything(url: str) -> None:
    """Drop Linli's tables, the schema's version and APScheduler's jobs (an empty database)."""
    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        for table in ("alembic_version", "apscheduler_jobs"):
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    engine.dispose()


@pytest.fixture
def settings(database_url: str, cache_home: Path) -> Settings:
    """Settings for one test: its own database, the shared cache."""
    env = {"LINLI_DATABASE_URL": database_url, "LINLI_HOME": str(cache_home)}
    return load_settings(Path(os.devnull), environ=env)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = NOW):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward, e.g. clock.advance(minutes=31)."""
        self.now += dt.timedelta(**delta)


def forbid_system_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test at any read of the real clock by Linli's code (bot.clock.utcnow, a
    column's default, a default `clock` argument): it runs on a Clock, and code that reads
    the real time beside it works only on the day it was written."""

    def refuse() -> dt.datetime:
        raise AssertionError("the real clock was read in a test that runs on a Clock")

    monkeypatch.setattr(linli_clock, "_read_system_clock", refuse)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A frozen clock at NOW; Linli's code may not read the real one meanwhile."""
    forbid_system_clock(monkeypatch)
    return Clock()


@pytest.fixture
def app(settings: Settings, demo_matcher: Matcher, clock: Clock) -> Iterator[App]:
    """Linli on a fresh database with the demo base loaded and a frozen clock."""
    engine = open_database(settings)
    seed_demo(engine, NOW.date())
    metrics = build_metrics(engine)
    dispatcher = build_dispatcher(engine, lambda: demo_matcher, settings, clock, metrics)
    linli = App(settings, engine, demo_matcher, dispatcher, metrics=metrics)
    yield linli
    engine.dispose()


@pytest.fixture
def text() -> Callable[..., Incoming]:
    """Make a console text message: text("低保怎么申请", user="ann")."""

    def make(body: str, user: str = "ann", msg_id: str | None = None) -> Incoming:
        return Incoming("console", user, body, msg_id=msg_id or uuid.uuid4().hex)

    return make


@pytest.fixture
def stored(app: App) -> Callable[[], list[Entry]]:
    """Read the entries back from the app's database."""

    def read() -> list[Entry]:
        with Session(app.engine) as session:
            return stored_entries(session)

    return read
