"""A captured WeChat URL cannot carry a forged message: with an EncodingAESKey only encrypted
requests are accepted (the decrypted message is the one acted on), and every signed
(timestamp, nonce) is good for one message, in every process. WeChat's own re-sends of a
message still get its answer, worked once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from bot.app import App, open_database
from bot.channels.models import WeChatNonce
from bot.channels.web import create_web_app
from bot.channels.wechat_replay import Claim, Claimer, NonceLedger
from bot.db import session_scope
from bot.identity import resolve_user
from bot.intent import Context
from bot.models import Conversation, ProcessedMessage
from bot.people.models import Invite
from bot.people.roles import grant
from bot.types import Outcome, Reply
from tests.e2e.test_wechat import MODES, Rig, plain_mode, text_of
from tests.fakes.wechat_client import message_xml

RESIDENT, STAFF = "o-resident", "o-staff"


def make_staff(rig: Rig, openid: str = STAFF) -> None:
    with session_scope(rig.app.engine) as session:
        user = resolve_user(session, "wechat", openid, rig.app.dispatcher.clock())
        grant(session, user.id or 0, "staff", "")


def text_xml(openid: str, content: str, msg_id: int) -> str:
    return message_xml({
        "ToUserName": "gh_test", "FromUserName": openid, "CreateTime": int(time.time()),
        "MsgType": "text", "Content": content, "MsgId": msg_id,
    })  # fmt: skip


def invites(rig: Rig) -> int:
    with Session(rig.app.engine) as session:
        return session.exec(select(func.count()).select_from(Invite)).one()


@pytest.mark.parametrize("mode", MODES)
def test_a_replayed_url_with_a_new_body_is_refused(
    rig: Rig, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    make_staff(rig)
    client = rig.client(mode)
    query, body = client.signed_request(text_xml(RESIDENT, "低保怎么申请", 1001), RESIDENT)
    assert "低保" in text_of(client, client.send_raw("POST", query, body))
    forged = text_xml(STAFF, "邀请工作人员", 1002)
    # the same URL with a plaintext body (no key needed), and with the AES part dropped
    attempts = [(query, forged.encode())]
    plain_part = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
    attempts.append((plain_part, forged.encode()))
    # a body signed for the same timestamp and nonce, as only WeChat (or the token) can
    stamp, nonce = query["timestamp"], query["nonce"]
    attempts.append(client.signed_request(forged, STAFF, timestamp=stamp, nonce=nonce))
    with caplog.at_level(logging.WARNING):
        statuses = [client.send_raw("POST", q, b).status_code for q, b in attempts]
    assert statuses == [403, 403, 403]
    assert invites(rig) == 0
    with Session(rig.app.engine) as session:
        assert session.exec(select(func.count()).select_from(ProcessedMessage)).one() == 1
    refusals = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("replay" in line for line in refusals), refusals
    assert not any("邀请" in line for line in refusals)  # never the body


@pytest.mark.parametrize("encrypt_type", [None, "raw"])
def test_a_plain_request_is_refused_when_a_key_is_configured(
    rig: Rig, encrypt_type: str | None
) -> None:
    make_staff(rig)
    client = rig.client("safe")
    query = client.signed_query(STAFF)  # a valid plain signature, fresh timestamp and nonce
    if encrypt_type is not None:
        query["encrypt_type"] = encrypt_type
    response = client.send_raw("POST", query, text_xml(STAFF, "邀请工作人员", 2001).encode())
    assert response.status_code == 403
    assert invites(rig) == 0


@pytest.mark.parametrize("downgraded", [False, True])
def test_compatible_mode_acts_on_the_decrypted_message(rig: Rig, downgraded: bool) -> None:
    """Compatible mode carries a plaintext copy beside <Encrypt>; it is never read, also
    when `encrypt_type` is taken off the URL."""
    make_staff(rig)
    client = rig.client("compatible")
    encrypt = client.encrypt(text_xml(RESIDENT, "低保怎么申请", 3001).encode())
    tampered_copy = text_xml(STAFF, "邀请工作人员", 3001).encode()
    query = client.signed_query(RESIDENT, encrypt)
    if downgraded:
        del query["encrypt_type"]
    response = client.send_raw("POST", query, client.envelope(tampered_copy, encrypt))
    reply = client.decrypt_reply(response)  # encrypted, to the resident (checked inside)
    assert "低保" in reply["Content"]
    assert invites(rig) == 0


class Counted:
    """An intent that says how often it ran."""

    name = "counted"
    flows: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.calls = 0

    def handle(self, ctx: Context) -> Outcome | None:
        if ctx.text != "数一数":
            return None
        self.calls += 1
        return Outcome(self.name, (Reply(f"第 {self.calls} 次"),))

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        return None


@pytest.mark.parametrize("mode", MODES)
def test_wechats_resends_get_the_same_answer_worked_once(rig: Rig, mode: str) -> None:
    counted = Counted()
    rig.app.dispatcher.intents.insert(0, counted)
    client = rig.client(mode)
    xml = text_xml(RESIDENT, "数一数", 4001)
    query, body = client.signed_request(xml, RESIDENT)
    first = text_of(client, client.send_raw("POST", query, body))
    resends = [
        (query, body),  # byte for byte the same request
        client.signed_request(xml, RESIDENT),  # signed anew
        # the same timestamp and nonce, the message encrypted again (a new random prefix)
        client.signed_request(xml, RESIDENT, timestamp=query["timestamp"], nonce=query["nonce"]),
    ]
    answers = [text_of(client, client.send_raw("POST", q, b)) for q, b in resends]
    assert first == "第 1 次"
    assert answers == [first] * 3
    assert counted.calls == 1


def test_the_url_check_still_works_in_every_mode(rig: Rig) -> None:
    for mode in MODES:
        client = rig.client(mode)
        query = client.signed_query(None)
        for _ in range(2):  # an echo changes nothing: the same URL may be checked again
            assert client.send_raw("GET", query | {"echostr": "4711"}, b"").text == "4711"


def test_pairs_are_shared_by_processes_and_pruned(rig: Rig) -> None:
    now = time.time()
    stamp = str(int(now))
    first = NonceLedger(rig.app.engine, 300, clock=lambda: now)
    other_process = open_database(rig.app.settings)
    try:
        second = NonceLedger(other_process, 300, clock=lambda: now)
        assert first.claim([Claim(stamp, "111", "a" * 64)]) == [True]
        assert second.claim([Claim(stamp, "111", "a" * 64)]) == [True]  # the same message
        assert second.claim([Claim(stamp, "111", "b" * 64)]) == [False]  # another one
        claims = [Claim(stamp, "222", "c" * 64), Claim(stamp, "222", "d" * 64)]
        assert second.claim(claims) == [True, False]  # in one burst, the first takes it
        later = NonceLedger(other_process, 300, clock=lambda: now + 301)
        assert later.claim([Claim(str(int(now) + 301), "333", "e" * 64)]) == [True]
        with Session(other_process) as session:
            left = session.exec(select(WeChatNonce.nonce)).all()
        assert left == ["333"]  # the expired pairs went in the same transaction
    finally:
        other_process.dispose()


def test_a_burst_of_claims_takes_few_transactions(rig: Rig) -> None:
    now = time.time()
    stamp = str(int(now))
    ledger = NonceLedger(rig.app.engine, 300, clock=lambda: now)
    batches: list[int] = []
    claim_all = ledger.claim

    def counted(claims: Sequence[Claim]) -> list[bool]:
        batches.append(len(claims))
        return claim_all(claims)

    ledger.claim = counted  # type: ignore[method-assign]
    claims = [Claim(stamp, str(n), "a" * 64) for n in range(50)] + [Claim(stamp, "7", "b" * 64)]

    async def burst() -> list[bool]:
        with ThreadPoolExecutor(2) as pool:
            claimer = Claimer(ledger, pool)
            return list(await asyncio.gather(*(claimer.claim(c) for c in claims)))

    assert asyncio.run(burst()) == [True] * 50 + [False]
    assert sum(batches) == 51
    assert len(batches) <= 2  # the first claim alone, then everything that queued meanwhile


def test_plain_mode_warns_at_start(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    app = rig.app
    plain = App(plain_mode(app.settings), app.engine, app.matcher, app.dispatcher)
    with caplog.at_level(logging.WARNING, logger="bot.channels.web"):
        create_web_app(app)
        assert not [r for r in caplog.records if "plain mode" in r.getMessage()]
        create_web_app(plain)
    assert [r for r in caplog.records if "plain mode" in r.getMessage()]
