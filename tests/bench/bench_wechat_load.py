"""WeChat under concurrent load: `linli serve` on SQLite in its own process, 30 residents each
sending 4 messages, every message as 8 concurrent copies (WeChat re-sends a message it got no
answer to; here all copies arrive at once, each signed with its own nonce, as WeChat re-signs).
Prints p50/p99 latency, how many responses came after `reply_budget_seconds` and after WeChat's
5 s, and how many messages had no copy answered within 5 s (WeChat gives up on those).

Run: python tests/bench/bench_wechat_load.py [--users 30] [--copies 8] [--messages 4]
                                             [--mode safe|compatible|plain]
The load generator shares this 2-core machine with the server (read the numbers as an upper
bound of the server's own latency). Prints numbers; asserts nothing. Loopback only; bounded in
count and time; the server is stopped in every outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_webhook import free_port  # noqa: E402
from tests.fakes.wechat_client import WeChatTestClient, message_xml  # noqa: E402

AES_KEY = base64.b64encode(b"linli-bench-key-0123456789abcdef").decode().rstrip("=")
QUESTIONS = ["低保怎么申请", "东坡大道名字怎么来的", "助老餐厅在哪", "活动"]
BUDGET = 4.0  # reply_budget_seconds, set below for the server too
WECHAT_WAITS = 5.0


def start_server(port: int, home: str, mode: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": home, "LINLI_SERVER_PORT": str(port), "LINLI_WECHAT_ENABLED": "true",
        "LINLI_WECHAT_TOKEN": "tok", "LINLI_WECHAT_APP_ID": "wxbench",
        "LINLI_WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
        "LINLI_WECHAT_REPLY_BUDGET_SECONDS": str(BUDGET),
    })  # fmt: skip
    if mode != "plain":
        env["LINLI_WECHAT_ENCODING_AES_KEY"] = AES_KEY
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", trust_env=False).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit("linli serve did not start")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


class Load:
    """The residents, their messages and the measurements."""

    def __init__(self, port: int, mode: str, copies: int, messages: int) -> None:
        url = f"http://127.0.0.1:{port}/wechat"
        self.client = WeChatTestClient(url, "tok", "wxbench", AES_KEY, mode)  # type: ignore[arg-type]
        self.port = port
        self.copies, self.messages = copies, messages
        self.latencies: list[float] = []
        self.errors = 0
        self.lost = 0  # messages with no copy answered within WeChat's 5 s
        self.msg_ids = iter(range(10**15, 10**16))

    async def resident(self, openid: str) -> None:
        for n in range(self.messages):
            xml = message_xml({
                "ToUserName": "gh_test", "FromUserName": openid,
                "CreateTime": int(time.time()), "MsgType": "text",
                "Content": QUESTIONS[n % len(QUESTIONS)], "MsgId": next(self.msg_ids),
            })  # fmt: skip
            copies = [self.client.signed_request(xml, openid) for _ in range(self.copies)]
            times = await asyncio.gather(*(self.send(*copy) for copy in copies))
            self.lost += min(times) > WECHAT_WAITS

    async def send(self, query: dict[str, str], body: bytes) -> float:
        started = time.perf_counter()
        try:
            status = await post(self.port, "/wechat?" + urlencode(query), body)
            self.errors += status != 200
        except OSError:
            self.errors += 1
        elapsed = time.perf_counter() - started
        self.latencies.append(elapsed)
        return elapsed


async def post(port: int, target: str, body: bytes) -> int:
    """One POST on its own connection, as WeChat's servers send them; the HTTP status.
    (A bare asyncio client: httpx costs the load generator milliseconds a request, and on
    this machine its CPU is the server's.)"""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")  # fmt: skip
        writer.write(head.encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # the rest, until the server closes
        return int(status_line.split()[1])
    finally:
        writer.close()


async def run(load: Load, users: int) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(load.resident(f"o-load-{u}") for u in range(users)))
    return time.perf_counter() - started


def report(load: Load, elapsed: float) -> None:
    ordered = sorted(load.latencies)
    p50, p99 = statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))]
    over_budget = sum(t > BUDGET for t in ordered)
    over_wechat = sum(t > WECHAT_WAITS for t in ordered)
    print(f"{len(ordered)} responses in {elapsed:.1f} s   p50 {p50 * 1000:7.0f} ms   "
          f"p99 {p99 * 1000:7.0f} ms   max {ordered[-1] * 1000:7.0f} ms")  # fmt: skip
    print(f"over the {BUDGET:.0f} s budget: {over_budget}   over WeChat's 5 s: {over_wechat}   "
          f"messages lost (no copy within 5 s): {load.lost}   non-200: {load.errors}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--messages", type=int, default=4)
    parser.add_argument("--mode", choices=["safe", "compatible", "plain"], default="safe")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as home:
        server = start_server(port, home, args.mode)
        try:
            load = Load(port, args.mode, args.copies, args.messages)
            elapsed = asyncio.run(run(load, args.users))
        finally:
            stop(server)
    report(load, elapsed)


if __name__ == "__main__":
    main()
