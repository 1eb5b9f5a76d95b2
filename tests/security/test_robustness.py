"""Bad input and a hostile environment get a clear Chinese answer and change nothing: values
too long for their column (the same limit on SQLite and PostgreSQL), numbers too large,
imports without an end, a read-only or full database, and personal data on disk readable by
its owner only."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

from bot.activities.models import Activity
from bot.app import App, open_database
from bot.cli import main as cli
from bot.config import Settings, load_settings
from bot.db import session_scope
from bot.errors import ConfigError, TooLong
from bot.models import ChannelIdentity, User
from bot.spreadsheets import write_table
from bot.types import Incoming
from knowledge import loader
from tests.conftest import NOW

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def linli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """`linli ...` in this process, on the test's database, with no config file."""
    monkeypatch.setenv("LINLI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINLI_HOME", str(settings.home))

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(["--config", os.devnull, *argv])
        except SystemExit as exc:  # argparse refusing an argument
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


def activities_in(url: str) -> int:
    engine = open_database(Settings.model_validate({"database": {"url": url}}))
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Activity)).one()
    engine.dispose()
    return count


def later(days: int) -> str:
    return f"{dt.datetime.now(dt.UTC) + dt.timedelta(days=days):%Y-%m-%d 09:30}"


def create_args(*extra: str) -> list[str]:
    return [
        "activity", "create", "--title", "义诊", "--start", later(3), "--end", later(4),
        "--place", "广场", "--capacity", "5", *extra,
    ]  # fmt: skip


def test_a_title_too_long_is_refused_the_same_on_both_databases(
    linli: Run, settings: Settings
) -> None:
    code, _, err = linli(*create_args("--title", "长" * 200))
    assert code == 1
    assert "最多 80 个字" in err
    assert activities_in(settings.database_url) == 0


def test_any_value_too_long_for_its_column_is_refused_before_the_database(app: App) -> None:
    with Session(app.engine) as session:
        session.add(User(created_at=NOW))
        session.flush()
        session.add(ChannelIdentity(channel="wechat", external_id="o" * 129, user_id=1))
        with pytest.raises(TooLong, match="用户标识太长了"):
            session.commit()
    with Session(app.engine) as session:
        assert session.exec(select(func.count()).select_from(ChannelIdentity)).one() == 0


def test_a_sender_id_too_long_is_refused_and_nothing_is_stored(app: App) -> None:
    outcome = app.dispatcher.handle(Incoming("wechat", "o" * 200, "你好", msg_id="m-1"))
    assert outcome.intent == "refused"
    with Session(app.engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (create_args("--capacity", "9" * 30), "名额最多 10000 人"),
        (["invite", "create", "--role", "volunteer", "--days", "100000000"], "要在 0.01 到 90"),
        (["invite", "create", "--role", "volunteer", "--days", "-3"], "要在 0.01 到 90"),
        (["invite", "create", "--role", "volunteer", "--days", "nan"], "要在 0.01 到 90"),
        (["activity", "cancel", "9" * 25], "要在 1 到 2147483647"),
        (["shift", "roster", "99999999999", "--out", "x.csv"], "要在 1 到 2147483647"),
        (["unanswered", "--limit", "-1"], "要在 1 到 10000"),
    ],
)
def test_numbers_out_of_range_are_refused_readably(
    linli: Run, settings: Settings, argv: list[str], said: str
) -> None:
    code, _, err = linli(*argv)
    assert code in (1, 2)
    assert said in err
    assert activities_in(settings.database_url) == 0


