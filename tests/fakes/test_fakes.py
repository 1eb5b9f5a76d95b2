"""The WeChat fakes themselves: the cgi-bin fake answers like WeChat, the client signs like it."""

from __future__ import annotations

import base64
import random
import struct
import time
from collections.abc import Iterator
from typing import Any
from xml.parsers.expat import ExpatError

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from wechatpy import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import TextMessage
from wechatpy.parser import parse_message
from wechatpy.replies import create_reply
from wechatpy.utils import check_signature

from tests.fakes import LocalServer
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.fakes.wechat_client import (
    Mode,
    ReplyFormatError,
    WeChatTestClient,
    hostile_kinds,
    hostile_request,
    hostile_requests,
    message_xml,
)

TOKEN, APP_ID = "tok", "wxtest"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters
MODES: list[Mode] = ["plain", "compatible", "safe"]
# What wechatpy's decrypt_message and parse_message raise on bad input, besides its own
# InvalidSignatureException / InvalidAppIdException (binascii and Unicode errors are ValueErrors).
PARSE_ERRORS = (ExpatError, ValueError, KeyError, TypeError, AttributeError, struct.error)


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI(appid=APP_ID, secret="s3cret") as fake:
        yield fake


@pytest.fixture
def http(api: FakeWeChatAPI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.base_url, trust_env=False, timeout=5) as client:
        yield client


def fetch_token(http: httpx.Client, appid: str = APP_ID, secret: str = "s3cret") -> Any:
    params = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    return http.get("token", params=params).json()


def send_text(http: httpx.Client, token: str, touser: str = "oAnn", content: str = "你好") -> Any:
    body = {"touser": touser, "msgtype": "text", "text": {"content": content}}
    return http.post("message/custom/send", params={"access_token": token}, json=body).json()


def test_tokens_stay_valid_until_invalidated(api: FakeWeChatAPI, http: httpx.Client) -> None:
    first, second = fetch_token(http), fetch_token(http)
    assert first["expires_in"] == 7200
    assert api.token_fetches == 2
    assert send_text(http, first["access_token"])["errcode"] == 0
    api.invalidate_tokens()
    assert send_text(http, second["access_token"])["errcode"] == 40001
    assert http.get("menu/get").json()["errcode"] == 41001


def test_token_errors(api: FakeWeChatAPI, http: httpx.Client) -> None:
    assert fetch_token(http, appid="wxother")["errcode"] == 40013
    assert fetch_token(http, secret="wrong")["errcode"] == 40125
    token = fetch_token(http)["access_token"]
    api.expire_tokens()
    assert send_text(http, token)["errcode"] == 42001  # real WeChat: expired ≠ invalid
    assert send_text(http, fetch_token(http)["access_token"])["errcode"] == 0
    assert api.token_fetches == 4


def test_custom_send_is_recorded_with_its_token(api: FakeWeChatAPI, http: httpx.Client) -> None:
    token = fetch_token(http)["access_token"]
    assert send_text(http, token) == {"errcode": 0, "errmsg": "ok"}
    assert api.custom_messages == [
        {"touser": "oAnn", "msgtype": "text", "text": {"content": "你好"}, "access_token": token}
    ]


def test_fail_next_then_recover(api: FakeWeChatAPI, http: httpx.Client) -> None:
    token = api.issue_token()
    api.fail_next("message/custom/send", errcode=45047, times=2)
    api.fail_next("message/custom/send", http_status=503)
    assert [send_text(http, token)["errcode"] for _ in range(2)] == [45047, 45047]
    params = {"access_token": token}
    assert http.post("message/custom/send", params=params, json={}).status_code == 503
    assert send_text(http, token)["errcode"] == 0
    assert [call.errcode for call in api.calls] == [45047, 45047, None, 0]
    assert len(api.custom_messages) == 1


def test_delay_next_makes_a_client_time_out(api: FakeWeChatAPI, http: httpx.Client) -> None:
    api.delay_next("token", 1.0)
    with pytest.raises(httpx.ReadTimeout):
        http.get("token", timeout=0.2)
    assert "access_token" in fetch_token(http)


