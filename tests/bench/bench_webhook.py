"""Webhook throughput: `linli serve` in its own processes, loaded by wrk (a compiled load
generator, Debian's `wrk` package) over loopback. Signed WeChat text messages (plain mode,
each with its own MsgId and nonce, built before the run) at 50 and 200 connections, beside the
bare /healthz endpoint of the same server: messages/s, p50 and p99, on PostgreSQL with 1 and
4 workers (SQLite's one process when no PostgreSQL URL is given). Targets: WeChat ≥ 50 % of
the bare endpoint's rate, p99 < 1 s at 200 connections. /metrics is scraped before and after
each WeChat run: the server's count of messages handled must rise by the requests wrk sent.

Run: python tests/bench/bench_webhook.py [--seconds 10] [--database-url URL] [--workers 1,4]
(PostgreSQL: --database-url or LINLI_TEST_DATABASE_URL; that database is emptied.)
wrk shares this machine's cores with the server: read the bare endpoint's rate as what the
server and wrk manage together. Prints numbers; asserts nothing. Loopback only; each wrk run
lasts --seconds, and the server is stopped after its configuration.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.serve import free_port  # noqa: E402
from tests.conftest import drop_everything  # noqa: E402
from tests.fakes.wechat_client import WeChatTestClient, message_xml  # noqa: E402
from tests.serving import start_serve, stop_serve  # noqa: E402

QUESTIONS = ["低保怎么申请", "东坡大道名字怎么来的", "助老餐厅在哪", "明天股市会涨吗", "你好"]
SCRIPT = Path(__file__).with_name("wechat_wrk.lua")
THREADS = 2  # wrk's threads: one a core
Result = dict[str, float]


def start_server(home: Path, database_url: str, workers: int) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": str(home), "LINLI_SERVER_PORT": str(port), "LINLI_DATABASE_URL": database_url,
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxbench", "LINLI_WECHAT_APP_SECRET": "bench-secret",
        "LINLI_WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
    })  # fmt: skip
    args = ("--workers", str(workers)) if workers > 1 else ()
    with (home / "serve.log").open("w") as log:
        server = start_serve(env, *args, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/readyz", trust_env=False).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_serve(server)
    raise SystemExit(f"linli serve did not start: see {home / 'serve.log'}")


def write_pool(path: Path, base: str, count: int, first_id: int) -> None:
    """`count` signed WeChat posts as a Lua table wrk's script loads: {path?query, body}."""
    client = WeChatTestClient(f"{base}/wechat", "tok", "wxbench", "a" * 43, "plain")
    lines = ["return {"]
    for n in range(count):
        openid = f"o-bench-{n % 500}"
        xml = message_xml({
            "ToUserName": "gh_bench", "FromUserName": openid, "CreateTime": int(time.time()),
            "MsgType": "text", "Content": QUESTIONS[n % len(QUESTIONS)], "MsgId": first_id + n,
        })  # fmt: skip
        target = "/wechat?" + urlencode(client.signed_query(openid))
        lines.append(f"{{{_lua(target)}, {_lua(xml)}}},")
    client._http.close()
    path.write_text("\n".join(lines) + "\n}\n", encoding="utf-8")


def _lua(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def wrk(url: str, connections: int, seconds: int, pool: Path | None) -> Result:
    env = os.environ | {"LINLI_WRK_POOL": str(pool or ""), "LINLI_WRK_THREADS": str(THREADS)}
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(SCRIPT), url]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("LINLI ")), "")
    if not line:
        raise SystemExit(f"wrk said: {done.stdout}{done.stderr}")
    result = {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    # before the run wrk calls request() once, in its first thread, to check what it returns:
    # counted by the script, never sent
    result["sent"] = max(0.0, result["sent"] - 1)
    return result


def handled(base: str) -> float:
    """WeChat messages the server has handled (new and replayed), from one /metrics scrape."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{base}/metrics", trust_env=False, timeout=30).text
    names = ("linli_messages_total", "linli_messages_replayed_total")
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name in names and sample.labels.get("channel") == "wechat"
    )


def settled(base: str) -> float:
    """The count once the requests wrk left in flight at its end are finished (bounded)."""
    last, deadline = handled(base), time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(1)
        now = handled(base)
        if now == last:
            return now
        last = now
    return last


def line(name: str, connections: int, result: Result, extra: str = "") -> None:
    print(
        f"  {name:>7} c={connections:<4} {result['rate']:7.0f} req/s   p50 "
        f"{result['p50_us'] / 1000:7.1f} ms   p99 {result['p99_us'] / 1000:7.1f} ms   "
        f"errors {result['errors']:.0f}, non-2xx {result['non2xx']:.0f}{extra}", flush=True
    )  # fmt: skip


def run(label: str, url: str, workers: int, seconds: int, pool_size: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    if not url.startswith("sqlite"):
        drop_everything(url)
    server, base = start_server(home, url, workers)
    print(f"{label}, {workers} worker{'s' if workers > 1 else ''}:", flush=True)
    try:
        for number, connections in enumerate((50, 200)):
            bare = wrk(f"{base}/healthz", connections, seconds, None)
            line("healthz", connections, bare)
            pool = home / f"pool{connections}.lua"
            write_pool(pool, base, pool_size, 10**15 + number * pool_size)
            before = handled(base)
            signed = wrk(f"{base}/wechat", connections, seconds, pool)
            counted = settled(base) - before
            share = signed["rate"] / bare["rate"]
            p99_ok = signed["p99_us"] < 1e6 or connections != 200
            line("wechat", connections, signed, f"   = {share:.0%} of healthz")
            print(
                f"          /metrics: {counted:.0f} messages handled, wrk sent {signed['sent']:.0f}"
                f" ({'equal' if counted == signed['sent'] else 'NOT equal'}; pool {pool_size}, "
                f"{'no message sent twice' if signed['sent'] <= pool_size else 'wrapped'})   "
                f"[target ≥ 50 % of healthz{', p99 < 1 s' if connections == 200 else ''}: "
                f"{'met' if share >= 0.5 and p99_ok else 'NOT met'}]", flush=True
            )  # fmt: skip
    finally:
        stop_serve(server)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("LINLI_TEST_DATABASE_URL", ""))
    parser.add_argument("--workers", default="1,4", help="on PostgreSQL")
    parser.add_argument("--pool", type=int, default=30_000, help="signed messages per run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    print(f"load generator: {version.splitlines()[0] if version else 'wrk'} ({THREADS} threads), "
          f"{os.cpu_count()} cores shared with the server, load average "
          f"{os.getloadavg()[0]:.1f} at the start")  # fmt: skip
    if not args.database_url:
        home = Path(tempfile.mkdtemp(prefix="linli-bench-"))
        run("SQLite", f"sqlite:///{home / 'bench.db'}", 1, args.seconds, args.pool)
        return
    for workers in map(int, args.workers.split(",")):
        run("PostgreSQL", args.database_url, workers, args.seconds, args.pool)


if __name__ == "__main__":
    main()
