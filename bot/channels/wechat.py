"""The WeChat official-account webhook: signature checked, decrypted (safe and compatible
modes, the previous EncodingAESKey still accepted while rotating), parsed without entity
expansion, and answered within WeChat's five seconds — or with "success" and the answer sent
through the outbox when the work takes longer.

With an EncodingAESKey configured only encrypted messages are accepted: the plain `signature`
covers the token, timestamp and nonce but not the body, so a captured URL would otherwise
carry any body an attacker likes. `msg_signature` covers the ciphertext too, and the message
acted on is always the decrypted one (compatible mode's plaintext copy is never read). In plain
mode nothing signs the body: it is for development only (see the README)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXML
from defusedxml import DefusedXmlException
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.config import WeChatSettings
from bot.types import Attachment, Incoming, Outcome

logger = logging.getLogger(__name__)
CHANNEL = "wechat"
SUCCESS = b"success"  # tells WeChat "received, no passive reply"
_QUIET_EVENTS = ("VIEW", "TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH", "LOCATION")
MAX_NONCE = 64  # WeChat's nonces are ten digits; the replay ledger stores them


class WebhookError(Exception):
    """A request to refuse: its HTTP status, and a reason for the log (never the body)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Envelope:
    """A verified request: the message fields, how to answer (encrypted or not), and what
    the replay ledger needs: the signed timestamp and nonce, and a digest of the message."""

    fields: Mapping[str, str]
    encrypted: bool
    timestamp: str
    nonce: str
    digest: str  # sha256 of the message XML acted on (the decrypted one in AES modes)
    crypto: WeChatCrypto | None


