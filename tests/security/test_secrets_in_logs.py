"""No secret in any log line at any level: URLs with credentials, tracebacks that repeat them,
the configured secrets by value, and the HTTP libraries' own chatter."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.config import Settings, load_settings

APP_SECRET = "wechat-app-secret-9f8e7d"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
TOKEN = "webhooktoken42"
SECRET_TOKEN = "telegram-secret-token-1a2b"


@pytest.fixture
def settings() -> Settings:
    return load_settings(Path(os.devnull), environ={
        "LINLI_GENERAL_LOG_LEVEL": "DEBUG",
        "LINLI_WECHAT_TOKEN": TOKEN, "LINLI_WECHAT_APP_SECRET": APP_SECRET,
        "LINLI_TELEGRAM_TOKEN": BOT_TOKEN, "LINLI_TELEGRAM_SECRET_TOKEN": SECRET_TOKEN,
    })  # fmt: skip


@pytest.fixture
def captured(settings: Settings) -> Iterator[io.StringIO]:
    """Linli's own log configuration, writing into a buffer."""
    stream = io.StringIO()
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    logs.configure(settings, stream)
    yield stream
    for handler in list(root.handlers):
        if handler not in before[1]:
            root.removeHandler(handler)
    root.setLevel(before[0])
    for name in ("httpx", "httpcore", "hpack", "telegram", "urllib3"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_credentials_in_urls_are_masked() -> None:
    lines = {
        "GET https://api.weixin.qq.com/cgi-bin/token?appid=wx1&secret=abc123def": "abc123def",
        "POST https://api.weixin.qq.com/cgi-bin/message?access_token=T0K3N_xyz": "T0K3N_xyz",
        f"POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage": BOT_TOKEN,
        "postgresql+psycopg://linli:hunter22@db.local/linli": "hunter22",
        '{"access_token": "ACCESS-42", "expires_in": 7200}': "ACCESS-42",
    }  # fmt: skip
    for line, secret in lines.items():
        masked = logs.redact(line)
        assert secret not in masked
        assert logs.MASK in masked


def test_mobile_numbers_are_masked_in_every_line() -> None:
    line = "intent faq failed on '我的电话13812345678，报名' (order 202611260001)"
    masked = logs.redact(line)
    assert "13812345678" not in masked
    assert "138****5678" in masked
    assert "202611260001" in masked  # a longer number is no phone


def test_no_configured_secret_reaches_the_log_at_debug(captured: io.StringIO) -> None:
    logger = logging.getLogger("bot.somewhere")
    logger.debug("token %s, app secret %s", TOKEN, APP_SECRET)
    logger.info("bot token %s and header %s", BOT_TOKEN, SECRET_TOKEN)
    try:
        raise RuntimeError(f"failed calling https://api.telegram.org/bot{BOT_TOKEN}/getMe")
    except RuntimeError:
        logger.exception("with a traceback")
    logging.getLogger("httpx").info("HTTP Request: GET https://x/token?secret=%s", APP_SECRET)
    text = captured.getvalue()
    assert "with a traceback" in text
    assert "Traceback" in text
    for secret in (TOKEN, APP_SECRET, BOT_TOKEN, SECRET_TOKEN):
        assert secret not in text


def test_http_libraries_stay_quiet_below_warning(captured: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: GET https://example/ 200")
    logging.getLogger("telegram.ext").debug("Calling Bot API endpoint sendMessage")
    assert captured.getvalue() == ""
    logging.getLogger("bot.x").debug("ours at DEBUG")
    assert "ours at DEBUG" in captured.getvalue()


def test_json_lines_are_redacted_too(settings: Settings) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    json_settings = settings.model_copy(
        update={"general": settings.general.model_copy(update={"log_format": "json"})}
    )
    logs.configure(json_settings, stream)
    try:
        log = logging.getLogger("bot.test")
        log.warning('token %s for 13812345678 "quoted"', APP_SECRET)
        try:
            raise RuntimeError(f"https://api.telegram.org/bot{BOT_TOKEN}/getMe failed")
        except RuntimeError:
            log.exception("send failed")
    finally:
        for handler in list(root.handlers):
            if handler not in before[1]:
                root.removeHandler(handler)
        root.setLevel(before[0])
        for name in ("httpx", "httpcore", "hpack", "telegram", "urllib3"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    text = stream.getvalue()
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["level"] == "WARNING"
    assert first["logger"] == "bot.test"
    assert first["message"] == 'token *** for 138****5678 "quoted"'
    assert first["time"].endswith("+00:00")
    assert second["message"] == "send failed"
    assert "RuntimeError" in second["exception"]
    for secret in (APP_SECRET, BOT_TOKEN, "13812345678"):
        assert secret not in text