def test_per_openid_rules(api: FakeWeChatAPI, http: httpx.Client) -> None:
    token = api.issue_token()
    api.unsubscribed.add("oGone")
    api.outside_window.add("oQuiet")
    assert send_text(http, token, touser="oGone")["errcode"] == 43004
    assert send_text(http, token, touser="oQuiet")["errcode"] == 45015
    template = {"touser": "oQuiet", "template_id": "T1", "data": {"first": {"value": "提醒"}}}
    answer = http.post("message/template/send", params={"access_token": token}, json=template)
    assert answer.json() == {"errcode": 0, "errmsg": "ok", "msgid": 1000}
    assert api.template_messages[0]["msgid"] == 1000


def test_menu_roundtrip(api: FakeWeChatAPI, http: httpx.Client) -> None:
    params = {"access_token": api.issue_token()}
    assert http.get("menu/get", params=params).json()["errcode"] == 46003
    menu = {"button": [{"type": "click", "name": "活动", "key": "MENU_ACTIVITIES"}]}
    assert http.post("menu/create", params=params, json=menu).json()["errcode"] == 0
    assert http.get("menu/get", params=params).json() == {"menu": menu}


def test_ascii_escaped_json_arrives_literally(api: FakeWeChatAPI, http: httpx.Client) -> None:
    body = '{"touser": "oAnn", "msgtype": "text", "text": {"content": "\\u4f60\\u597d"}}'
    params = {"access_token": api.issue_token()}
    http.post("message/custom/send", params=params, content=body)
    assert api.custom_messages[0]["text"]["content"] == "\\u4f60\\u597d"


def test_wechatpy_client_talks_to_the_fake(api: FakeWeChatAPI) -> None:
    # wechatpy's own token URL is hard-coded to api.weixin.qq.com: hand it a token instead.
    client = WeChatClient(APP_ID, "s3cret", access_token=api.issue_token())
    client.API_BASE_URL = api.base_url
    client.message.send_text("oAnn", "你好")
    assert api.custom_messages[0]["text"] == {"content": "你好"}


def test_signature_matches_wechatpy() -> None:
    client = WeChatTestClient("http://127.0.0.1:9/wechat", TOKEN, APP_ID, AES_KEY, "plain")
    query = client.signed_query("oAnn")
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    forged = client.signed_query("oAnn", bad_signature=True)
    with pytest.raises(InvalidSignatureException):
        check_signature(TOKEN, forged["signature"], forged["timestamp"], forged["nonce"])


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_encrypted_message_decrypts_with_wechatpy(mode: Mode) -> None:
    client = WeChatTestClient("http://127.0.0.1:9/wechat", TOKEN, APP_ID, AES_KEY, mode)
    xml = message_xml({"FromUserName": "oAnn", "MsgType": "text", "Content": "报名 3 ]]> 好"})
    query, body = client.signed_request(xml, "oAnn")
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    plain = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    message = parse_message(plain)
    assert isinstance(message, TextMessage)
    assert message.content == "报名 3 ]]> 好"
    assert (b"<Content>" in body) == (mode == "compatible")