class WeChatWebhook:
    """Turns WeChat's HTTP requests into Incoming messages and Outcomes into passive replies."""

    def __init__(self, settings: WeChatSettings, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.clock = clock
        keys = [settings.encoding_aes_key, settings.previous_encoding_aes_key]
        self._cryptos = [WeChatCrypto(settings.token, k, settings.app_id) for k in keys if k]

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The GET WeChat sends when the URL is configured: echo `echostr` if signed by us."""
        self._check_signature(query)
        return query.get("echostr", "")

    def open(self, query: Mapping[str, str], body: bytes) -> Envelope:
        """Check and decrypt a POSTed message.

        Raises:
            WebhookError: 413 too large; 403 bad signature, stale, undecryptable, or plaintext
                while an EncodingAESKey is configured; 400 bad XML.
        """
        if len(body) > self.settings.max_body_bytes:
            raise WebhookError(413, "body too large")
        self._check_signature(query)
        outer = _parse(body)
        if self._cryptos:
            return self._decrypted(query, outer)
        if query.get("encrypt_type", "raw") == "aes":
            raise WebhookError(403, "encrypted message, but no EncodingAESKey is configured")
        return self._envelope(query, outer, body, None)

    def _decrypted(self, query: Mapping[str, str], outer: Mapping[str, str]) -> Envelope:
        """The message inside <Encrypt>, whatever `encrypt_type` says: a request without one
        (a plain URL, or compatible mode's plaintext copy alone) is refused."""
        encrypt = outer.get("Encrypt", "")
        if not encrypt:
            raise WebhookError(403, "plaintext message refused: an EncodingAESKey is configured")
        stamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        signed = query.get("msg_signature", "")
        if not _signed(signed, self.settings.token, stamp, nonce, encrypt):
            raise WebhookError(403, "bad msg_signature")
        for crypto in self._cryptos:
            try:
                plain = _utf8(crypto.decrypt_message({"Encrypt": encrypt}, signed, stamp, nonce))
            except Exception:  # noqa: BLE001 - bad ciphertext fails in many ways inside wechatpy
                continue
            return self._envelope(query, _parse(plain), plain, crypto)
        raise WebhookError(403, "message could not be decrypted with any configured key")

    def _envelope(
        self, query: Mapping[str, str], fields: Mapping[str, str], xml: bytes,
        crypto: WeChatCrypto | None,
    ) -> Envelope:  # fmt: skip
        return Envelope(
            fields, crypto is not None, query.get("timestamp", ""), query.get("nonce", ""),
            hashlib.sha256(xml).hexdigest(), crypto,
        )  # fmt: skip

    def reply(self, envelope: Envelope, outcome: Outcome) -> bytes:
        """The passive reply XML (encrypted when the request was)."""
        text = outcome.text.strip()
        if not text:
            return SUCCESS
        fields = envelope.fields
        # wechatpy puts the text in CDATA without escaping "]]>": split it so it stays CDATA
        safe_text = text.replace("]]>", "]]]]><![CDATA[>")
        xml = TextReply(
            source=fields.get("ToUserName", ""), target=fields.get("FromUserName", ""),
            content=safe_text,
        ).render()  # fmt: skip
        if envelope.crypto is None:
            return _utf8(xml)
        return _utf8(envelope.crypto.encrypt_message(xml, envelope.nonce, str(int(self.clock()))))

    def incoming(self, envelope: Envelope) -> Incoming | None:
        """The channel-neutral message, or None for events answered with "success" only."""
        fields = envelope.fields
        openid = fields.get("FromUserName", "")
        if not openid:
            raise WebhookError(400, "message without a sender")
        kind = fields.get("MsgType", "")
        msg_id = (
            fields.get("MsgId")
            or f"{openid}:{fields.get('CreateTime', '')}:{fields.get('Event', '')}"
        )
        text, event_key = _text_of(kind, fields, self.settings.menu_keys)
        if kind == "event" and fields.get("Event", "").upper() in _QUIET_EVENTS:
            return None
        return Incoming(
            channel=CHANNEL, user_key=openid, text=text, kind=_kind_of(kind, fields),
            event_key=event_key, msg_id=msg_id[:128], attachment=_attachment(kind, fields),
        )  # fmt: skip

    def _check_signature(self, query: Mapping[str, str]) -> None:
        stamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if (
            not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 16)
            or abs(self.clock() - int(stamp)) > self.settings.timestamp_tolerance_seconds
        ):
            raise WebhookError(403, "timestamp missing or too far from now")
        if not 0 < len(nonce) <= MAX_NONCE:
            raise WebhookError(403, "nonce missing or too long")
        if not _signed(query.get("signature", ""), self.settings.token, stamp, nonce):
            raise WebhookError(403, "bad signature")


def _sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the sorted, joined parts (token, timestamp, nonce[, Encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _signed(given: str, *parts: str) -> bool:
    """Whether `given` is the signature of `parts`, compared in constant time."""
    return hmac.compare_digest(given.encode(), _sign(*parts).encode())


def _parse(body: bytes) -> dict[str, str]:
    try:
        root: Element = SafeXML.fromstring(body, forbid_dtd=True)  # WeChat never sends one
    except (SafeXML.ParseError, DefusedXmlException, ValueError) as exc:
        raise WebhookError(400, f"malformed XML ({exc.__class__.__name__})") from exc
    if root.tag != "xml":
        raise WebhookError(400, "not a WeChat message")
    return {child.tag: (child.text or "").strip() for child in root if len(child) == 0}


def _text_of(
    kind: str, fields: Mapping[str, str], menu: Mapping[str, str]
) -> tuple[str, str | None]:
    """What the message says, as text the dispatcher understands."""
    if kind == "text":
        return fields.get("Content", ""), None
    if kind == "voice":
        return fields.get("Recognition", ""), None
    if kind == "event":
        event, key = fields.get("Event", "").upper(), fields.get("EventKey") or None
        if event == "CLICK" and key is not None:
            return menu.get(key, ""), key
        return "", key
    if kind == "location":
        return fields.get("Label", ""), None
    return "", None


def _attachment(kind: str, fields: Mapping[str, str]) -> Attachment | None:
    """An image's MediaId and PicUrl (references: the picture is never downloaded), or a
    location's Location_X (latitude), Location_Y (longitude) and Label."""
    if kind == "image":
        return Attachment(
            media_id=fields.get("MediaId", "")[:512], url=fields.get("PicUrl", "")[:512]
        )
    if kind == "location":
        try:
            point = float(fields.get("Location_X", "")), float(fields.get("Location_Y", ""))
        except ValueError:
            return None
        if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
            return None
        return Attachment(latitude=point[0], longitude=point[1], label=fields.get("Label", ""))
    return None


def _kind_of(kind: str, fields: Mapping[str, str]) -> str:
    if kind == "event":
        event = fields.get("Event", "").lower()
        return "event" if event in ("click",) else f"event:{event}"
    return kind or "unknown"


def _utf8(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")
