"""WeChat end to end on loopback: the real webhook in uvicorn, a client that signs and
encrypts like WeChat's servers, and a fake of WeChat's API for everything Linli sends."""

from __future__ import annotations

import base64
import datetime as dt
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.activities import service as activities
from bot.activities.demo import seed_activities
from bot.activities.models import Registration
from bot.activities.service import ActivityInput
from bot.app import App, build_dispatcher, channel_senders, open_database
from bot.channels.web import create_web_app
from bot.clock import utcnow
from bot.config import Settings, load_settings
from bot.db import session_scope
from bot.intent import Context
from bot.kb.store import seed_demo
from bot.models import ChannelIdentity, Conversation
from bot.outbox.models import Outbox
from bot.outbox.notifier import Notifier
from bot.types import Outcome, Reply
from knowledge.matcher import Matcher
from scheduler.delivery import Delivery
from scheduler.reminders import send_reminders
from scheduler.runtime import Runtime
from tests.fakes import LocalServer
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.fakes.wechat_client import WeChatTestClient

AES_KEY = base64.b64encode(b"linli-test-key-0123456789abcdef!").decode().rstrip("=")
MODES = ["plain", "compatible", "safe"]


@dataclass
class Rig:
    """Linli behind its webhook, the fake WeChat API, and a way to make clients. The account's
    mode is the server's: `url` has an EncodingAESKey (compatible and safe mode), `plain_url`
    the same Linli without one (plain mode; with a key, plain requests are refused)."""

    app: App
    api: FakeWeChatAPI
    url: str
    plain_url: str

    def client(self, mode: str) -> WeChatTestClient:
        url = self.plain_url if mode == "plain" else self.url
        return WeChatTestClient(url, "tok", "wxtest", AES_KEY, mode)  # type: ignore[arg-type]

    def deliver(self, at: dt.datetime | None = None) -> int:
        """Deliver what is due a second after `at` (default: now)."""
        senders = channel_senders(self.app.engine, self.app.settings)
        due = (at or utcnow()) + dt.timedelta(seconds=1)
        return Delivery(self.app.engine, senders, self.app.settings.delivery, utcnow).run_once(due)


def wechat_settings(database_url: str, home: Path, api_base: str, **extra: str) -> Settings:
    env = {
        "LINLI_DATABASE_URL": database_url, "LINLI_HOME": str(home),
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxtest", "LINLI_WECHAT_APP_SECRET": "s3cret",
        "LINLI_WECHAT_ENCODING_AES_KEY": AES_KEY, "LINLI_WECHAT_API_BASE": api_base,
        **extra,
    }  # fmt: skip
    settings = load_settings(Path(os.devnull), environ=env)
    return settings.model_copy(update={"wechat": settings.wechat.model_copy(update={
        "menu_keys": {"MENU_ACTIVITIES": "活动"}, "templates": {"reminder": "TPL-REMINDER"},
    })})  # fmt: skip


@pytest.fixture
def rig(database_url: str, cache_home: Path, demo_matcher: Matcher) -> Iterator[Rig]:
    yield from wechat_rig(database_url, cache_home, demo_matcher)


def wechat_rig(database_url: str, cache_home: Path, demo_matcher: Matcher) -> Iterator[Rig]:
    """The rig, for a fixture here or in another test module (tests/e2e/test_orders_wechat.py)."""
    with FakeWeChatAPI() as api:
        settings = wechat_settings(database_url, cache_home, api.base_url)
        engine = open_database(settings)
        seed_demo(engine, utcnow().date())
        seed_activities(engine, utcnow(), settings.zone)
        dispatcher = build_dispatcher(engine, lambda: demo_matcher, settings, utcnow)
        app = App(settings, engine, demo_matcher, dispatcher)
        plain = App(plain_mode(settings), engine, demo_matcher, dispatcher)
        with LocalServer(create_web_app(app)) as server, LocalServer(create_web_app(plain)) as dev:
            yield Rig(app, api, *(f"http://127.0.0.1:{s.port}/wechat" for s in (server, dev)))
        engine.dispose()


def plain_mode(settings: Settings) -> Settings:
    """The same settings without an EncodingAESKey: plain mode (development only)."""
    wechat = settings.wechat.model_copy(update={"encoding_aes_key": ""})
    return settings.model_copy(update={"wechat": wechat})


