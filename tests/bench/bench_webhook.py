"""Webhook throughput: `linli serve` in its own process, load from this one over loopback.
Signed WeChat text messages (plain mode) at 50 and 200 concurrent connections, beside the bare
/healthz endpoint of the same server: messages/s, p50 and p99 latency.

Run: python tests/bench/bench_webhook.py [--requests 2000] [--database-url URL] [--workers N]
(--workers needs a PostgreSQL URL). After the run /metrics is scraped and the server's own
counts are printed beside the client's (with N workers a scrape reaches one of them).
The load generator is a Python asyncio client (httpx): on this 2-core machine it shares the CPU
with the server and costs a few ms a request itself, so read the bare endpoint's numbers as the
ceiling of the measurement.
Prints numbers; asserts nothing. Loopback only; bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.wechat_client import WeChatTestClient, message_xml  # noqa: E402

QUESTIONS = ["低保怎么申请", "东坡大道名字怎么来的", "助老餐厅在哪", "明天股市会涨吗", "你好"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, database_url: str, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": tempfile.mkdtemp(prefix="linli-bench-"), "LINLI_SERVER_PORT": str(port),
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxbench", "LINLI_WECHAT_APP_SECRET": "bench-secret",
        "LINLI_WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
    })  # fmt: skip
    if database_url:
        env["LINLI_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "bot", "serve", "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", trust_env=False).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("linli serve did not start")


def signed_messages(port: int, count: int) -> list[tuple[dict[str, str], bytes]]:
    key = "a" * 43  # plain mode does not use it, but the client builds a cipher
    client = WeChatTestClient(f"http://127.0.0.1:{port}/wechat", "tok", "wxbench", key, "plain")
    requests = []
    for n in range(count):
        openid = f"o-bench-{n % 500}"
        xml = message_xml({
            "ToUserName": "gh_bench", "FromUserName": openid, "CreateTime": int(time.time()),
            "MsgType": "text", "Content": QUESTIONS[n % len(QUESTIONS)], "MsgId": 10**15 + n,
        })  # fmt: skip
        requests.append((client.signed_query(openid), xml.encode("utf-8")))
    return requests


async def load(
    url: str, requests: list[tuple[dict[str, str], bytes]] | int, concurrency: int
) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[tuple[dict[str, str], bytes] | None] = asyncio.Queue()
    items = requests if isinstance(requests, list) else [({}, b"")] * requests
    for item in items:
        queue.put_nowait(item)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as http:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                query, body = queue.get_nowait() or ({}, b"")
                started = time.perf_counter()
                if body:
                    response = await http.post(url, params=query, content=body)
                else:
                    response = await http.get(url)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(items) / elapsed, latencies, errors


def report(name: str, concurrency: int, result: tuple[float, list[float], int]) -> None:
    rate, latencies, errors = result
    ordered = sorted(latencies)
    p50, p99 = statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))]
    print(f"{name:>9} c={concurrency:<4} {rate:8.0f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
          f"   non-200: {errors}")  # fmt: skip


def server_counts(base: str) -> dict[str, float]:
    """What the server counted, from /metrics: WeChat requests by status, messages handled."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{base}/metrics", trust_env=False, timeout=30).text
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("channel") != "wechat":
                continue
            if sample.name == "linli_webhook_seconds_count":
                key = f"webhook {sample.labels['status']}"
            elif sample.name == "linli_messages_total":
                key = "messages handled"
            else:
                continue
            counts[key] = counts.get(key, 0) + sample.value
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    port = free_port()
    server = start_server(port, args.database_url, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        for concurrency in (50, 200):
            bare = asyncio.run(load(base + "/healthz", args.requests, concurrency))
            report("healthz", concurrency, bare)
            messages = signed_messages(port, args.requests)
            report(
                "wechat", concurrency, asyncio.run(load(base + "/wechat", messages, concurrency))
            )
        sent = 2 * args.requests  # the second round re-sends the same MsgIds: WeChat's retries
        print(f"client: {sent} wechat requests, {args.requests} distinct messages; "
              f"server /metrics{' (one worker)' if args.workers > 1 else ''}: "
              f"{server_counts(base)}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
