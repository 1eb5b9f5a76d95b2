"""`linli db current` and `linli db upgrade`, as an operator runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot import migrations
from tests.bot.cli.test_main import run  # noqa: F401  (the CLI fixture)
from tests.bot.test_migrations import LEGACY_DUMP


def test_current_and_upgrade_on_a_new_database(run) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    current = run("db", "current", "--json")
    assert current.returncode == 0, current.stderr
    head = migrations.head()
    assert json.loads(current.stdout) == {"current": None, "head": head, "state": "empty"}
    upgraded = run("db", "upgrade", "--json")
    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(upgraded.stdout) == {
        "from": None, "to": head, "was": "empty", "upgraded": True,
    }  # fmt: skip
    again = run("db", "upgrade")
    assert again.stdout.strip() == f"数据库已经是最新版本 {head}，不用升级。"
    assert f"数据库版本：{head}（最新）" in run("db", "current").stdout


def test_upgrade_adopts_a_database_of_the_release_before(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    path = tmp_path / "home" / "linli.db"
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_DUMP.read_text(encoding="utf-8"))
    current = run("db", "current")
    assert "旧版邻里建的，还没有版本号" in current.stdout
    assert "linli db upgrade" in current.stdout
    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.strip() == f"数据库已从 没有版本号的旧库 升级到 {migrations.head()}。"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT display_name FROM user").fetchall() == [("安安",)]
