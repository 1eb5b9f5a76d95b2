"""Concurrent copies of one WeChat message (WeChat re-sends one it got no answer to): every
copy is answered (the reply, or "success" while the outbox answers), the work is done once,
and exactly one answer reaches the resident. Functional, not timed: the slow work waits for
the test, not for a clock."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session, select

from bot.intent import Context
from bot.models import Conversation
from bot.outbox.models import Outbox
from bot.types import Outcome, Reply
from tests.e2e.test_wechat import Rig, rig  # noqa: F401 - fixture
from tests.fakes.wechat_client import message_xml

COPIES = 8
ANSWER = "久等了，这是答案"


class Held:
    """An intent whose work goes on only once `go` is set; it counts its runs."""

    name = "held"
    flows: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.go = threading.Event()
        self.calls = 0

    def handle(self, ctx: Context) -> Outcome | None:
        if ctx.text != "慢慢来":
            return None
        self.calls += 1
        self.go.wait(timeout=30)
        return Outcome(self.name, (Reply(ANSWER),))

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        return None


def send_copies(linli: Rig, openid: str, msg_id: int) -> list[httpx.Response]:
    """COPIES copies of one message at once, each signed anew (one byte for byte twice),
    from a resident who wrote before (a first message would queue the copies on creating
    the resident; on PostgreSQL nothing else does)."""
    client = linli.client("safe")
    assert client.send_text(openid, "你好").status_code == 200
    xml = message_xml({
        "ToUserName": "gh_test", "FromUserName": openid, "CreateTime": int(time.time()),
        "MsgType": "text", "Content": "慢慢来", "MsgId": msg_id,
    })  # fmt: skip
    requests = [client.signed_request(xml, openid) for _ in range(COPIES - 1)]
    requests.append(requests[0])
    with ThreadPoolExecutor(COPIES) as pool:
        return list(pool.map(lambda r: client.send_raw("POST", *r), requests))


def late_replies(linli: Rig) -> list[Outbox]:
    with Session(linli.app.engine) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == "late_reply")).all())


def pushed(linli: Rig, openid: str) -> list[str]:
    linli.deliver()
    return [m["text"]["content"] for m in linli.api.custom_messages if m["touser"] == openid]


def test_copies_past_the_budget_get_success_and_one_late_answer(rig: Rig) -> None:  # noqa: F811
    held = Held()
    rig.app.dispatcher.intents.insert(0, held)
    object.__setattr__(rig.app.settings.wechat, "reply_budget_seconds", 0.3)
    try:
        responses = send_copies(rig, "o-gus", 5151)  # the work cannot finish meanwhile
    finally:
        held.go.set()
    assert [r.status_code for r in responses] == [200] * COPIES
    assert [r.text for r in responses] == ["success"] * COPIES
    deadline = time.monotonic() + 20
    while not late_replies(rig) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # room for a second (wrong) late reply to show up
    assert pushed(rig, "o-gus") == [ANSWER]
    assert held.calls == 1
    client = rig.client("safe")  # WeChat's re-send after all this: no second answer
    assert client.send_text("o-gus", "慢慢来", msg_id=5151).text == "success"
    assert pushed(rig, "o-gus") == [ANSWER]


def test_copies_within_the_budget_share_one_passive_reply(rig: Rig) -> None:  # noqa: F811
    held = Held()
    held.go.set()
    rig.app.dispatcher.intents.insert(0, held)
    responses = send_copies(rig, "o-hal", 5252)
    client = rig.client("safe")
    answers = {client.decrypt_reply(r).get("Content") for r in responses}
    assert answers == {ANSWER}  # WeChat takes the copy it still waits for: one answer
    assert held.calls == 1
    assert late_replies(rig) == []
    assert pushed(rig, "o-hal") == []
