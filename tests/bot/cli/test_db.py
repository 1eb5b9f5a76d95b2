"""`linli db current` and `linli db upgrade`, as an operator runs them."""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import stat
from pathlib import Path

import pytest

from bot import migrations
from bot.db import make_engine
from bot.tables import TABLES
from tests.bot.cli.test_main import run  # noqa: F401  (the CLI fixture)
from tests.bot.test_migrations import LEGACY_DUMP
from tests.serving import wait_for


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


def test_downgrade_asks_in_a_script_and_goes_one_step_with_yes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert run("db", "upgrade").returncode == 0
    head = migrations.head()
    previous, _ = migrations.step_back(head)
    refused = run("db", "downgrade", stdin="")
    assert refused.returncode == 1
    assert f"将把数据库从 {head} 回退到 {previous}" in refused.stderr
    assert "请加 --yes 再运行一次" in refused.stderr
    assert json.loads(run("db", "current", "--json").stdout)["current"] == head  # unchanged
    done = run("db", "downgrade", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"from": head, "to": previous, "downgraded": True}
    assert json.loads(run("db", "current", "--json").stdout)["state"] == "behind"
    assert "linli db upgrade" in run("ask", "你好").stderr  # this Linli now refuses it
    assert run("db", "upgrade").returncode == 0
    assert json.loads(run("db", "current", "--json").stdout)["current"] == head


def test_downgrade_stops_at_the_first_migration_and_on_an_empty_database(  # type: ignore[no-untyped-def]
    run,  # noqa: F811
    tmp_path: Path,
) -> None:
    empty = run("db", "downgrade", "--yes")
    assert empty.returncode == 1
    assert "没有这一版邻里能撤销的迁移" in empty.stderr
    assert run("db", "upgrade").returncode == 0
    # every migration's own downgrade, walked in this process (a command each would take a
    # minute); the command's one step is test_downgrade_asks_in_a_script_and_goes_one_step...
    engine = make_engine(f"sqlite:///{tmp_path / 'home' / 'linli.db'}")
    try:
        at = migrations.head()
        while (previous := migrations.step_back(at)[0]) is not None:
            at = str(migrations.downgrade(engine, TABLES, "-1").current)
            assert at == previous
    finally:
        engine.dispose()
    assert current(run) == migrations.BASELINE
    first = run("db", "downgrade", "--yes")
    assert first.returncode == 1
    assert "再往回就是删掉所有表和数据，不做" in first.stderr
    assert current(run) == migrations.BASELINE


def current(run) -> str:  # type: ignore[no-untyped-def]  # noqa: F811
    return str(json.loads(run("db", "current", "--json").stdout)["current"])


@pytest.mark.parametrize(("answer", "code"), [("确认", 0), ("不要", 1)])
def test_downgrade_at_a_terminal_needs_the_word(run, answer: str, code: int) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert run("db", "upgrade").returncode == 0
    head = migrations.head()
    main, terminal = pty.openpty()
    try:
        os.write(main, (answer + "\n").encode())
        done = run("db", "downgrade", stdin_fd=terminal)
    finally:
        os.close(main)
        os.close(terminal)
    assert done.returncode == code, done.stderr
    assert "回退前请先备份" in done.stderr
    assert (current(run) == head) is (code == 1)
    if code == 1:
        assert "好的，没有回退。" in done.stderr


def test_backup_copies_a_live_sqlite_database(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert run("ask", "你好").returncode == 0  # a database with a resident in it
    live = sqlite3.connect(tmp_path / "home" / "linli.db", isolation_level=None)
    live.execute("BEGIN IMMEDIATE")  # a writer in the middle of its transaction
    live.execute("UPDATE user SET display_name = 'not yet committed'")
    backups = tmp_path / "home" / "backups"
    try:
        making = run.start("backup", "--json")
        # the copy is made while the writer holds its lock; then the writer commits nothing
        # (the command's audit line waits for the lock a real writer soon lets go of)
        wait_for(lambda: copied(backups) or making.poll() is not None)
    finally:
        live.execute("ROLLBACK")
        live.close()
    out, err = making.communicate(timeout=120)
    assert making.returncode == 0, err
    record = json.loads(out)
    copy = Path(record["path"])
    assert copy.parent == backups
    assert record["bytes"] == copy.stat().st_size > 0
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with sqlite3.connect(copy) as db:
        names = db.execute("SELECT display_name FROM user").fetchall()
        version = db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert names
    assert ("not yet committed",) not in names
    assert version == [(migrations.head(),)]
    again = run("backup", "--out", str(copy))
    assert again.returncode == 1
    assert "已经存在，不覆盖" in again.stderr
    named = run("backup", "--out", str(tmp_path / "mine.db"))
    assert named.stdout.startswith(f"已备份到 {tmp_path / 'mine.db'}（")


def copied(folder: Path) -> bool:
    """Whether a backup in `folder` has its pages (the file is made empty first)."""
    return any(f.stat().st_size > 0 for f in folder.glob("*.db"))


def test_backup_on_postgresql_points_to_pg_dump(run) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url = "postgresql+psycopg://linli:pw-not-shown@127.0.0.1:1/linli"
    refused = run("backup", env={"LINLI_DATABASE_URL": url})
    assert refused.returncode == 1
    assert "请用 pg_dump 备份" in refused.stderr
    assert "back it up with pg_dump" in refused.stderr
    assert "pw-not-shown" not in refused.stderr + refused.stdout
