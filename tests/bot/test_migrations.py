"""The migrations: they make exactly the models' tables (`alembic check`), a database made by
the release before them upgrades in place with its rows, the newest migration goes down and
up again, and Linli refuses a database at another version with a message saying what to do.
On SQLite, and on PostgreSQL when LINLI_TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from bot import migrations
from bot.activities.models import Activity, Registration
from bot.app import open_database
from bot.config import Settings, load_settings
from bot.db import make_engine
from bot.migrations import SchemaNotCurrent, SchemaState
from bot.models import User
from bot.tables import TABLES
from tests.conftest import PG_URL, drop_everything

DATA = Path(__file__).resolve().parents[1] / "data"
LEGACY_DUMP = DATA / "schema_d4cdfe5.sql"  # made by tests/data/capture_schema.py at d4cdfe5
LEGACY_PG_DUMP = DATA / "schema_d4cdfe5_pg.sql"  # by the same script, on PostgreSQL
AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

skip_pg = pytest.mark.skipif(
    not PG_URL, reason="PostgreSQL test skipped: set LINLI_TEST_DATABASE_URL to run it"
)
ENGINES = ["sqlite", pytest.param("postgresql", marks=[skip_pg, pytest.mark.postgres])]


@pytest.fixture(params=ENGINES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even the schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'linli.db'}"
        return
    drop_everything(PG_URL)
    yield PG_URL
    drop_everything(PG_URL)


@pytest.fixture
def legacy_url(empty_url: str) -> str:
    """A database as the release before migrations left it, with a user, an activity and a
    registration: that release's own dump on either database (made by its create_all:
    tests/data/capture_schema.py, on SQLite and on PostgreSQL)."""
    if empty_url.startswith("sqlite"):
        with sqlite3.connect(empty_url.removeprefix("sqlite:///")) as db:
            db.executescript(LEGACY_DUMP.read_text(encoding="utf-8"))
        return empty_url
    dump = LEGACY_PG_DUMP.read_text(encoding="utf-8").splitlines()
    script = "\n".join(line for line in dump if not line.startswith("\\"))  # psql's own
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(script)
    engine.dispose()
    return empty_url


def settings_for(url: str, tmp_path: Path, **database: object) -> Settings:
    env = {"LINLI_DATABASE_URL": url, "LINLI_HOME": str(tmp_path)}
    env |= {f"LINLI_DATABASE_{key.upper()}": str(value).lower() for key, value in database.items()}
    return load_settings(Path(os.devnull), environ=env)


def version_of(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT version_num FROM alembic_version")))


def drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return migrations.differences(connection, TABLES)


def assert_rows_kept(engine: Engine) -> None:
    with Session(engine) as session:
        (user,) = session.exec(select(User)).all()
        (activity,) = session.exec(select(Activity)).all()
        (registration,) = session.exec(select(Registration)).all()
    assert (user.display_name, user.created_at) == ("安安", AT)
    assert (activity.title, activity.capacity) == ("周六上午广场义诊", 20)
    assert (registration.user_id, registration.party, registration.phone) == (1, 2, "13800000000")


def test_the_migrations_make_exactly_the_models_tables(empty_url: str, tmp_path: Path) -> None:
    """`alembic check`: after upgrade head on an empty database, autogenerate finds nothing."""
    engine = open_database(settings_for(empty_url, tmp_path))
    assert version_of(engine) == [migrations.head()]
    assert drift(engine) == []
    assert set(inspect(engine).get_table_names()) == {
        "alembic_version",
        *migrations.tables_of(TABLES),
    }
    engine.dispose()


def test_a_database_of_the_release_before_migrations_upgrades_with_its_rows(
    legacy_url: str, tmp_path: Path
) -> None:
    engine = make_engine(legacy_url)
    with engine.connect() as connection:
        assert migrations.schema_of(connection).state is SchemaState.UNVERSIONED
    engine.dispose()
    engine = open_database(settings_for(legacy_url, tmp_path))  # as `linli serve` starts
    assert version_of(engine) == [migrations.head()]
    assert_rows_kept(engine)
    assert drift(engine) == []  # and named like a new database (SQLite's tables rebuilt)
    assert "apscheduler_jobs" in inspect(engine).get_table_names()  # APScheduler's, untouched
    engine.dispose()


def test_the_newest_migration_goes_down_and_up_again(legacy_url: str, tmp_path: Path) -> None:
    engine = make_engine(legacy_url)
    migrations.upgrade(engine, TABLES)
    below = migrations.downgrade(engine, TABLES, "-1")
    assert below.state is SchemaState.BEHIND
    before, after = migrations.upgrade(engine, TABLES)
    assert (before.current, after.current) == (below.current, migrations.head())
    assert_rows_kept(engine)
    assert drift(engine) == []
    engine.dispose()


def test_the_versions_read_without_alembic_are_alembics() -> None:
    """The usual start reads the migrations' own lines, not Alembic's script directory:
    the same revisions, each after the same one, the same newest."""
    script = migrations._script()
    alembics = {s.revision: s.down_revision for s in script.walk_revisions()}
    assert migrations._revisions() == alembics
    assert migrations.head() == script.get_current_head()


def test_the_stored_version_is_read_as_alembic_reads_it(empty_url: str) -> None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(empty_url)
    seen = []
    for step in ("empty", "upgraded", "one back"):
        if step == "upgraded":
            migrations.upgrade(engine, TABLES)
        elif step == "one back":
            migrations.downgrade(engine, TABLES, "-1")
        with engine.connect() as connection:
            ours = migrations.stored_revision(connection)
            assert ours == MigrationContext.configure(connection).get_current_revision()
            seen.append(ours)
    engine.dispose()
    assert seen[:2] == [None, migrations.head()]
    assert seen[2] not in (None, seen[1])


def test_an_older_schema_is_refused_with_what_to_do(empty_url: str, tmp_path: Path) -> None:
    engine = open_database(settings_for(empty_url, tmp_path))
    older = migrations.downgrade(engine, TABLES, "-1").current
    engine.dispose()
    with pytest.raises(SchemaNotCurrent) as refused:
        open_database(settings_for(empty_url, tmp_path))
    message = str(refused.value)
    assert f"数据库还是旧版本（{older}）" in message
    assert "linli db upgrade" in message
    assert "auto_upgrade = true" in message
    engine = make_engine(empty_url)
    assert version_of(engine) == [older]  # refusing changed nothing
    engine.dispose()
    engine = open_database(settings_for(empty_url, tmp_path, auto_upgrade=True))
    assert version_of(engine) == [migrations.head()]
    engine.dispose()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'linli.db'}"
    engine = open_database(settings_for(url, tmp_path))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaNotCurrent, match="比这一版邻里新"):
        open_database(settings_for(url, tmp_path, auto_upgrade=True))


def test_a_database_unlike_the_baseline_is_not_adopted(tmp_path: Path) -> None:
    path = tmp_path / "linli.db"
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_DUMP.read_text(encoding="utf-8"))
        db.execute("DROP INDEX ix_outbox_ref")  # the outbox as an older release made it
        db.execute("ALTER TABLE outbox DROP COLUMN ref")
    with pytest.raises(SchemaNotCurrent, match="outbox 缺少列 ref"):
        open_database(settings_for(f"sqlite:///{path}", tmp_path))
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "alembic_version" not in tables  # not stamped


def test_every_model_module_gets_the_naming_convention() -> None:
    """Constraint names are fixed when a table is defined: a module that defined one before
    bot/models.py set the convention would leave its constraints unnamed."""
    for model in TABLES:
        table = model.__table__  # type: ignore[attr-defined]
        for constraint in (*table.constraints, *table.indexes):
            assert constraint.name, (table.name, constraint)
            assert len(constraint.name) <= 63, constraint.name  # PostgreSQL's longest
        assert table.primary_key.name == f"{table.name}_pkey"
        for key in table.foreign_key_constraints:
            assert key.name == f"{table.name}_{'_'.join(key.column_keys)}_fkey"
    assert SQLModel.metadata.naming_convention["uq"] == "%(table_name)s_%(column_0_N_name)s_key"


def test_a_database_at_the_newest_version_without_its_tables_is_refused(
    empty_url: str, tmp_path: Path
) -> None:
    engine = open_database(settings_for(empty_url, tmp_path))
    with engine.begin() as connection:  # as if someone dropped the tables, not the version
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(text(f'DROP TABLE IF EXISTS "{table.name}"'))
    engine.dispose()
    with pytest.raises(SchemaNotCurrent) as refused:
        open_database(settings_for(empty_url, tmp_path, auto_upgrade=True))
    message = str(refused.value)
    assert f"数据库标着最新版本 {migrations.head()}，却缺少 {len(TABLES)} 张表" in message
    assert "请从备份恢复" in message
    engine = make_engine(empty_url)
    assert version_of(engine) == [migrations.head()]  # refusing changed nothing
    engine.dispose()


def test_one_missing_table_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'linli.db'}"
    open_database(settings_for(url, tmp_path)).dispose()
    with sqlite3.connect(tmp_path / "linli.db") as db:
        db.execute("DROP TABLE wechatnonce")
    with pytest.raises(SchemaNotCurrent, match=r"缺少 1 张表（wechatnonce）"):
        open_database(settings_for(url, tmp_path))