def text_of(client: WeChatTestClient, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return str(client.decrypt_reply(response).get("Content", ""))


@pytest.mark.parametrize("mode", MODES)
def test_a_resident_in_every_mode(rig: Rig, mode: str) -> None:
    client = rig.client(mode)
    echo = client.verify_url(echostr="12345")
    assert echo.text == "12345"
    welcome = text_of(client, client.send_event("o-ann", "subscribe"))
    assert "欢迎" in welcome
    assert "苏辙社区" in welcome
    number = next(line.split(".")[0] for line in welcome.splitlines() if "苏辙社区" in line)
    assert "苏辙社区的居民" in text_of(client, client.send_text("o-ann", number))
    answer = text_of(client, client.send_text("o-ann", "东坡大道名字怎么来的"))
    assert "苏轼" in answer
    listing = text_of(client, client.send_event("o-ann", "CLICK", "MENU_ACTIVITIES"))
    assert "最近的活动" in listing
    number = listing.split("【", 2)[1].split("】")[0]
    form = text_of(client, client.send_text("o-ann", f"报名 {number}"))
    while "请确认" not in form:
        reply = "王小明" if "姓名" in form else "13812345678" if "手机" in form else "1"
        form = text_of(client, client.send_text("o-ann", reply))
    assert "报名成功" in text_of(client, client.send_text("o-ann", "确认"))


def test_refused_requests_change_nothing(rig: Rig) -> None:
    client = rig.client("safe")
    assert client.verify_url(bad_signature=True).status_code == 403
    assert client.send_text("o-bob", "低保", bad_signature=True).status_code == 403
    stale = int(time.time()) - 3600
    assert client.send_text("o-bob", "低保", timestamp=stale).status_code == 403
    with Session(rig.app.engine) as session:
        assert session.exec(select(func.count()).select_from(ChannelIdentity)).one() == 0


def test_voice_image_and_unsubscribe(rig: Rig) -> None:
    client = rig.client("plain")
    assert "打字" in text_of(client, client.send_voice("o-cat", recognition=""))
    assert "低保" in text_of(client, client.send_voice("o-cat", recognition="低保怎么申请"))
    assert "报修" in text_of(client, client.send_image("o-cat"))  # a photo belongs in a report
    response = client.send_event("o-cat", "unsubscribe")
    assert response.status_code == 200
    with Session(rig.app.engine) as session:
        identity = session.exec(select(ChannelIdentity)).one()
    assert identity.unsubscribed_at is not None


def make_activity(app: App, start: dt.datetime) -> int:
    with session_scope(app.engine) as session:
        data = ActivityInput(
            title="云朵灯手工", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            place="社工室", capacity=5, cancel_deadline=start,
        )  # fmt: skip
        return activities.create_activity(session, data, utcnow(), []).id or 0


def fire(app: App, activity_id: int, offset: float, now: dt.datetime) -> str:
    notifier = Notifier(app.settings.zone, lambda: now)
    given = Runtime(app.engine, app.settings, lambda: now, notifier, lambda _: None)
    return send_reminders(activity_id, offset, runtime=given)


def test_reminders_inside_and_outside_the_window(rig: Rig) -> None:
    client = rig.client("safe")
    start = utcnow() + dt.timedelta(days=2)
    number = make_activity(rig.app, start)
    for openid in ("o-ann", "o-bob"):
        text_of(client, client.send_text(openid, f"报名 {number}"))
        assert "报名成功" in text_of(client, client.send_text(openid, "确认"))
    with session_scope(rig.app.engine) as session:  # bob has been silent for 49 hours
        bob = session.exec(
            select(ChannelIdentity).where(ChannelIdentity.external_id == "o-bob")
        ).one()
        bob.last_seen_at = utcnow() - dt.timedelta(hours=49)
        session.add(bob)
    assert fire(rig.app, number, 1440, start - dt.timedelta(hours=24)) == "queued"
    rig.deliver(start - dt.timedelta(hours=24))
    custom = [m for m in rig.api.custom_messages if m["touser"] == "o-ann"]
    assert len(custom) == 1
    assert "云朵灯手工" in custom[0]["text"]["content"]
    (template,) = rig.api.template_messages
    assert template["touser"] == "o-bob"
    assert template["template_id"] == "TPL-REMINDER"


def test_five_customer_messages_a_window_then_templates(rig: Rig) -> None:
    """WeChat allows five customer-service messages after a resident's last message: one
    sent before she wrote does not count (though after another resident of the batch wrote),
    one after it does; the batch counts its own sends, the next batch on from the database."""
    client = rig.client("safe")
    for openid in ("o-fay", "o-eve"):
        text_of(client, client.send_text(openid, "你好"))
    notifier = Notifier(rig.app.settings.zone, utcnow)
    with session_scope(rig.app.engine) as session:
        fay, eve = (
            session.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == o)).one()
            for o in ("o-fay", "o-eve")
        )
        assert eve.last_seen_at is not None
        fay.last_seen_at = eve.last_seen_at - dt.timedelta(hours=1)
        session.add(fay)
        for n, minutes in enumerate((-5, 1)):
            at = eve.last_seen_at + dt.timedelta(minutes=minutes)
            session.add(Outbox(user_id=eve.user_id, kind="reminder", dedupe_key=f"old-{n}",
                               status="sent", channel="wechat", sent_at=at,
                               next_attempt_at=at, created_at=at))  # fmt: skip
        notifier.send(session, fay.user_id, "reminder", "fay", [Reply("给小菲")])
        for n in range(6):
            notifier.send(session, eve.user_id, "reminder", f"new-{n}", [Reply(f"第{n}条")])
        eve_id = eve.user_id
    assert rig.deliver() == 7
    with session_scope(rig.app.engine) as session:
        notifier.send(session, eve_id, "reminder", "new-6", [Reply("第6条")])
    assert rig.deliver() == 1
    custom = [m["text"]["content"] for m in rig.api.custom_messages if m["touser"] == "o-eve"]
    assert custom == ["第0条", "第1条", "第2条", "第3条"]  # and the one after she wrote
    templates = [m["data"]["first"]["value"] for m in rig.api.template_messages]
    assert templates == ["第4条", "第5条", "第6条"]
    assert [m["touser"] for m in rig.api.custom_messages].count("o-fay") == 1


