"""WeChat under stress: 10,000 hostile requests, a token shared by four processes, errcodes,
the custom menu."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select

from bot.app import open_database
from bot.channels.models import AccessToken
from bot.channels.wechat_api import TokenStore, WeChatAPI
from bot.errors import ChannelError, Undeliverable
from bot.models import ChannelIdentity, ProcessedMessage
from tests.e2e.test_wechat import AES_KEY, Rig, rig, wechat_settings  # noqa: F401 - fixture
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.fakes.wechat_client import hostile_requests

HOSTILE = 10_000


def test_hostile_requests_do_nothing_and_break_nothing(rig: Rig) -> None:  # noqa: F811
    if rig.app.settings.database_url.startswith("postgresql"):
        pytest.skip("once is enough: every hostile request is refused before the database")
    statuses: Counter[int] = Counter()
    for mode in ("safe", "plain"):
        client = rig.client(mode)
        requests = list(hostile_requests(client, HOSTILE // 2, seed=7 if mode == "safe" else 8))
        with ThreadPoolExecutor(8) as pool:
            for response in pool.map(client.send_raw, *zip(*requests, strict=True)):
                statuses[response.status_code] += 1
    assert sum(statuses.values()) == HOSTILE
    assert all(code < 500 for code in statuses), statuses
    assert set(statuses) <= {400, 403, 405, 413}, statuses
    with Session(rig.app.engine) as session:
        assert session.exec(select(func.count()).select_from(ChannelIdentity)).one() == 0
        assert session.exec(select(func.count()).select_from(ProcessedMessage)).one() == 0
    good = rig.client("safe")  # the server is still up and answers
    assert "低保" in good.decrypt_reply(good.send_text("o-after", "低保怎么申请"))["Content"]


def _fetch_token(database_url: str, home: str, api_base: str, gate: object, out: object) -> None:
    settings = wechat_settings(database_url, Path(home), api_base)
    engine = open_database(settings)
    gate.wait()  # type: ignore[attr-defined]
    with httpx.Client(trust_env=False) as http:
        out.put(TokenStore(engine, settings.wechat, http).get())  # type: ignore[attr-defined]


def test_four_processes_fetch_the_token_once(database_url: str, tmp_path: Path) -> None:
    with FakeWeChatAPI() as api:
        open_database(wechat_settings(database_url, tmp_path, api.base_url)).dispose()
        context = multiprocessing.get_context("spawn")
        gate, out = context.Barrier(4), context.Queue()
        args = (database_url, str(tmp_path), api.base_url, gate, out)
        servers = [context.Process(target=_fetch_token, args=args) for _ in range(4)]
        for server in servers:
            server.start()
        tokens = [out.get(timeout=60) for _ in servers]
        for server in servers:
            server.join(timeout=60)
        assert len(set(tokens)) == 1
        assert api.token_fetches == 1


def test_an_invalid_token_is_refreshed_once_and_the_call_retried(
    database_url: str, tmp_path: Path
) -> None:
    with FakeWeChatAPI() as api, httpx.Client(trust_env=False) as http:
        settings = wechat_settings(database_url, tmp_path, api.base_url)
        engine = open_database(settings)
        wechat = WeChatAPI(settings.wechat, TokenStore(engine, settings.wechat, http), http)
        message = {"touser": "o-ann", "msgtype": "text", "text": {"content": "你好"}}
        wechat.post("message/custom/send", message)
        api.invalidate_tokens()  # WeChat answers 40001 to the stored token now
        wechat.post("message/custom/send", message)
        assert api.token_fetches == 2
        assert len(api.custom_messages) == 2
        with Session(engine) as session:
            assert session.exec(select(AccessToken)).one().fetches == 2
        api.fail_next("message/custom/send", errcode=-1)
        try:
            wechat.post("message/custom/send", message)
            raise AssertionError("a busy WeChat must be retried later")
        except ChannelError:
            pass
        api.unsubscribed.add("o-ann")
        try:
            wechat.post("message/custom/send", message)
            raise AssertionError("an unfollowed resident cannot be written to")
        except Undeliverable:
            pass
        engine.dispose()


def test_menu_push_and_show(database_url: str, tmp_path: Path) -> None:
    with FakeWeChatAPI() as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        env.update({
            "LINLI_DATABASE_URL": database_url, "LINLI_HOME": str(tmp_path),
            "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok",
            "LINLI_WECHAT_APP_ID": "wxtest", "LINLI_WECHAT_APP_SECRET": "s3cret",
            "LINLI_WECHAT_ENCODING_AES_KEY": AES_KEY, "LINLI_WECHAT_API_BASE": api.base_url,
        })  # fmt: skip

        def linli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                timeout=60,
            )  # fmt: skip

        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({"button": [{"name": "活动"}] * 4}), encoding="utf-8")
        result = linli("wechat", "menu", "push", str(bad))
        assert result.returncode == 1
        assert "一级菜单" in result.stderr
        menu = {"button": [
            {"type": "click", "name": "活动", "key": "MENU_ACTIVITIES"},
            {"name": "问问", "sub_button": [{"type": "click", "name": "帮助", "key": "MENU_HELP"}]},
        ]}  # fmt: skip
        good = tmp_path / "menu.json"
        good.write_text(json.dumps(menu, ensure_ascii=False), encoding="utf-8")
        assert linli("wechat", "menu", "push", str(good)).returncode == 0
        shown = linli("wechat", "menu", "show")
        assert shown.returncode == 0, shown.stderr
        assert "MENU_ACTIVITIES" in shown.stdout
