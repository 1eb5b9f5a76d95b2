"""The database schema's versions (Alembic, configured here in code so an installed Linli
finds its migrations): what a database is at, bringing it to the newest, and adopting a
database made by `create_all` before there were migrations.

Alembic (~0.25 s to import, and its script directory to read) loads only to migrate, to
compare or to write a migration: a database already at the newest version is recognised
from the migrations' own `revision` lines and its `alembic_version` row."""

from __future__ import annotations

import ast
import dataclasses
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from bot.errors import UserFacingError
from bot.models import UTCDateTime

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.config import Config
    from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent
BASELINE = "0001"  # the schema the last release without migrations made with create_all
APSCHEDULER_TABLE = "apscheduler_jobs"  # APScheduler creates and owns its job store table
_PG_LOCK = 7_405_114  # any constant: one process at a time changes the schema


class SchemaState(StrEnum):
    """Where a database stands against this Linli's migrations."""

    EMPTY = "empty"  # no tables yet
    UNVERSIONED = "unversioned"  # tables made by create_all before migrations, no version
    BEHIND = "behind"  # an older version: `linli db upgrade`
    CURRENT = "current"
    AHEAD = "ahead"  # a version this Linli does not know (made by a newer one)


@dataclasses.dataclass(frozen=True)
class Schema:
    """A database's version beside this Linli's newest."""

    state: SchemaState
    current: str | None
    head: str


class SchemaNotCurrent(UserFacingError):
    """The database is not at the version this Linli needs; the message says what to do."""


def tables_of(models: Sequence[type[SQLModel]]) -> frozenset[str]:
    """The names of the models' tables (what migrations create and compare)."""
    return frozenset(model.__tablename__ for model in models)  # type: ignore[misc]


def context_options(connection: Connection, tables: frozenset[str]) -> dict[str, Any]:
    """How Alembic compares `tables` with a database and writes migrations: batch mode on
    SQLite (which alters a table by rebuilding it), our own types as the plain ones."""
    return {
        "target_metadata": SQLModel.metadata,
        "include_object": _included(tables),
        "render_as_batch": connection.dialect.name == "sqlite",
        "render_item": _render_item,
        "compare_type": True,
        "compare_server_default": True,
    }


def _included(tables: frozenset[str]) -> Any:
    def include(obj: Any, name: str | None, kind: str, reflected: bool, _other: Any) -> bool:
        if kind != "table":
            return True
        if reflected:  # a table the models lost is for a migration to drop; APScheduler's is not
            return name != APSCHEDULER_TABLE
        return name in tables  # not whatever else SQLModel.metadata holds (a test's table)

    return include


def _render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    # a migration is written once and must not change when the app's code does
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _config(connection: Connection | None, tables: frozenset[str]) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "m%%(rev)s_%%(slug)s")
    config.attributes.update(connection=connection, tables=tables)
    return config


def head() -> str:
    """The newest version this Linli knows."""
    revision = _newest()
    assert revision is not None, "bot/migrations/versions holds no migration"
    return revision


def _newest() -> str | None:
    """The revision no other migration follows (the migrations are one line)."""
    revisions = _revisions()
    newest = set(revisions) - set(revisions.values())
    assert len(newest) <= 1, f"the migrations are one line, not several: {sorted(newest)}"
    return next(iter(newest), None)


@functools.cache
def _revisions() -> dict[str, str | None]:
    """Each migration's revision and the one it follows, as Alembic reads them (its
    `revision` and `down_revision` lines), read once without running the files."""
    found: dict[str, str | None] = {}
    for path in sorted((HERE / "versions").glob("*.py")):
        lines = _constants(path, ("revision", "down_revision"))
        if "revision" in lines:
            found[str(lines["revision"])] = lines.get("down_revision")
    return found


def _constants(path: Path, names: tuple[str, ...]) -> dict[str, str | None]:
    """The module-level `name = "text"` (or None) assignments of a Python file."""
    found: dict[str, str | None] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names and isinstance(value, ast.Constant):
            found[target.id] = None if value.value is None else str(value.value)
    return found


@functools.cache
def _script() -> ScriptDirectory:
    # the migrations of this installation as Alembic reads them: to migrate, or to say
    # what a step undoes
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(None, frozenset()))


