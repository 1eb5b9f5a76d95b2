"""A staff member schedules an announcement to 苏辙社区 in chat — on the console and through the
WeChat webhook — and at its time it reaches that community's subscribed residents only (not the
one who said "退订", not another community's), and the sender gets the delivery report."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.app import App, channel_senders
from bot.clock import utcnow
from bot.db import session_scope
from bot.identity import resolve_user
from bot.people.roles import grant
from bot.types import Incoming
from scheduler.delivery import ConsoleSender
from scheduler.service import SchedulerService
from tests.conftest import NOW, Clock
from tests.e2e.test_wechat import Rig, rig, text_of  # noqa: F401  (the WeChat rig fixture)

STAFF_SCRIPT = ["发公告", "本周六上午九点，社区广场免费量血压，欢迎来。", "不用", "苏辙社区", "1",
                "3", "明天 9:00", "确认"]  # fmt: skip


def compose(say: Callable[[str], str]) -> list[str]:
    """Walk the staff flow; the community is picked by the number shown for 苏辙社区."""
    replies = []
    for line in STAFF_SCRIPT:
        if line == "苏辙社区":
            menu = replies[-1].splitlines()
            line = next(row.split(".")[0] for row in menu if "苏辙社区" in row)
        replies.append(say(line))
    return replies


@pytest.fixture
def service(app: App, clock: Clock, tmp_path: Path) -> Iterator[SchedulerService]:
    sender = ConsoleSender(tmp_path / "console-outbox.jsonl", per_second=1000)
    running = SchedulerService(app.engine, app.settings, clock=clock, senders={"console": sender})
    yield running
    running.shutdown()


def test_console_session(
    app: App, clock: Clock, text: Callable[..., Incoming], service: SchedulerService,
    tmp_path: Path,
) -> None:  # fmt: skip
    def say(line: str, user: str = "secretary") -> str:
        return app.dispatcher.handle(text(line, user=user)).text

    say("你好")
    with session_scope(app.engine) as session:
        grant(session, resolve_user(session, "console", "secretary", NOW).id or 0, "staff", "suzhe")
    for resident in ("ann", "bob", "cat"):
        assert "苏辙社区的居民" in say("我是苏辙社区的", user=resident)
    assert "退订" in say("退订", user="cat")
    say("我是蓬莱社区的", user="dan")

    replies = compose(say)
    preview, done = replies[-2], replies[-1]
    assert "苏辙社区的全部居民（约 2 人，1 人已退订不发）" in preview
    assert "本周六上午九点" in preview
    assert "已安排" in done
    service.tick()
    assert inbox(tmp_path) == {}  # not before its time
    assert "#1 待发送" in say("公告列表")

    clock.now = _tomorrow_at_nine(app, clock) + dt.timedelta(minutes=1)
    service.tick()  # queued and delivered
    service.tick()  # every recipient handled: the report goes to the sender
    service.tick()
    got = inbox(tmp_path)
    assert sorted(u for u, texts in got.items() if any("量血压" in t for t in texts)) == [
        "ann", "bob",
    ]  # fmt: skip
    (report,) = [t for t in got["secretary"] if "公告 #1" in t]
    assert "发送完成：共 2 人" in report
    assert "已送达 2 人" in report
    assert "已退订、没有发送 1 人" in report
    assert "健康服务" in got["ann"][0]
    assert "发送完成" in say("公告进度 1")


def test_wechat_session(rig: Rig) -> None:  # noqa: F811
    client = rig.client("safe")

    def say(line: str, user: str = "o-secretary") -> str:
        return text_of(client, client.send_text(user, line))

    say("你好")
    with session_scope(rig.app.engine) as session:
        grant(
            session,
            resolve_user(session, "wechat", "o-secretary", utcnow()).id or 0,
            "staff",
            "suzhe",
        )
    for resident in ("o-ann", "o-bob", "o-cat"):
        assert "苏辙社区的居民" in say("我是苏辙社区的", user=resident)
    assert "已为您退订" in say("退订", user="o-cat")
    say("我是蓬莱社区的", user="o-dan")

    replies = compose(say)
    assert "约 2 人，1 人已退订不发" in replies[-2]
    assert "已安排" in replies[-1]
    clock = Clock(_tomorrow_at_nine(rig.app, Clock(dt.datetime.now(dt.UTC))))
    senders = channel_senders(rig.app.engine, rig.app.settings)
    service = SchedulerService(rig.app.engine, rig.app.settings, clock=clock, senders=senders)
    try:
        clock.advance(minutes=1)
        for _ in range(3):
            service.tick()
    finally:
        service.shutdown()
    pushed = {m["touser"]: m["text"]["content"] for m in rig.api.custom_messages}
    assert sorted(u for u, body in pushed.items() if "量血压" in body) == ["o-ann", "o-bob"]
    assert "发送完成：共 2 人" in pushed["o-secretary"]
    assert "已送达 2 人" in pushed["o-secretary"]


def inbox(tmp_path: Path) -> dict[str, list[str]]:
    log = tmp_path / "console-outbox.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    got: dict[str, list[str]] = {}
    for record in map(json.loads, lines):
        got.setdefault(record["user"], []).append(record["text"])
    return got


def _tomorrow_at_nine(app: App, clock: Clock) -> dt.datetime:
    zone = app.settings.zone
    tomorrow = clock().astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(9), tzinfo=zone)
