"""Telegram end to end on loopback: updates POSTed to the real webhook, PTB talking to a fake
Bot API, and notices delivered within Telegram's limits."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from bot.activities import service as activities
from bot.activities.demo import seed_activities
from bot.activities.service import ActivityInput
from bot.app import App, build_dispatcher, open_database
from bot.channels.telegram import TelegramSender
from bot.channels.web import create_web_app
from bot.clock import utcnow
from bot.config import Settings, load_settings
from bot.db import session_scope
from bot.identity import resolve_user
from bot.kb.store import seed_demo
from bot.orders.models import WorkOrder, WorkOrderPhoto
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.people import invites
from bot.people.models import UserRole
from bot.people.roles import grant
from bot.types import Reply
from knowledge.matcher import Matcher
from scheduler.delivery import Delivery
from tests.e2e.test_wechat import AES_KEY, fire
from tests.fakes import LocalServer
from tests.fakes.telegram_api import (
    FakeBotAPI,
    callback_update,
    command_update,
    location_update,
    photo_update,
    text_update,
)
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.fakes.wechat_client import WeChatTestClient

TOKEN = "123:ABC"
SECRET = "s3cret-token"


@dataclass
class Rig:
    app: App
    api: FakeBotAPI
    url: str
    http: httpx.Client
    next_id: int = 1

    def post(self, update: dict[str, object], secret: str | None = SECRET) -> httpx.Response:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return self.http.post(self.url, json=update, headers=headers)

    def say(self, chat: int, text: str) -> list[dict[str, object]]:
        """Send a text (or /command) and return the messages the bot sent in answer."""
        before = len(self.api.sent)
        self.next_id += 1
        if text.startswith("/"):
            command, _, payload = text[1:].partition(" ")
            update = command_update(self.next_id, chat, command, payload or None)
        else:
            update = text_update(self.next_id, chat, text)
        assert self.post(update).status_code == 200
        return self.api.sent[before:]

    def send(self, update: dict[str, object]) -> list[dict[str, object]]:
        """Post a prepared update (a photo, a location) and return the bot's answers."""
        before = len(self.api.sent)
        assert self.post(update).status_code == 200
        return self.api.sent[before:]

    def tap(self, chat: int, data: str) -> list[dict[str, object]]:
        before = len(self.api.sent)
        self.next_id += 1
        assert self.post(callback_update(self.next_id, chat, data)).status_code == 200
        return self.api.sent[before:]


def telegram_settings(database_url: str, home: Path, api_base: str, **extra: str) -> Settings:
    env = {
        "LINLI_DATABASE_URL": database_url, "LINLI_HOME": str(home),
        "LINLI_TELEGRAM_ENABLED": "true", "LINLI_TELEGRAM_TOKEN": TOKEN,
        "LINLI_TELEGRAM_SECRET_TOKEN": SECRET, "LINLI_TELEGRAM_API_BASE": api_base,
        **extra,
    }  # fmt: skip
    return load_settings(Path(os.devnull), environ=env)


@pytest.fixture
def rig(database_url: str, cache_home: Path, demo_matcher: Matcher) -> Iterator[Rig]:
    with FakeBotAPI(TOKEN) as api:
        settings = telegram_settings(database_url, cache_home, api.base_url)
        engine = open_database(settings)
        seed_demo(engine, utcnow().date())
        seed_activities(engine, utcnow(), settings.zone)
        dispatcher = build_dispatcher(engine, lambda: demo_matcher, settings, utcnow)
        app = App(settings, engine, demo_matcher, dispatcher)
        with LocalServer(create_web_app(app)) as server, httpx.Client(trust_env=False) as http:
            yield Rig(app, api, f"http://127.0.0.1:{server.port}/telegram", http)
        engine.dispose()


def text(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m["text"]) for m in messages)


