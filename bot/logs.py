"""Logging for every command: one format on stderr, and no secret in any line at any level.

HTTP clients log the URLs they call (WeChat puts `secret=` and `access_token=` in the query,
Telegram the bot token in the path), tracebacks repeat them, and a DEBUG level shows
everything. So the handler's formatter redacts what looks like a credential, and every
configured secret by value, from the whole formatted line (tracebacks included); the HTTP
libraries' own loggers stay at WARNING whatever the level asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"
_HANDLER = "linli"
# libraries that log request URLs, headers or message bodies at INFO/DEBUG
_CHATTY = ("httpx", "httpcore", "hpack", "telegram", "urllib3")
_CREDENTIALS = (
    # ?secret=…&access_token=… in a URL, or secret: … / "token": "…" in a dump
    re.compile(
        r"(?i)((?:app_?secret|secret(?:_token)?|access_token|refresh_token|password|passwd|"
        r"encoding_?aes_?key|msg_signature|signature)[\"']?\s*[=:]\s*[\"']?)[^&\s\"',;)}]+"
    ),
    re.compile(r"(/bot)\d+:[\w-]+"),  # Telegram: https://api.telegram.org/bot<token>/sendMessage
    re.compile(r"(\b\d{6,12}:)[\w-]{30,}"),  # a Telegram bot token on its own
    re.compile(r"(://[^/\s:@]+:)[^@\s/]+(@)"),  # a password in a database URL
)
# a mainland mobile number, kept as 138****5678 (as bot.people.masking shows it)
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_SHORTEST_SECRET = 6  # shorter configured values would mask ordinary words


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with credentials and the given secret values replaced by ***, and mobile
    numbers masked (a resident's message quoted in a warning or a traceback)."""
    for value in sorted({s for s in secrets if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern in _CREDENTIALS:
        text = pattern.sub(
            lambda m: m.group(1) + MASK + (m.group(2) if m.re.groups > 1 else ""), text
        )
    return mask_mobiles(text)


def mask_mobiles(text: str) -> str:
    """Every mainland mobile number in `text` as 138****5678 (free text a resident typed,
    before it is logged or stored for staff)."""
    return _PHONE.sub(r"\1****\2", text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line (message and traceback) is redacted."""

    def __init__(self, fmt: str, secrets: Iterable[str]):
        super().__init__(fmt)
        self.secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


class JsonFormatter(RedactingFormatter):
    """One JSON object a line (time in UTC, level, logger, message, exception), each text
    redacted before it is encoded (so escaping can never hide a secret from the redaction)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), self.secrets),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info), self.secrets)
        return json.dumps(entry, ensure_ascii=False)


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold."""
    wechat, telegram = settings.wechat, settings.telegram
    return [
        wechat.token, wechat.app_secret, wechat.encoding_aes_key,
        wechat.previous_encoding_aes_key, telegram.token, telegram.secret_token,
        settings.console.secret,
    ]  # fmt: skip


def configure(settings: Settings, stream: TextIO | None = None) -> None:
    """Send logs to stderr (or `stream`) at the configured level, redacted."""
    handler = logging.StreamHandler(stream or sys.stderr)
    json_lines = settings.general.log_format == "json"
    formatter = (JsonFormatter if json_lines else RedactingFormatter)(FORMAT, secrets_of(settings))
    handler.setFormatter(formatter)
    handler.set_name(_HANDLER)
    level = logging.getLevelName(settings.general.log_level.upper())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:  # a second main()
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
