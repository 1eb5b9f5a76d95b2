"""Plays WeChat's servers against our webhook: signed (and encrypted) XML, as WeChat sends it."""

from __future__ import annotations

import base64
import hashlib
import itertools
import random
import string
import struct
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self, TypedDict, Unpack
from xml.parsers.expat import ExpatError

import httpx
import xmltodict  # type: ignore[import-untyped]
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import WeChatException

Mode = Literal["plain", "compatible", "safe"]
Field = str | int | float
Query = dict[str, str]
HostileRequest = tuple[str, Query, bytes]  # (method, query, body)


class SignOptions(TypedDict, total=False):
    """Overrides for hostile tests; by default everything is fresh and correct."""

    timestamp: int | str
    nonce: str
    bad_signature: bool  # forge both signature and msg_signature


class ReplyFormatError(Exception):
    """The webhook's passive reply is one WeChat would not accept."""


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
    """sha1 of the sorted, joined parts: `signature`, or `msg_signature` with the Encrypt."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, *extra])).encode()).hexdigest()


def cdata(value: str) -> str:
    """A CDATA section; a "]]>" inside the value is split across two sections."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: Mapping[str, Field]) -> str:
    """WeChat's flat message XML: numbers bare, text in CDATA."""
    nodes = (
        f"<{k}>{v if isinstance(v, int | float) else cdata(v)}</{k}>" for k, v in fields.items()
    )
    return "<xml>" + "".join(nodes) + "</xml>"


def _forge(query: Query) -> Query:
    """The query with every signature replaced by a well-formed but wrong one."""
    return {
        k: hashlib.sha1(b"forged" + v.encode()).hexdigest() if k.endswith("signature") else v
        for k, v in query.items()
    }


class SeededPrpCrypto(PrpCrypto):  # type: ignore[misc]
    """wechatpy's message cipher with the 16 random prefix bytes drawn from `rng`."""

    def __init__(self, key: bytes, rng: random.Random) -> None:
        super().__init__(key)
        self._rng = rng

    def get_random_string(self) -> str:
        return "".join(self._rng.choices(string.ascii_letters + string.digits, k=16))


