"""A real `linli serve` watched as an operator would: /healthz, /readyz with this process
holding the scheduler lease, and /metrics counting the WeChat messages it answered, the time
its webhook took and the announcement it delivered."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.test_reminder_restart import environment as served_environment
from tests.e2e.test_wechat import AES_KEY
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.fakes.wechat_client import WeChatTestClient
from tests.security.test_secrets_in_served_logs import up, wait_for
from tests.serving import run_linli, serving

APP_ID, APP_SECRET, TOKEN = "wxmetrics", "wx-app-secret-5e1f0c9a", "wxtoken7788"


def environment(home: Path, wechat: FakeWeChatAPI) -> dict[str, str]:
    """`linli serve` with WeChat in safe mode against the fake API."""
    return served_environment(home) | {
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": TOKEN,
        "LINLI_WECHAT_APP_ID": APP_ID, "LINLI_WECHAT_APP_SECRET": APP_SECRET,
        "LINLI_WECHAT_ENCODING_AES_KEY": AES_KEY, "LINLI_WECHAT_API_BASE": wechat.base_url,
    }  # fmt: skip


def scrape(base: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(f"{base}/metrics", timeout=10, trust_env=False)
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:  # fmt: skip
    return samples.get((name, frozenset(labels.items())), 0.0)


def ready(base: str) -> bool:
    response = httpx.get(f"{base}/readyz", timeout=10, trust_env=False)
    return response.status_code == 200 and response.json()["scheduler"]["leader_here"] is True


def test_probes_and_metrics_of_a_served_linli(tmp_path: Path) -> None:
    with FakeWeChatAPI(APP_ID, APP_SECRET) as wechat:
        env = environment(tmp_path, wechat)
        base = f"http://127.0.0.1:{env['LINLI_SERVER_PORT']}"
        with serving(env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            wait_for(lambda: up(f"{base}/healthz"), 120)
            wait_for(lambda: ready(base), 60)
            client = WeChatTestClient(f"{base}/wechat", TOKEN, APP_ID, AES_KEY, "safe")
            assert client.send_text("o-ann", "东坡大道名字怎么来的").status_code == 200
            # WeChat's retry: the stored reply, by the webhook (the dispatcher never sees it)
            assert client.resend_last().status_code == 200
            assert client.send_text("o-ann", "今天天气怎么样").status_code == 200
            assert client.send_text("o-ann", "低保", bad_signature=True).status_code == 403
            pushed = run_linli(env, "push", "send", "周六上午社区义诊", "--everyone", "--yes")
            assert pushed.returncode == 0, pushed.stderr
            wait_for(lambda: bool(wechat.custom_messages), 120)
            samples = scrape(base)
    assert value(samples, "linli_messages_total", channel="wechat", intent="faq") == 1
    assert value(samples, "linli_match_decisions_total", decision="answer") == 1
    assert value(samples, "linli_match_decisions_total", decision="fallback") == 1
    assert value(samples, "linli_match_seconds_count") == 2
    assert value(samples, "linli_webhook_seconds_count", channel="wechat", status="200") == 3
    assert value(samples, "linli_webhook_seconds_count", channel="wechat", status="403") == 1
    sent = value(samples, "linli_outbox_deliveries_total", channel="wechat", outcome="sent")
    assert sent == len(wechat.custom_messages) == 1
    assert value(samples, "linli_outbox_depth", status="pending") == 0
