"""`linli push ...` and `linli tag ...` as staff at the server run them: one transaction per
command, a refusal is a Chinese sentence on stderr (exit 1) and changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.announcements.delivery import start_due
from bot.announcements.models import Announcement, NoticeOptOut
from bot.app import open_database
from bot.cli.main import main
from bot.clock import utcnow
from bot.config import Settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.outbox.models import Outbox
from bot.people.models import UserTag

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, object]:
        assert self.code == 0, self.err
        found: dict[str, object] = json.loads(self.out)
        return found


Linli = Callable[..., Result]


@pytest.fixture
def linli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Linli:  # fmt: skip
    """Run `linli ...` in this process, configured by the environment as at a server."""
    monkeypatch.chdir(tmp_path)  # no ./config.toml
    for name in [n for n in os.environ if n.startswith("LINLI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LINLI_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("LINLI_HOME", str(settings.general.home))

    def run(*argv: str) -> Result:
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return Result(code, out, err)

    return run


@pytest.fixture
def engine(settings: Settings, linli: Linli) -> Iterator[Engine]:
    """The database the commands use, with the demo communities (seeded by a first command)."""
    assert linli("push", "list").code == 0
    engine = open_database(settings)
    yield engine
    engine.dispose()


def residents(engine: Engine, community: str, *names: str) -> list[int]:
    with session_scope(engine) as session:
        ids = []
        for name in names:
            user = resolve_user(session, "console", name, utcnow())
            user.community_id = community
            session.add(user)
            ids.append(user.id or 0)
        return ids


def tomorrow_at(clock: str) -> str:
    return f"{(utcnow() + dt.timedelta(days=1)).astimezone(SHANGHAI):%Y-%m-%d} {clock}"


def announcement_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Announcement)).one())


def test_send_to_a_community_by_name_at_a_time(linli: Linli, engine: Engine) -> None:
    ann, bob, cat = residents(engine, "suzhe", "ann", "bob", "cat")
    residents(engine, "penglai", "dan")
    with session_scope(engine) as session:
        session.add(NoticeOptOut(user_id=cat, topic="all", created_at=utcnow()))
    at = tomorrow_at("09:00")

    sent = linli(
        "push", "send", "周六停水，请提前储水", "--community", "苏辙", "--at", at,
        "--topic", "safety", "--link", "https://example.cn/a", "--json",
    ).json()  # fmt: skip
    assert (sent["recipients"], sent["opted_out"]) == (2, 1)
    meant = dt.datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    assert dt.datetime.fromisoformat(str(sent["send_at"])) == meant
    assert f"公告 #{sent['id']} 已安排" in str(sent["text"])
    with Session(engine) as session:
        stored = session.get(Announcement, sent["id"])
    assert stored is not None
    assert (stored.communities, stored.topic, stored.status, stored.sender_id) == (
        ["suzhe"], "safety", "scheduled", None,
    )  # fmt: skip
    assert stored.link == "https://example.cn/a"

    plain = linli("push", "send", "消防演练", "--community", "suzhe", "--role", "volunteer")
    assert plain.code == 0
    assert "预计发给 0 人（0 人已退订，不发）" in plain.out
    assert "linli push progress 2" in plain.out


def test_everyone_says_the_reach_and_needs_yes(
    linli: Linli, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    residents(engine, "suzhe", "ann", "bob")
    refused = linli("push", "send", "停水通知", "--everyone")
    assert (refused.code, refused.out) == (1, "")
    assert "全区所有人，约 2 人" in refused.err
    assert "--yes" in refused.err
    assert announcement_count(engine) == 0

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    answers = iter(["好的", "确认"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    not_quite = linli("push", "send", "停水通知", "--everyone")  # "好的" is not explicit
    assert (not_quite.code, announcement_count(engine)) == (1, 0)
    assert "约 2 人" in not_quite.err
    assert linli("push", "send", "停水通知", "--everyone").code == 0
    assert announcement_count(engine) == 1


def test_list_and_cancel(linli: Linli, engine: Engine) -> None:
    first = linli(
        "push", "send", "停水通知", "--everyone", "--yes", "--at", tomorrow_at("09:00"), "--json"
    )
    number = first.json()["id"]
    listing = linli("push", "list")
    assert listing.code == 0
    assert f"#{number} 待发送" in listing.out
    assert "停水通知" in listing.out
    items = linli("push", "list", "--json").json()["announcements"]
    assert isinstance(items, list)
    (item,) = items
    assert (item["id"], item["status"], item["recipients"]) == (number, "scheduled", 0)

    cancelled = linli("push", "cancel", str(number))
    assert (cancelled.code, cancelled.out.strip()) == (0, f"公告 #{number} 已取消。")
    again = linli("push", "cancel", str(number))
    assert (again.code, again.out) == (1, "")
    assert f"公告 #{number} 已经取消过了" in again.err
    missing = linli("push", "cancel", "404")
    assert (missing.code, missing.err.strip()) == (1, "没有编号为 404 的公告。")
    assert f"#{number} 已取消" in linli("push", "list").out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["停水通知"], "还没选发给谁"),
        (["停水通知", "--community", "火星"], "没有这个社区：火星"),
        (["停水通知", "--everyone", "--at", "2020-01-01 09:00"], "时间已经过去了"),
        (["停水通知", "--everyone", "--at", "明天早上"], "发送时间"),
        (["停水通知", "--everyone", "--topic", "sports"], "没有这个公告类别"),
        (["停水通知", "--everyone", "--link", "example.cn"], "链接格式不对"),
        (["", "--everyone"], "不能是空的"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    linli: Linli, engine: Engine, argv: list[str], says: str
) -> None:
    result = linli("push", "send", *argv)
    assert (result.code, result.out) == (1, "")
    assert says in result.err
    assert announcement_count(engine) == 0


def test_progress_json(linli: Linli, engine: Engine, settings: Settings) -> None:
    residents(engine, "suzhe", "ann", "bob", "cat")
    number = linli("push", "send", "停水通知", "--community", "suzhe", "--json").json()["id"]
    scheduled = linli("push", "progress", str(number), "--json").json()
    assert set(scheduled) == {
        "id", "status", "total", "waiting", "counts", "reasons", "opted_out", "text",
    }  # fmt: skip
    assert (scheduled["status"], scheduled["total"], scheduled["waiting"]) == ("scheduled", 3, 3)

    start_due(engine, utcnow(), settings.announcements)
    with session_scope(engine) as session:
        ann = resolve_user(session, "console", "ann", utcnow()).id
        for row in session.exec(select(Outbox).where(Outbox.ref == f"announcement:{number}")):
            if row.user_id == ann:
                row.status, row.last_error = "undeliverable", "the resident unfollowed the account"
                session.add(row)
    going = linli("push", "progress", str(number), "--json").json()
    assert (going["status"], going["total"], going["waiting"]) == ("sending", 3, 2)
    assert going["counts"] == {"pending": 2, "undeliverable": 1}
    assert going["reasons"] == {"已取消关注公众号": 1}
    assert going["opted_out"] == 0
    assert "正在发送：共 3 人" in str(going["text"])

    missing = linli("push", "progress", "99")
    assert (missing.code, missing.err.strip()) == (1, "没有编号为 99 的公告。")


def test_progress_watch_stops_when_finished(linli: Linli, engine: Engine) -> None:
    number = linli("push", "send", "停水通知", "--everyone", "--yes", "--at",
                   tomorrow_at("09:00"), "--json").json()["id"]  # fmt: skip
    assert linli("push", "cancel", str(number)).code == 0
    watched = linli("push", "progress", str(number), "--watch", "0.01")
    assert watched.code == 0
    assert watched.out.strip() == f"公告 #{number} 已取消，没有发出。"


def test_tags(linli: Linli, engine: Engine) -> None:
    ann, bob = residents(engine, "suzhe", "ann", "bob")
    added = linli("tag", "add", "console:ann", "老年人", "党员", "--json").json()
    assert added == {"user": ann, "tags": ["党员", "老年人"], "text": added["text"]}
    assert linli("tag", "add", str(bob), "老年人", "老年人").code == 0  # given twice: once
    assert linli("tag", "list", "--json").json()["tags"] == {"党员": 1, "老年人": 2}
    assert "老年人：2 人" in linli("tag", "list").out

    removed = linli("tag", "remove", "console:ann", "老年人", "不存在的标签")
    assert (removed.code, removed.out.strip()) == (0, f"用户 {ann} 的标签：党员")
    with Session(engine) as session:
        rows = session.exec(select(UserTag.user_id, UserTag.tag)).all()
    assert sorted(rows) == sorted([(ann, "党员"), (bob, "老年人")])

    for argv, says in [
        (["add", "console:nobody", "老年人"], "找不到用户：console:nobody"),
        (["add", "console:ann", "长" * 33], "标签太长了"),
    ]:
        refused = linli("tag", *argv)
        assert (refused.code, refused.out) == (1, "")
        assert says in refused.err
    assert linli("tag", "list", "--json").json()["tags"] == {"党员": 1, "老年人": 1}


def test_no_tags_yet(linli: Linli) -> None:
    result = linli("tag", "list")
    assert (result.code, result.out.strip()) == (0, "还没有标签。")