def test_an_endless_or_huge_knowledge_file_is_refused(
    linli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = linli("kb", "import", "/dev/zero")
    assert code != 0
    assert "不是一个普通文件" in err
    big = tmp_path / "big.yaml"
    big.write_text("entries: []\n" + "#" * 5000, encoding="utf-8")
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    code, _, err = linli("kb", "import", str(big))
    assert code != 0
    assert "文件太大" in err


def test_a_read_only_database_is_a_clear_error(
    linli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ro.db"
    open_database(Settings.model_validate({"database": {"url": f"sqlite:///{path}"}})).dispose()
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    code, _, err = linli(*create_args())
    assert code == 3
    assert "只读" in err
    assert activities_in(f"sqlite:///{path}") == 0


@pytest.fixture
def full_disk(app: App) -> Iterator[Engine]:
    """The app's SQLite database, unable to grow by one page more (as on a full disk)."""
    if app.engine.dialect.name != "sqlite":
        pytest.skip("a full disk is simulated with SQLite's max_page_count")

    def cap(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    app.engine.dispose()
    event.listen(app.engine, "connect", cap)
    yield app.engine
    event.remove(app.engine, "connect", cap)


def test_a_full_disk_gets_an_apology_not_an_exception(app: App, full_disk: Engine) -> None:
    unanswerable = "菜市场几点关门呢" * 300  # logged as unanswered (2,000 characters): more pages
    outcomes = [
        app.dispatcher.handle(Incoming("console", f"u{n}", unanswerable)).intent for n in range(20)
    ]
    assert "error" in outcomes  # the apology: the disk filled up, nothing was half-written
    with full_disk.connect() as connection, pytest.raises(OperationalError, match="full"):
        connection.execute(text("CREATE TABLE filler (x TEXT)"))


def test_what_staff_are_told_when_storage_refuses() -> None:
    full = OperationalError("INSERT", {}, Exception("database or disk is full"))
    assert "磁盘满了" in cli.storage_problem(full)
    assert "磁盘满了" in cli.storage_problem(OSError(28, "No space left on device"))
    readonly = OperationalError("INSERT", {}, Exception("attempt to write a readonly database"))
    assert "只读" in cli.storage_problem(readonly)


def test_personal_data_on_disk_is_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "fresh" / "linli"
    engine = open_database(Settings.model_validate({"general": {"home": home}}))
    with session_scope(engine) as session:
        session.add(User(created_at=NOW))
    engine.dispose()
    assert stat.S_IMODE((home / "linli.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for wal in home.glob("linli.db-*"):
        assert stat.S_IMODE(wal.stat().st_mode) & 0o077 == 0
    export = tmp_path / "名单.csv"
    write_table(export, [["姓名", "电话"], ["李大爷", "13912345678"]], "名单")
    assert stat.S_IMODE(export.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "settings_env",
    [
        {"LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_APP_ID": "a",
         "LINLI_WECHAT_APP_SECRET": "s"},
        {"LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok"},
        {"LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok", "LINLI_WECHAT_APP_ID": "wx1",
         "LINLI_WECHAT_APP_SECRET": "s", "LINLI_WECHAT_ENCODING_AES_KEY": "short"},
    ],
)  # fmt: skip
def test_an_enabled_wechat_account_needs_its_secrets(settings_env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="wechat"):
        load_settings(Path(os.devnull), environ=settings_env)


def test_a_message_id_reused_by_another_sender_gets_nothing_of_the_first(app: App) -> None:
    first = app.dispatcher.handle(Incoming("wechat", "o-ann", "低保怎么申请", msg_id="m-42"))
    assert first.intent == "faq"
    other = app.dispatcher.handle(Incoming("wechat", "o-eve", "你好", msg_id="m-42"))
    assert other.intent == "refused"
    assert other.replies == ()
    again = app.dispatcher.handle(Incoming("wechat", "o-ann", "低保怎么申请", msg_id="m-42"))
    assert again.text == first.text  # the real re-send still gets its answer


def test_a_missing_knowledge_file_is_named_as_missing(linli: Run, tmp_path: Path) -> None:
    code, _, err = linli("kb", "import", str(tmp_path / "nowhere.jsonl"))
    assert code != 0
    assert "找不到" in err
    assert "nowhere.jsonl" in err