def echo_webhook() -> Starlette:
    """A minimal correct webhook with wechatpy, to run the client against."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    async def wechat(request: Request) -> Response:
        query = request.query_params
        try:
            stamp = [query.get(name, "") for name in ("timestamp", "nonce")]
            check_signature(TOKEN, query.get("signature", ""), *stamp)
            if abs(time.time() - int(stamp[0])) > 300:
                raise ValueError("stale timestamp")
        except (InvalidSignatureException, ValueError):
            return Response(status_code=403)
        if request.method == "GET":
            return PlainTextResponse(query.get("echostr", ""))
        body = await request.body()
        if request.method != "POST" or len(body) > 65536:
            return Response(status_code=405 if request.method != "POST" else 413)
        aes = query.get("encrypt_type") == "aes"
        try:
            if aes:
                body = crypto.decrypt_message(body, query["msg_signature"], *stamp).encode()
            message = parse_message(body)
            content = message.content if isinstance(message, TextMessage) else message.type
        except (InvalidSignatureException, InvalidAppIdException) + PARSE_ERRORS:
            return Response(status_code=400)
        reply = create_reply(f"收到：{content}", message, render=True)
        return Response(crypto.encrypt_message(reply, stamp[1]) if aes else reply)

    return Starlette(
        routes=[Route("/wechat", wechat, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]
    )


@pytest.fixture(scope="module")
def webhook_url() -> Iterator[str]:
    with LocalServer(echo_webhook()) as server:
        yield f"http://127.0.0.1:{server.port}/wechat"


@pytest.mark.parametrize("mode", MODES)
def test_client_against_a_webhook(webhook_url: str, mode: Mode) -> None:
    with WeChatTestClient(webhook_url, TOKEN, APP_ID, AES_KEY, mode) as client:
        assert client.verify_url("12345").text == "12345"
        reply = client.decrypt_reply(client.send_text("oAnn", "低保怎么申请"))
        assert reply["Content"] == "收到：低保怎么申请"
        assert (reply["ToUserName"], reply["FromUserName"]) == ("oAnn", "gh_test")
        assert client.decrypt_reply(client.resend_last())["Content"] == "收到：低保怎么申请"
        assert client.decrypt_reply(client.send_event("oAnn"))["Content"] == "收到：event"
        location = client.send_location("oAnn", 30.57, 104.06, "东坡大道")
        assert client.decrypt_reply(location)["Content"] == "收到：location"
        assert client.send_text("oAnn", "hi", bad_signature=True).status_code == 403
        assert client.send_xml("<xml/>", sign=False).status_code == 403
        assert client.send_text("oAnn", "hi", timestamp=int(time.time()) - 301).status_code == 403


def test_decrypt_reply_rejects_what_wechat_rejects(webhook_url: str) -> None:
    client = WeChatTestClient(webhook_url, TOKEN, APP_ID, AES_KEY, "safe")
    # wechatpy puts reply text in CDATA without escaping "]]>": the reply is broken XML.
    with pytest.raises(ReplyFormatError, match="not WeChat XML"):
        client.decrypt_reply(client.send_text("oAnn", "a]]>b"))
    plain = WeChatTestClient(webhook_url, TOKEN, APP_ID, AES_KEY, "plain")
    reply = plain.send_text("oAnn", "hi")
    client_reply = httpx.Response(200, content=reply.content, request=reply.request)
    with pytest.raises(ReplyFormatError, match="plaintext reply in safe mode"):
        client.decrypt_reply(client_reply)


def test_hostile_requests_are_deterministic() -> None:
    client = WeChatTestClient(
        "http://127.0.0.1:9/wechat", TOKEN, APP_ID, AES_KEY, now=lambda: 1_000_000_000
    )
    kinds = hostile_kinds("safe")
    first = list(hostile_requests(client, len(kinds), seed=7))
    assert first == list(hostile_requests(client, len(kinds), seed=7))
    assert first != list(hostile_requests(client, len(kinds), seed=8))
    assert max(len(body) for _, _, body in first) > 1024 * 1024


@pytest.mark.parametrize("mode", MODES)
def test_hostile_requests_are_refused(webhook_url: str, mode: Mode) -> None:
    client = WeChatTestClient(webhook_url, TOKEN, APP_ID, AES_KEY, mode)
    for method, query, body in hostile_requests(client, 3 * len(hostile_kinds(mode)), seed=1):
        response = client.send_raw(method, query, body)
        assert response.status_code < 500, (method, query, body[:200])
        assert b"root:" not in response.content  # no /etc/passwd through an external entity
    for kind in ("wrong_signature", "stale_timestamp", "missing_params"):
        method, query, body = hostile_request(client, kind, random.Random(2))
        assert client.send_raw(method, query, body).status_code in (400, 403), kind
