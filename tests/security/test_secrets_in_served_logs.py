"""`linli serve` at DEBUG through a WeChat and a Telegram session — passive replies, an
announcement pushed on both channels (WeChat's token fetched with the app secret, Telegram's
bot token in every URL) — and not one secret in its log."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import httpx

from tests.e2e.test_reminder_restart import free_port
from tests.fakes.telegram_api import FakeBotAPI, text_update
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.fakes.wechat_client import WeChatTestClient
from tests.serving import run_linli, start_serve, stop_serve, wait_for

APP_SECRET = "wx-app-secret-5e1f0c9a"
WECHAT_TOKEN = "wxtoken7788"
AES_KEY = base64.b64encode(b"served-log-test-key-0123456789ab").decode().rstrip("=")
BOT_TOKEN = "987654321:AAF-served-log-bot-token-xyz0123456789"
SECRET_TOKEN = "tg-webhook-secret-4411"


def environment(
    home: Path, wechat: FakeWeChatAPI, telegram: FakeBotAPI, port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": str(home), "LINLI_GENERAL_LOG_LEVEL": "DEBUG",
        "LINLI_SERVER_PORT": str(port), "LINLI_DELIVERY_INTERVAL_SECONDS": "0.2",
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": WECHAT_TOKEN,
        "LINLI_WECHAT_APP_ID": "wxlogtest", "LINLI_WECHAT_APP_SECRET": APP_SECRET,
        "LINLI_WECHAT_ENCODING_AES_KEY": AES_KEY, "LINLI_WECHAT_API_BASE": wechat.base_url,
        "LINLI_TELEGRAM_ENABLED": "true", "LINLI_TELEGRAM_TOKEN": BOT_TOKEN,
        "LINLI_TELEGRAM_SECRET_TOKEN": SECRET_TOKEN, "LINLI_TELEGRAM_API_BASE": telegram.base_url,
    })  # fmt: skip
    return env


def up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def test_no_secret_in_the_log_of_a_wechat_and_telegram_session(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with FakeWeChatAPI("wxlogtest", APP_SECRET) as wechat, FakeBotAPI(BOT_TOKEN) as telegram:
        env = environment(tmp_path, wechat, telegram, port)
        with log.open("w") as stderr:
            server = start_serve(env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda: up(f"{base}/healthz"), 120)
            client = WeChatTestClient(f"{base}/wechat", WECHAT_TOKEN, "wxlogtest", AES_KEY, "safe")
            assert client.send_text("o-ann", "你好").status_code == 200
            hello = httpx.post(
                f"{base}/telegram", json=text_update(5, 4242, "你好"), trust_env=False,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN},
            )  # fmt: skip
            assert hello.status_code == 200
            pushed = run_linli(env, "push", "send", "周六上午社区义诊", "--everyone", "--yes")
            assert pushed.returncode == 0, pushed.stderr
            wait_for(lambda: bool(wechat.custom_messages) and len(telegram.sent) >= 2, 120)
        finally:
            stop_serve(server)
        tokens = {m["access_token"] for m in wechat.custom_messages}
    text = log.read_text(encoding="utf-8") + pushed.stderr
    assert " DEBUG " in text  # the level really was DEBUG
    assert wechat.token_fetches >= 1  # the app secret went out in a URL
    for secret in (APP_SECRET, WECHAT_TOKEN, AES_KEY, BOT_TOKEN, SECRET_TOKEN, *tokens):
        assert secret not in text, f"a secret ({secret[:4]}…) is in the log"
