"""The cost of one WeChat webhook message, independent of the machine's load: signed posts
(plain mode by default, the same questions and senders as bench_webhook.py) sent one at a time
through the ASGI app in this process (httpx.ASGITransport, no sockets), and for each message
the CPU time of this process (time.process_time: every thread, the database driver's too; a
PostgreSQL server's own CPU is not in it) and the SQL statements the app sent (an SQLAlchemy
`before_cursor_execute` listener; SAVEPOINT/RELEASE/COMMIT included).

Run: python tests/bench/profile_webhook.py [--messages 2000] [--database-url URL]
     [--mode plain|safe] [--profile out.prof]
(default: a fresh SQLite file; a PostgreSQL database given is emptied). The first
`--warmup` messages (default 200) are not counted. The same number of GET /healthz through
the same client follows: the client's and the framework's part of the CPU figure. Prints
numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import concurrent.futures
import cProfile
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.app import build_app  # noqa: E402
from bot.channels import web as web_module  # noqa: E402
from bot.clock import utcnow  # noqa: E402
from bot.config import load_settings  # noqa: E402
from tests.bench.bench_webhook import QUESTIONS  # noqa: E402
from tests.conftest import drop_everything  # noqa: E402
from tests.fakes.wechat_client import Mode, WeChatTestClient, message_xml  # noqa: E402

AES_KEY = base64.b64encode(b"linli-bench-key-0123456789abcdef").decode().rstrip("=")


def settings_for(database_url: str, home: Path, mode: str) -> Any:
    env = {
        "LINLI_HOME": str(home), "LINLI_DATABASE_URL": database_url,
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxbench", "LINLI_WECHAT_APP_SECRET": "bench-secret",
        "LINLI_WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
    }  # fmt: skip
    if mode != "plain":
        env["LINLI_WECHAT_ENCODING_AES_KEY"] = AES_KEY
    return load_settings(Path(os.devnull), environ=env)


class Statements:
    """Counts the statements sent to the database, by their first word."""

    def __init__(self) -> None:
        self.by_kind: collections.Counter[str] = collections.Counter()
        self.texts: collections.Counter[str] = collections.Counter()

    def __call__(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self.by_kind[statement.split(None, 1)[0].upper()] += 1
        self.texts[" ".join(statement.split())[:160]] += 1

    def total(self) -> int:
        return sum(v for k, v in self.by_kind.items() if not k.startswith("["))

    def listen(self, engine: Any) -> None:
        """Also count what is not a cursor execute: pool checkouts (a ping each with
        pool_pre_ping), transactions begun, committed and rolled back."""
        event.listen(engine, "before_cursor_execute", self)
        for name in ("begin", "commit", "rollback"):
            event.listen(engine, name, self._counter(f"[{name}]"))
        event.listen(engine.pool, "checkout", self._counter("[checkout]"))

    def _counter(self, kind: str) -> Any:
        def count(*_args: Any) -> None:
            self.by_kind[kind] += 1

        return count


async def send_all(app: Any, client: WeChatTestClient, count: int, first: int) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://linli") as http:
        for n in range(first, first + count):
            openid = f"o-bench-{n % 500}"
            xml = message_xml({
                "ToUserName": "gh_bench", "FromUserName": openid, "CreateTime": int(time.time()),
                "MsgType": "text", "Content": QUESTIONS[n % len(QUESTIONS)],
                "MsgId": 10_000_000 + n,
            })  # fmt: skip
            query, body = client.signed_request(xml, openid)
            response = await http.post("/wechat", params=query, content=body)
            if response.status_code != 200:
                raise SystemExit(f"message {n}: {response.status_code} {response.text}")


class InlineExecutor(concurrent.futures.Executor):
    """Runs the work at once on the calling thread: cProfile sees only its own thread."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting request
            future.set_exception(exc)
        return future


async def bare(app: Any, count: int) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://linli") as http:
        for _ in range(count):
            (await http.get("/healthz")).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--mode", choices=["plain", "safe"], default="plain")
    parser.add_argument("--profile", default="", help="write a cProfile of the counted run here")
    parser.add_argument("--top", type=int, default=0, help="print the N most frequent statements")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="linli-profile-"))
    url = args.database_url or f"sqlite:///{home / 'linli.db'}"
    if url.startswith("postgresql"):
        drop_everything(url)
    settings = settings_for(url, home, args.mode)
    linli = build_app(settings, utcnow)
    if args.profile:  # the work in the main thread, where cProfile sees it
        setattr(web_module, "ThreadPoolExecutor", InlineExecutor)  # noqa: B010
    web = web_module.create_web_app(linli)
    statements = Statements()
    statements.listen(linli.engine)
    mode: Mode = "safe" if args.mode == "safe" else "plain"
    client = WeChatTestClient("http://linli/wechat", "tok", "wxbench", AES_KEY, mode)
    asyncio.run(send_all(web, client, args.warmup, 0))
    statements.by_kind.clear()
    statements.texts.clear()
    profiler = cProfile.Profile() if args.profile else None
    started_cpu, started = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    asyncio.run(send_all(web, client, args.messages, args.warmup))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    n = args.messages
    print(
        f"{url.split(':')[0]} {args.mode}: {n} messages, CPU {cpu / n * 1000:.2f} ms/message, "
        f"wall {wall / n * 1000:.2f} ms/message, statements {statements.total() / n:.2f}/message"
    )
    kinds = ", ".join(f"{k} {v / n:.2f}" for k, v in statements.by_kind.most_common())
    print(f"  by kind: {kinds}")
    print(
        "  ([name]: not statements; on PostgreSQL [begin], [commit], [rollback] and a "
        "[checkout]'s ping are each a round trip too)"
    )
    for text, times in statements.texts.most_common(args.top):
        print(f"  {times / n:6.2f}  {text}")
    started_cpu = time.process_time()
    asyncio.run(bare(web, n))  # the client's and the framework's share of the figure above
    print(f"  /healthz through the same client: CPU "
          f"{(time.process_time() - started_cpu) / n * 1000:.2f} ms/request")  # fmt: skip
    linli.engine.dispose()


if __name__ == "__main__":
    main()
