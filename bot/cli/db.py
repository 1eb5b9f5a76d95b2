"""`linli db upgrade | downgrade | current | revision`: the version of the database's schema
(the migrations live in bot/migrations); `linli backup`: a copy of a SQLite database."""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import TypeAlias

from sqlalchemy.engine import make_url

from bot import migrations
from bot.cli.desk import confirm
from bot.clock import utcnow
from bot.config import Settings
from bot.db import make_engine
from bot.errors import UserFacingError
from bot.files import private_dir, private_file
from bot.migrations import Schema, SchemaState
from bot.tables import TABLES

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

_STATES = {
    SchemaState.EMPTY: "空库，还没有表",
    SchemaState.UNVERSIONED: "旧版邻里建的，还没有版本号",
    SchemaState.BEHIND: "旧版本，需要升级",
    SchemaState.CURRENT: "最新",
    SchemaState.AHEAD: "比这一版邻里新",
}


def add_commands(commands: Subcommands) -> None:
    """Add `db upgrade`, `db downgrade`, `db current`, `db revision` and `backup` to `linli`."""
    db = commands.add_parser("db", help="数据库：升级结构、查看版本").add_subparsers(
        required=True, metavar="DB_COMMAND"
    )
    upgrade = db.add_parser("upgrade", help="把数据库升级到这一版邻里的结构（请先备份）")
    upgrade.add_argument("--json", action="store_true", help="输出 JSON")
    upgrade.set_defaults(run=_upgrade)
    downgrade = db.add_parser(
        "downgrade", help="撤销最新的一个迁移，回到上一个版本（换回旧版邻里之前用；请先备份）"
    )
    downgrade.add_argument("--yes", action="store_true", help="不再询问，直接回退（脚本里用）")
    downgrade.add_argument("--json", action="store_true", help="输出 JSON")
    downgrade.set_defaults(run=_downgrade)
    current = db.add_parser("current", help="看看数据库现在是哪个版本")
    current.add_argument("--json", action="store_true", help="输出 JSON")
    current.set_defaults(run=_current)
    revision = db.add_parser(
        "revision", help="开发者：按模型的改动写出下一个迁移（在源码目录里用）"
    )
    revision.add_argument("message", help="这个迁移做什么（英文，一句话）")
    revision.set_defaults(run=_revision)
    backup = commands.add_parser("backup", help="备份 SQLite 数据库（运行中也可以）")
    backup.add_argument("--out", type=Path, help="备份文件（默认数据目录的 backups/ 下）")
    backup.add_argument("--json", action="store_true", help="输出 JSON")
    backup.set_defaults(run=_backup)


def _upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url, echo=settings.database.echo)
    try:
        before, after = migrations.upgrade(engine, TABLES)
    finally:
        engine.dispose()
    if args.json:
        record = {"from": before.current, "to": after.current, "was": before.state.value}
        print(json.dumps(record | {"upgraded": before.current != after.current}))
    elif before.current == after.current:
        print(f"数据库已经是最新版本 {after.current}，不用升级。")
    else:
        print(f"数据库已从 {_version(before)} 升级到 {after.current}。")
    return 0


def _current(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url, echo=settings.database.echo)
    try:
        with engine.connect() as connection:
            schema = migrations.schema_of(connection)
    finally:
        engine.dispose()
    if args.json:
        record = {"current": schema.current, "head": schema.head, "state": schema.state.value}
        print(json.dumps(record))
        return 0
    version = schema.current or "无"
    print(f"数据库版本：{version}（{_STATES[schema.state]}）；这一版邻里要的是 {schema.head}。")
    if schema.state in (SchemaState.BEHIND, SchemaState.UNVERSIONED):
        print("请先备份数据库，再运行 linli db upgrade。")
    return 0


def _version(schema: Schema) -> str:
    if schema.current is not None:
        return schema.current
    return "空库" if schema.state is SchemaState.EMPTY else "没有版本号的旧库"


def _revision(args: argparse.Namespace, settings: Settings) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        path = migrations.write_revision(TABLES, args.message, Path(scratch))
    print(f"已写出 {path}：请逐行核对，用 ruff format 排好版再提交。")
    return 0


def _downgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url, echo=settings.database.echo)
    try:
        with engine.connect() as connection:
            before = migrations.schema_of(connection)
        previous, undone = _one_step_back(before)
        if not args.yes:
            what = f"将把数据库从 {before.current} 回退到 {previous}，撤销迁移 {before.current}"
            backup = "回退前请先备份（linli backup 或 pg_dump）。"
            confirm(f"{what}（{undone}）。{backup}", "回退", "好的，没有回退。")
        after = migrations.downgrade(engine, TABLES, "-1")
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"from": before.current, "to": after.current, "downgraded": True}))
    else:
        print(
            f"数据库已从 {before.current} 回退到 {after.current}。现在请换回旧版邻里；"
            f"这一版会要求先运行 linli db upgrade。"
        )
    return 0


def _one_step_back(schema: Schema) -> tuple[str, str]:
    """The version one step back from `schema` and what the step undoes, or why not."""
    if schema.state not in (SchemaState.CURRENT, SchemaState.BEHIND) or schema.current is None:
        raise UserFacingError(
            f"数据库现在是“{_STATES[schema.state]}”，没有这一版邻里能撤销的迁移，什么都没改。"
        )
    previous, undone = migrations.step_back(schema.current)
    if previous is None:
        raise UserFacingError(
            f"数据库已经在第一个迁移 {schema.current}：再往回就是删掉所有表和数据，不做。"
        )
    return previous, undone


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        raise UserFacingError(
            "这是 PostgreSQL 数据库：请用 pg_dump 备份，例如 pg_dump -Fc -f linli.dump 数据库名"
            "（见 docs/deploy.md）。\n"
            "This database is PostgreSQL: back it up with pg_dump, e.g. "
            "pg_dump -Fc -f linli.dump DBNAME (see docs/deploy.md)."
        )
    source = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source.is_file():
        raise UserFacingError(f"找不到要备份的数据库文件：{url.database or '（内存数据库）'}")
    out = args.out or _default_backup(settings)
    size = _copy_sqlite(source, out)
    if args.json:
        print(json.dumps({"path": str(out), "bytes": size}, ensure_ascii=False))
    else:
        print(f"已备份到 {out}（{_size(size)}）。")
    return 0


def _default_backup(settings: Settings) -> Path:
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return private_dir(settings.home / "backups") / f"linli-{stamp}.db"


def _copy_sqlite(source: Path, out: Path) -> int:
    """Copy the database with SQLite's online backup (a consistent snapshot while Linli
    keeps writing), check the copy, and return its size in bytes."""
    if out.exists():
        raise UserFacingError(f"{out} 已经存在，不覆盖：请换一个文件名。")
    if not out.parent.is_dir():
        raise UserFacingError(f"没有 {out.parent} 这个文件夹。")
    reader = sqlite3.connect(source, timeout=30)  # it only reads; the backup waits for writers
    try:
        copy = sqlite3.connect(private_file(out))
        try:
            reader.backup(copy)
            checked = copy.execute("PRAGMA quick_check").fetchone()
        finally:
            copy.close()
    finally:
        reader.close()
    if checked != ("ok",):
        out.unlink()
        raise UserFacingError(f"备份出来的文件没有通过检查（{checked}），已删除；请再试一次。")
    return out.stat().st_size


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"
