"""`linli db upgrade | current | revision`: the version of the database's schema
(the migrations live in bot/migrations)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import TypeAlias

from bot import migrations
from bot.config import Settings
from bot.db import make_engine
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
    """Add `db upgrade`, `db current` and `db revision` to `linli`."""
    db = commands.add_parser("db", help="数据库：升级结构、查看版本").add_subparsers(
        required=True, metavar="DB_COMMAND"
    )
    upgrade = db.add_parser("upgrade", help="把数据库升级到这一版邻里的结构（请先备份）")
    upgrade.add_argument("--json", action="store_true", help="输出 JSON")
    upgrade.set_defaults(run=_upgrade)
    current = db.add_parser("current", help="看看数据库现在是哪个版本")
    current.add_argument("--json", action="store_true", help="输出 JSON")
    current.set_defaults(run=_current)
    revision = db.add_parser(
        "revision", help="开发者：按模型的改动写出下一个迁移（在源码目录里用）"
    )
    revision.add_argument("message", help="这个迁移做什么（英文，一句话）")
    revision.set_defaults(run=_revision)


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