def test_wrong_secret_and_malformed_updates(rig: Rig) -> None:
    assert rig.post(text_update(1, 42, "你好"), secret=None).status_code == 403
    assert rig.post(text_update(1, 42, "你好"), secret="nope").status_code == 403
    bad = rig.http.post(
        rig.url, content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert bad.status_code == 400
    assert rig.post({"hello": "world"}).status_code == 400
    assert rig.api.sent == []  # nothing processed
    assert rig.say(42, "你好")  # and the bot still works


def test_invite_question_clarify_tap_and_signup(rig: Rig) -> None:
    with session_scope(rig.app.engine) as session:
        code = invites.create(session, utcnow(), "role", dt.timedelta(days=1), "volunteer", "suzhe")
    welcome = text(rig.say(7, f"/start invite_{code}"))
    assert "志愿者" in welcome
    with Session(rig.app.engine) as session:
        assert session.exec(select(UserRole)).one().role == "volunteer"
    answer = text(rig.say(7, "东坡大道名字怎么来的"))
    assert "苏轼" in answer
    assert "\\." in str(rig.api.sent[-1]["text"]) or "." not in answer  # MarkdownV2 escaped
    (choice,) = rig.say(7, "社区")
    buttons = choice["reply_markup"]["inline_keyboard"]  # type: ignore[index]
    assert len(buttons) >= 2
    picked = text(rig.tap(7, buttons[0][0]["callback_data"]))
    assert "回复数字" not in picked
    assert rig.api.answered_callbacks
    listing = text(rig.say(7, "最近有什么活动"))
    number = listing.split("【", 2)[1].split("】")[0]
    form = text(rig.say(7, f"报名 {number}"))
    while "请确认" not in form:
        form = text(
            rig.say(7, "王小明" if "姓名" in form else "13812345678" if "手机" in form else "1")
        )
    assert "报名成功" in text(rig.say(7, "确认"))


def test_reminder_reaches_the_bot_api(rig: Rig) -> None:
    start = utcnow() + dt.timedelta(days=2)
    with session_scope(rig.app.engine) as session:
        data = ActivityInput(
            title="普法小课堂", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="广场", capacity=5,
        )  # fmt: skip
        number = activities.create_activity(session, data, utcnow(), []).id
    rig.say(9, f"报名 {number}")
    rig.say(9, "确认")
    assert fire(rig.app, number or 0, 120, start - dt.timedelta(hours=2)) == "queued"
    sender = TelegramSender(rig.app.settings.telegram)
    Delivery(rig.app.engine, {"telegram": sender}, rig.app.settings.delivery, utcnow).run_once(
        utcnow() + dt.timedelta(seconds=1)
    )
    assert "普法小课堂" in str(rig.api.sent[-1]["text"])
    assert rig.api.sent[-1]["chat_id"] == 9


def test_broadcast_within_limits(rig: Rig) -> None:
    """300 chats (ten seconds of Telegram's 30 a second) at the default rate against
    Telegram's limits enforced strictly: none gets more than one a second, never over 30 a
    second, a 429 is waited out, nothing lost or sent twice. (Once, on SQLite: the outbox on
    PostgreSQL is covered by the other tests.)"""
    if rig.app.settings.database_url.startswith("postgresql"):
        pytest.skip("once is enough: the limits are the sender's, not the database's")
    settings = rig.app.settings.telegram
    rig.api.enforce_limits(per_chat_per_second=1, overall_per_second=30)
    rig.api.rate_limit(retry_after=1, times=1)
    notifier = Notifier(rig.app.settings.zone, utcnow)
    with session_scope(rig.app.engine) as session:
        for chat in range(1000, 1300):
            user = resolve_user(session, "telegram", str(chat), utcnow())
            notifier.send(
                session, user.id or 0, "notice", f"b:{chat}", [Reply("社区通知：明天停水")]
            )
        user = resolve_user(session, "telegram", "1000", utcnow())
        for n in range(2):  # two more to one chat: they must wait their second
            notifier.send(session, user.id or 0, "notice", f"again:{n}", [Reply(f"第{n}条")])
    delivery = Delivery(
        rig.app.engine,
        {"telegram": TelegramSender(settings)},
        rig.app.settings.delivery.model_copy(update={"backoff_seconds": 1}),
        utcnow,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivery.run_once(utcnow() + dt.timedelta(seconds=2))
        with Session(rig.app.engine) as session:
            if not session.exec(select(Outbox).where(Outbox.status == "pending")).first():
                break
        time.sleep(0.5)
    sent = [m for m in rig.api.sent if int(str(m["chat_id"])) >= 1000]
    assert len(sent) == 302
    assert len({(m["chat_id"], m["text"]) for m in sent}) == 302  # none twice
    assert rig.api.violations == []
    to_one = sorted(float(str(m["at"])) for m in sent if m["chat_id"] == 1000)
    assert all(b - a >= 0.99 for a, b in zip(to_one, to_one[1:], strict=False))


def test_linked_identities_share_my_signups(rig: Rig) -> None:
    with FakeWeChatAPI() as wechat_api:
        rig.app.settings.wechat.__dict__.update({
            "enabled": True, "token": "tok", "app_id": "wxtest", "encoding_aes_key": AES_KEY,
            "api_base": wechat_api.base_url,
        })  # fmt: skip
        with LocalServer(create_web_app(rig.app)) as server:
            wechat = WeChatTestClient(
                f"http://127.0.0.1:{server.port}/wechat", "tok", "wxtest", AES_KEY, "safe"
            )
            start = utcnow() + dt.timedelta(days=3)
            with session_scope(rig.app.engine) as session:
                data = ActivityInput(
                    title="云朵灯手工", starts_at=start, ends_at=start + dt.timedelta(hours=1),
                    place="社工室", capacity=5,
                )  # fmt: skip
                number = activities.create_activity(session, data, utcnow(), []).id
            wechat.send_text("o-gran", f"报名 {number}")
            wechat.send_text("o-gran", "确认")
            code_reply = wechat.decrypt_reply(wechat.send_text("o-gran", "绑定"))["Content"]
            code = next(
                w for w in code_reply.replace("：", " ").split() if w.isdigit() and len(w) == 8
            )
            assert "确认绑定" in text(rig.say(55, f"绑定 {code}"))
            confirmed = wechat.decrypt_reply(wechat.send_text("o-gran", "确认绑定"))["Content"]
            assert "绑定成功" in confirmed
            on_telegram = text(rig.say(55, "我的报名"))
            on_wechat = wechat.decrypt_reply(wechat.send_text("o-gran", "我的报名"))["Content"]
            assert "云朵灯手工" in on_telegram
            assert "云朵灯手工" in on_wechat
    json.dumps({})


def test_a_report_takes_a_photo_and_a_location(rig: Rig) -> None:
    """A photo's file_id (never its bytes or a link with the token) and a shared venue join
    a report as in WeChat; staff of the community see the point and that a photo came."""
    assert "苏辙社区的居民" in text(rig.say(51, "我住苏辙社区"))
    assert "方面的问题吗" in text(rig.say(51, "门口路灯坏了，晚上不亮"))
    assert "在哪里" in text(rig.say(51, "是"))
    rig.next_id += 1
    photo = text(rig.send(photo_update(rig.next_id, 51, "AgAD-light", caption="就是这盏")))
    assert "收到照片（共 1 张）" in photo
    rig.next_id += 1
    where = text(rig.send(location_update(rig.next_id, 51, 30.0421, 103.8312, "小区东门")))
    assert "收到位置：小区东门" in where
    assert "照片：1 张" in where
    number = int(re.search(r"编号 (\d+)", text(rig.say(51, "确认"))).group(1))  # type: ignore[union-attr]
    with Session(rig.app.engine) as session:
        order = session.get(WorkOrder, number)
        assert order is not None
        assert (round(order.latitude or 0, 4), round(order.longitude or 0, 4)) == (
            30.0421,
            103.8312,
        )
        stored = session.exec(select(WorkOrderPhoto)).one()
        assert (stored.channel, stored.media_id, stored.url) == ("telegram", "AgAD-light-1280", "")
        staff = resolve_user(session, "telegram", "52", utcnow())
        grant(session, staff.id or 0, "staff", "suzhe")
        session.commit()
    shown = text(rig.say(52, f"工单 {number}")).replace("\\", "")  # MarkdownV2 escapes
    assert "定位 30.04210,103.83120" in shown
    assert "照片 1：（Telegram 发来的" in shown
    assert TOKEN not in shown