def test_no_template_means_recorded_and_told_next_time(rig: Rig) -> None:
    rig.app.settings.wechat.templates.clear()
    client = rig.client("plain")
    start = utcnow() + dt.timedelta(days=2)
    number = make_activity(rig.app, start)
    text_of(client, client.send_text("o-dan", f"报名 {number}"))
    text_of(client, client.send_text("o-dan", "确认"))
    with session_scope(rig.app.engine) as session:
        dan = session.exec(select(ChannelIdentity)).one()
        dan.last_seen_at = utcnow() - dt.timedelta(hours=49)
        session.add(dan)
    fire(rig.app, number, 1440, start - dt.timedelta(hours=24))
    rig.deliver(start - dt.timedelta(hours=24))
    with Session(rig.app.engine) as session:
        row = session.exec(select(Outbox).where(Outbox.kind == "reminder")).one()
    assert row.status == "undeliverable"
    assert "48-hour" in (row.last_error or "")
    reply = text_of(client, client.send_text("o-dan", "你好"))
    assert "1 条未读通知" in reply
    assert "云朵灯手工" in text_of(client, client.send_text("o-dan", "通知"))


def test_retry_storm_does_the_work_once(rig: Rig) -> None:
    client = rig.client("safe")
    start = utcnow() + dt.timedelta(days=2)
    number = make_activity(rig.app, start)
    text_of(client, client.send_text("o-eve", f"报名 {number}"))
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: client.send_text("o-eve", "确认", msg_id=777), range(4)))
    texts = [text_of(client, r) for r in replies]
    assert len(set(texts)) == 1
    assert "报名成功" in texts[0]
    with Session(rig.app.engine) as session:
        assert session.exec(select(func.count()).select_from(Registration)).one() == 1


class Slow:
    """An intent that takes longer than WeChat waits."""

    name = "slow"
    flows: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        if ctx.text != "慢慢来":
            return None
        time.sleep(1.0)
        return Outcome(self.name, (Reply("久等了，这是答案"),))

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        return None


def test_a_slow_answer_goes_through_the_outbox(rig: Rig) -> None:
    rig.app.dispatcher.intents.insert(0, Slow())
    object.__setattr__(rig.app.settings.wechat, "reply_budget_seconds", 0.3)
    client = rig.client("safe")
    started = time.monotonic()
    response = client.send_text("o-fay", "慢慢来", msg_id=4242)
    assert time.monotonic() - started < 0.9
    assert response.text == "success"
    time.sleep(1.2)
    assert client.send_text("o-fay", "慢慢来", msg_id=4242).text == "success"  # WeChat's retry
    rig.deliver()
    contents = [m["text"]["content"] for m in rig.api.custom_messages if m["touser"] == "o-fay"]
    assert contents == ["久等了，这是答案"]