def schema_of(connection: Connection) -> Schema:
    """Where the database on `connection` stands (reads only)."""
    newest = head()
    current = stored_revision(connection)
    if current is not None:
        known = current in _revisions()
        state = SchemaState.CURRENT if current == newest else SchemaState.BEHIND
        return Schema(state if known else SchemaState.AHEAD, current, newest)
    names = set(inspect(connection).get_table_names()) - {APSCHEDULER_TABLE, "alembic_version"}
    state = SchemaState.UNVERSIONED if names else SchemaState.EMPTY
    return Schema(state, None, newest)


def stored_revision(connection: Connection) -> str | None:
    """The version in the database's `alembic_version` table (None without one), read as
    Alembic's `get_current_revision` reads it; several rows are Alembic's to refuse."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return str(rows[0]) if rows else None


def problem(schema: Schema) -> str:
    """What staff are told when the database is not at this Linli's version."""
    if schema.state is SchemaState.AHEAD:
        return (
            f"数据库的版本（{schema.current}）比这一版邻里新（它只认得到 {schema.head}）："
            "请换用更新的邻里，或找维护人员。"
        )
    return (
        f"数据库还是旧版本（{schema.current}），这一版邻里需要 {schema.head}。"
        "请先备份数据库，再运行 linli db upgrade 升级；"
        "或在配置里写 [database] auto_upgrade = true，让邻里启动时自己升级。"
    )


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction that alone may change the schema: on PostgreSQL by an advisory lock
    (several workers may start at once), on SQLite by its write lock, taken at BEGIN."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # SQLite's way to rebuild a table others refer to (batch mode does)
            _sqlite_foreign_keys(connection, "OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK}
                    )
                yield connection
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, "ON")


def _sqlite_foreign_keys(connection: Connection, state: str) -> None:
    # only outside a transaction, so on the driver's connection: SQLAlchemy's would begin one
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={state}")  # type: ignore[union-attr]


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"a migration left rows whose foreign keys point nowhere: {broken[:5]}")


def open_schema(engine: Engine, models: Sequence[type[SQLModel]], auto_upgrade: bool) -> Schema:
    """Make the database ready for this Linli, or refuse: an empty one gets the schema by
    the migrations; one made by `create_all` before there were migrations is adopted and
    upgraded (as that release patched its own schema at start); one older than the newest
    migration is upgraded only when `auto_upgrade` says so.

    Raises:
        SchemaNotCurrent: the database is older (and not to be upgraded here) or newer, or
            was made before migrations and is not the schema they start from. Nothing is
            changed then.
    """
    tables = tables_of(models)
    with engine.connect() as connection:  # the usual start: current, so nothing is locked
        schema = schema_of(connection)
        if schema.state is SchemaState.CURRENT:
            _check_tables(connection, schema, tables)
            return schema
    from alembic import command

    with _locked(engine) as connection:
        schema = schema_of(connection)  # again: another process may have migrated meanwhile
        if schema.state is SchemaState.UNVERSIONED:
            _adopt(connection, tables)
        if schema.state in (SchemaState.EMPTY, SchemaState.UNVERSIONED) or (
            schema.state is SchemaState.BEHIND and auto_upgrade
        ):
            command.upgrade(_config(connection, tables), "head")
            schema = schema_of(connection)
        if schema.state is not SchemaState.CURRENT:
            raise SchemaNotCurrent(problem(schema))
        _check_tables(connection, schema, tables)
        return schema


def missing_tables(connection: Connection, tables: frozenset[str]) -> list[str]:
    """Which of `tables` the database on `connection` lacks (one read of its catalogue)."""
    return sorted(tables - set(inspect(connection).get_table_names()))


def _check_tables(connection: Connection, schema: Schema, tables: frozenset[str]) -> None:
    """A version says what the tables are, not that they are there: refuse a database whose
    tables were dropped or never copied, rather than fail on its first message."""
    missing = missing_tables(connection, tables)
    if missing:
        shown = "、".join(missing[:6]) + ("……" if len(missing) > 6 else "")
        raise SchemaNotCurrent(
            f"数据库标着最新版本 {schema.current}，却缺少 {len(missing)} 张表（{shown}）："
            "可能被删过，或只拷贝了一部分。请从备份恢复；"
            "若是要重新开始，换一个空数据库（或删掉 alembic_version 表）再启动。"
        )