class WeChatTestClient:
    """Sends what WeChat's servers send to `base_url` and reads the passive replies.

    `mode` is the account's 消息加解密方式: plain (明文), compatible (兼容) or safe (安全).
    Pass `http` to use your own httpx.Client (transport, timeouts), `now` to freeze time.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        app_id: str,
        encoding_aes_key: str,
        mode: Mode = "safe",
        *,
        account: str = "gh_test",
        http: httpx.Client | None = None,
        now: Callable[[], int] | None = None,
    ) -> None:
        self.base_url, self.token, self.app_id, self.mode = base_url, token, app_id, mode
        self.account = account
        self.crypto = WeChatCrypto(token, encoding_aes_key, app_id)
        self.now = now or (lambda: int(time.time()))
        self._http = http or httpx.Client(timeout=10, trust_env=False)
        self._msg_ids = itertools.count(24_000_000_000_000_001)
        self._last: tuple[str, str, str] | None = None  # (openid, MsgType, xml) last sent

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._http.close()

    # --- what WeChat sends ---

    def verify_url(self, echostr: str | None = None, **opts: Unpack[SignOptions]) -> httpx.Response:
        """The GET WeChat makes when the URL is saved; a good webhook echoes `echostr`."""
        echo = echostr if echostr is not None else str(random.SystemRandom().getrandbits(62))
        query = self.signed_query(None, **opts)
        return self.send_raw("GET", query | {"echostr": echo}, b"")

    def send_text(
        self, openid: str, text: str, msg_id: int | None = None, **opts: Unpack[SignOptions]
    ) -> httpx.Response:
        """A resident's text message."""
        return self._send(openid, "text", {"Content": text}, msg_id, opts)

    def send_event(
        self,
        openid: str,
        event: str = "subscribe",
        event_key: str | None = None,
        **opts: Unpack[SignOptions],
    ) -> httpx.Response:
        """An event: subscribe, unsubscribe, CLICK (event_key = the menu key), SCAN..."""
        fields: dict[str, Field] = {"Event": event}
        if event_key is not None:
            fields["EventKey"] = event_key
        return self._post(openid, "event", message_xml(self._head(openid, "event") | fields), opts)

    def send_voice(
        self, openid: str, recognition: str = "", **opts: Unpack[SignOptions]
    ) -> httpx.Response:
        """A voice message with WeChat's speech recognition result (may be empty)."""
        fields = {"MediaId": "media-voice", "Format": "amr", "Recognition": recognition}
        return self._send(openid, "voice", fields, None, opts)

    def send_image(
        self,
        openid: str,
        pic_url: str = "https://mmbiz.qpic.cn/fake/0",
        media_id: str = "media-img",
        **opts: Unpack[SignOptions],
    ) -> httpx.Response:
        """An image message (the URL is never fetched)."""
        return self._send(openid, "image", {"PicUrl": pic_url, "MediaId": media_id}, None, opts)

    def send_location(
        self, openid: str, lat: float, lng: float, label: str, **opts: Unpack[SignOptions]
    ) -> httpx.Response:
        """A shared location; WeChat puts the latitude in Location_X."""
        fields: dict[str, Field] = {
            "Location_X": lat,
            "Location_Y": lng,
            "Scale": 15,
            "Label": label,
        }
        return self._send(openid, "location", fields, None, opts)

    def send_link(
        self, openid: str, title: str, description: str, url: str, **opts: Unpack[SignOptions]
    ) -> httpx.Response:
        """A shared link (article)."""
        fields = {"Title": title, "Description": description, "Url": url}
        return self._send(openid, "link", fields, None, opts)

    def send_xml(self, xml: str, sign: bool = True, **opts: Unpack[SignOptions]) -> httpx.Response:
        """Post raw message XML (encrypted in AES modes); unsigned and as-is when sign=False."""
        if not sign:
            return self.send_raw("POST", {}, xml.encode())
        query, body = self.signed_request(xml, None, **opts)
        return self.send_raw("POST", query, body)

    def resend_last(self, **opts: Unpack[SignOptions]) -> httpx.Response:
        """WeChat's retry after 5 s without a reply: the same XML (MsgId, CreateTime), new nonce."""
        if self._last is None:
            raise RuntimeError("nothing sent yet")
        return self._post(*self._last, opts)

    def send_raw(self, method: str, query: Mapping[str, str], body: bytes) -> httpx.Response:
        """Send exactly this, e.g. one of `hostile_requests`."""
        headers = {"Content-Type": "text/xml", "User-Agent": "Mozilla/4.0"}
        return self._http.request(
            method, self.base_url, params=query, content=body, headers=headers
        )

    # --- building blocks (public for hostile tests) ---

    def signed_query(
        self, openid: str | None, encrypt: str | None = None, **opts: Unpack[SignOptions]
    ) -> Query:
        """signature, timestamp, nonce, openid; with `encrypt`, encrypt_type and msg_signature."""
        timestamp = str(opts.get("timestamp", self.now()))
        nonce = opts.get("nonce") or str(random.SystemRandom().randrange(10**9, 10**10))
        query = {"signature": signature(self.token, timestamp, nonce)}
        query |= {"timestamp": timestamp, "nonce": nonce} | ({"openid": openid} if openid else {})
        if encrypt is not None:
            msg_signature = signature(self.token, timestamp, nonce, encrypt)
            query |= {"encrypt_type": "aes", "msg_signature": msg_signature}
        return _forge(query) if opts.get("bad_signature") else query

    def encrypt(self, plain: bytes, rng: random.Random | None = None) -> str:
        """The <Encrypt> value for a message, from wechatpy's cipher (seeded with `rng`)."""
        key = self.crypto.key
        cipher = PrpCrypto(key) if rng is None else SeededPrpCrypto(key, rng)
        encrypted: bytes = cipher.encrypt(plain, self.app_id)
        return encrypted.decode()

    def envelope(self, plain: bytes, encrypt: str) -> bytes:
        """The AES-mode body: safe = ToUserName + Encrypt; compatible = all fields + Encrypt."""
        node = f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>".encode()
        if self.mode == "compatible" and plain.rstrip().endswith(b"</xml>"):
            return plain.rstrip()[: -len(b"</xml>")] + node
        return f"<xml><ToUserName>{cdata(self.account)}</ToUserName>".encode() + node

    def signed_request(
        self,
        xml: str | bytes,
        openid: str | None,
        rng: random.Random | None = None,
        **opts: Unpack[SignOptions],
    ) -> tuple[Query, bytes]:
        """The query and body WeChat would post for `xml` in this client's mode."""
        plain = xml.encode() if isinstance(xml, str) else xml
        if self.mode == "plain":
            return self.signed_query(openid, **opts), plain
        encrypt = self.encrypt(plain, rng)
        return self.signed_query(openid, encrypt, **opts), self.envelope(plain, encrypt)

    # --- what our webhook answers ---

    def decrypt_reply(self, response: httpx.Response) -> dict[str, Any]:
        """The passive reply's fields ({} for "" or "success"); raises ReplyFormatError."""
        if response.status_code != 200:
            raise ReplyFormatError(f"HTTP {response.status_code}")
        if response.content.strip() in (b"", b"success"):
            return {}
        doc = _parse(response.content)
        if "Encrypt" in doc:
            if self.mode == "plain":
                raise ReplyFormatError("encrypted reply in plain mode")
            doc = _parse(self._decrypt(doc).encode())
        elif self.mode == "safe":
            raise ReplyFormatError("plaintext reply in safe mode")
        self._check_reply(doc, response.request.url.params.get("openid"))
        return doc | ({"Articles": self._articles(doc)} if doc["MsgType"] == "news" else {})

    # --- internals ---

    def _head(self, openid: str, msgtype: str) -> dict[str, Field]:
        return {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": self.now(),
            "MsgType": msgtype,
        }

    def _send(
        self,
        openid: str,
        msgtype: str,
        fields: Mapping[str, Field],
        msg_id: int | None,
        opts: SignOptions,
    ) -> httpx.Response:
        msg_id = msg_id if msg_id is not None else next(self._msg_ids)
        xml = message_xml(self._head(openid, msgtype) | dict(fields) | {"MsgId": msg_id})
        return self._post(openid, msgtype, xml, opts)

    def _post(self, openid: str, msgtype: str, xml: str, opts: SignOptions) -> httpx.Response:
        self._last = (openid, msgtype, xml)
        query, body = self.signed_request(xml, openid, **opts)
        return self.send_raw("POST", query, body)

    def _decrypt(self, doc: dict[str, Any]) -> str:
        try:
            signed = doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]
        except KeyError as exc:
            raise ReplyFormatError(f"encrypted reply without {exc}") from exc
        try:
            plain: str = self.crypto.decrypt_message(doc, *signed)
        except (WeChatException, ValueError, struct.error) as exc:  # signature, app id, garbage
            raise ReplyFormatError(f"reply does not decrypt: {exc!r}") from exc
        return plain

    def _check_reply(self, doc: dict[str, Any], openid: str | None) -> None:
        if not doc.get("MsgType"):
            raise ReplyFormatError("reply without MsgType")
        if openid is not None and doc.get("ToUserName") != openid:
            raise ReplyFormatError(f"reply to {doc.get('ToUserName')!r}, not the sender")
        if doc.get("FromUserName") != self.account:
            raise ReplyFormatError(f"reply from {doc.get('FromUserName')!r}, not {self.account!r}")

    def _articles(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """<Articles><item>... as a list; one article at most in reply to a user message."""
        items = (doc.get("Articles") or {}).get("item") or []
        articles = [items] if isinstance(items, dict) else list(items)
        limit = 8 if self._last is None or self._last[1] == "event" else 1
        if not 1 <= len(articles) <= limit or doc.get("ArticleCount") != str(len(articles)):
            raise ReplyFormatError(
                f"{len(articles)} articles, ArticleCount {doc.get('ArticleCount')}"
            )
        return articles


def _parse(xml: bytes) -> dict[str, Any]:
    try:
        doc = xmltodict.parse(xml)["xml"]
    except (ExpatError, ValueError, KeyError) as exc:
        raise ReplyFormatError(f"reply is not WeChat XML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ReplyFormatError("empty <xml/> reply")
    return dict(doc)


# --- hostile requests: what an attacker (or a broken proxy) posts to the webhook ---

MIB = 1024 * 1024
_ALNUM = string.ascii_letters + string.digits
_LAUGHS = (
    '<!DOCTYPE xml [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
)
_XXE = (
    ('<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    ('<!DOCTYPE xml [<!ENTITY % ext SYSTEM "file:///etc/hostname"> %ext;]>', "hi"),
    ('<!DOCTYPE xml SYSTEM "file:///etc/passwd">', "&xxe;"),
)
_WRONG_CONTENT = (
    b'{"MsgType": "text", "Content": "hi"}',
    b"MsgType=text&Content=hi",
    b"<html><body>hi</body></html>",
    b"<root><MsgType>text</MsgType></root>",
    b"<xml/>",
    b"<xml><MsgType>text</MsgType></xml>",
    b"<xml><MsgType><a>text</a></MsgType></xml>",
    b"<xml><MsgType>text</MsgType><MsgType>event</MsgType></xml>",
)


@dataclass
class _Hostile:
    client: WeChatTestClient
    rng: random.Random
    openid: str

    def text(self, content: str = cdata("你好")) -> str:
        """A text message with `content` as the raw inside of <Content>."""
        head = message_xml(self.client._head(self.openid, "text"))[: -len("</xml>")]
        return f"{head}<Content>{content}</Content><MsgId>{self.rng.getrandbits(63)}</MsgId></xml>"

    def post(self, xml: str | bytes, **opts: Unpack[SignOptions]) -> HostileRequest:
        opts.setdefault("nonce", str(self.rng.randrange(10**9, 10**10)))
        query, body = self.client.signed_request(xml, self.openid, self.rng, **opts)
        return "POST", query, body

    def post_encrypt(self, encrypt: str) -> HostileRequest:
        """A correctly signed AES body whose Encrypt is `encrypt`."""
        nonce = str(self.rng.randrange(10**9, 10**10))
        query = self.client.signed_query(self.openid, encrypt, nonce=nonce)
        return "POST", query, self.client.envelope(self.text().encode(), encrypt)


def _bad_xml(h: _Hostile) -> HostileRequest:
    xml = h.text()
    return h.post(xml[: h.rng.randrange(6, len(xml) - 7)])


def _xxe(h: _Hostile) -> HostileRequest:
    dtd, reference = h.rng.choice(_XXE)
    return h.post(dtd + h.text(reference))


def _stale_timestamp(h: _Hostile) -> HostileRequest:
    skew = h.rng.randint(301, 30 * 86400)  # beyond WeChat's 5 minutes, sometimes in the future
    return h.post(h.text(), timestamp=h.client.now() + (skew if h.rng.random() < 0.25 else -skew))


def _invalid_utf8(h: _Hostile) -> HostileRequest:
    return h.post(h.text("@@").encode().replace(b"@@", b"\xff\xfe\xc3\x28"))


def _empty_body(h: _Hostile) -> HostileRequest:
    method, query, _ = h.post(b"")
    return method, query, b""


def _missing_params(h: _Hostile) -> HostileRequest:
    if h.rng.random() < 0.5:  # signed correctly, but not a number
        return h.post(h.text(), timestamp=h.rng.choice(["abc", "1e3", "-1", "9" * 30, ""]))
    method, query, body = h.post(h.text())
    signed = ["signature", "timestamp", "nonce"] + (
        ["msg_signature"] if "msg_signature" in query else []
    )
    query.pop(h.rng.choice(signed))
    return method, query, body


def _wrong_method(h: _Hostile) -> HostileRequest:
    _, query, body = h.post(h.text())
    return h.rng.choice(["PUT", "DELETE", "PATCH"]), query, body


def _bad_ciphertext(h: _Hostile) -> HostileRequest:
    other_key = SeededPrpCrypto(h.rng.randbytes(32), h.rng)
    encrypt = h.rng.choice(
        [
            "!!not base64!!",
            base64.b64encode(h.rng.randbytes(17)).decode(),  # not whole AES blocks
            base64.b64encode(h.rng.randbytes(64)).decode(),  # decrypts to garbage
            other_key.encrypt(h.text().encode(), h.client.app_id).decode(),
        ]
    )
    return h.post_encrypt(encrypt)


def _wrong_appid(h: _Hostile) -> HostileRequest:
    cipher = SeededPrpCrypto(h.client.crypto.key, h.rng)
    return h.post_encrypt(cipher.encrypt(h.text().encode(), "wxintruder").decode())


_BUILDERS: dict[str, Callable[[_Hostile], HostileRequest]] = {
    "bad_xml": _bad_xml,
    "billion_laughs": lambda h: h.post(_LAUGHS + h.text("&lol9;")),
    "xxe": _xxe,
    "wrong_signature": lambda h: h.post(h.text(), bad_signature=True),
    "stale_timestamp": _stale_timestamp,
    "huge_body": lambda h: h.post(h.text(cdata("邻" * (MIB // 3 + h.rng.randint(1, 4096))))),
    "invalid_utf8": _invalid_utf8,
    "empty_body": _empty_body,
    "wrong_content": lambda h: h.post(h.rng.choice(_WRONG_CONTENT)),
    "missing_params": _missing_params,
    "wrong_method": _wrong_method,
    "bad_ciphertext": _bad_ciphertext,  # AES modes only
    "wrong_appid": _wrong_appid,  # AES modes only
}


def hostile_kinds(mode: Mode) -> tuple[str, ...]:
    """The kinds `hostile_request` builds; the ciphertext ones exist in AES modes only."""
    aes_only = {"bad_ciphertext", "wrong_appid"}
    return tuple(kind for kind in _BUILDERS if mode != "plain" or kind not in aes_only)


def hostile_request(client: WeChatTestClient, kind: str, rng: random.Random) -> HostileRequest:
    """One hostile request of `kind`, correctly signed unless the kind is about signatures,
    so that each one gets past the checks before the defence it is aimed at."""
    openid = "o" + "".join(rng.choices(_ALNUM, k=27))
    return _BUILDERS[kind](_Hostile(client, rng, openid))


def hostile_requests(client: WeChatTestClient, count: int, seed: int) -> Iterator[HostileRequest]:
    """`count` hostile (method, query, body) triples: every kind in turn, in a seeded order.

    Deterministic for a seed and the client's clock (build the client with `now=` to freeze it).
    """
    rng = random.Random(seed)
    kinds = list(hostile_kinds(client.mode))
    rng.shuffle(kinds)
    for i in range(count):
        yield hostile_request(client, kinds[i % len(kinds)], rng)