def upgrade(
    engine: Engine, models: Sequence[type[SQLModel]], target: str = "head"
) -> tuple[Schema, Schema]:
    """Bring the database to `target`, adopting one made before migrations first.

    Returns:
        Where the database stood before, and where it stands now.

    Raises:
        SchemaNotCurrent: the database is newer than this Linli, or was made before
            migrations and is not the schema they start from.
    """
    from alembic import command

    tables = tables_of(models)
    with _locked(engine) as connection:
        before = schema_of(connection)
        if before.state is SchemaState.AHEAD:
            raise SchemaNotCurrent(problem(before))
        if before.state is SchemaState.UNVERSIONED:
            _adopt(connection, tables)
        command.upgrade(_config(connection, tables), target)
        return before, schema_of(connection)


def step_back(revision: str) -> tuple[str | None, str]:
    """The version before `revision` (None below the first) and what `revision` does (the
    first line of its docstring): what undoing it means."""
    script = _script().get_revision(revision)
    assert script is not None, revision
    previous = script.down_revision
    assert previous is None or isinstance(previous, str), "the migrations are one line"
    lines = (script.doc or "").strip().splitlines()
    return previous, lines[0] if lines else ""


def downgrade(engine: Engine, models: Sequence[type[SQLModel]], target: str) -> Schema:
    """Take the database back to `target` (e.g. "-1": undo the newest migration)."""
    from alembic import command

    with _locked(engine) as connection:
        command.downgrade(_config(connection, tables_of(models)), target)
        return schema_of(connection)


def differences(connection: Connection, models: Sequence[type[SQLModel]]) -> list[Any]:
    """What autogenerate would write for the database on `connection`; empty when it
    matches the models (what `alembic check` checks)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    options = context_options(connection, tables_of(models))
    context = MigrationContext.configure(connection, opts=options)
    return list(compare_metadata(context, SQLModel.metadata))


def _adopt(connection: Connection, tables: frozenset[str]) -> None:
    """Stamp a database made by `create_all` at BASELINE when it has exactly the
    baseline's tables and columns (the data stays as it is)."""
    from alembic import command

    notes = _mismatches(_baseline_columns(tables), _columns(connection))
    if notes:
        raise SchemaNotCurrent(
            "数据库里已经有表，但和邻里第一版迁移的不一样（"
            + "；".join(notes[:6])
            + "），不能自动接管。请先备份，再找维护人员核对。"
        )
    command.stamp(_config(connection, tables), BASELINE)


def _columns(connection: Connection) -> dict[str, frozenset[str]]:
    inspector = inspect(connection)
    ignored = {APSCHEDULER_TABLE, "alembic_version"}
    return {
        table: frozenset(column["name"] for column in inspector.get_columns(table))
        for table in inspector.get_table_names()
        if table not in ignored
    }


@functools.cache
def _baseline_columns(tables: frozenset[str]) -> dict[str, frozenset[str]]:
    """The baseline's tables and columns, as its migration makes them on a scratch database."""
    from alembic import command

    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as connection:
            command.upgrade(_config(connection, tables), BASELINE)
            return _columns(connection)
    finally:
        scratch.dispose()


def _mismatches(expected: dict[str, frozenset[str]], found: dict[str, frozenset[str]]) -> list[str]:
    notes = [f"缺少表 {name}" for name in sorted(expected.keys() - found.keys())]
    notes += [f"多出表 {name}" for name in sorted(found.keys() - expected.keys())]
    for name in sorted(expected.keys() & found.keys()):
        notes += [f"{name} 缺少列 {column}" for column in sorted(expected[name] - found[name])]
        notes += [f"{name} 多出列 {column}" for column in sorted(found[name] - expected[name])]
    return notes


def write_revision(models: Sequence[type[SQLModel]], message: str, scratch: Path) -> Path:
    """Write the next migration: what the models changed since the newest one, found on a
    scratch SQLite database in the folder `scratch` (for developers, in a checkout).

    Returns:
        The new migration's file; read it, correct it and format it before committing.
    """
    from alembic import command
    from alembic.script import Script

    engine = create_engine(f"sqlite:///{scratch / 'revision.db'}")
    newest = _newest()
    try:
        if newest is not None:
            upgrade(engine, models)
        with engine.begin() as connection:
            config = _config(connection, tables_of(models))
            rev_id = BASELINE if newest is None else f"{int(newest) + 1:04d}"
            script = command.revision(config, message, autogenerate=True, rev_id=rev_id)
    finally:
        engine.dispose()
    assert isinstance(script, Script)
    return Path(script.path)
