"""One announcement to N WeChat followers (default 50,000) delivered by `linli serve` on
PostgreSQL with 4 workers through the fake WeChat API on loopback, at the configured rate:
seconds to queue, the rate the API received (target: within 10 % of `[wechat] per_second`),
duplicates (must be 0). Without PostgreSQL, SQLite's one process.

Run: python tests/bench/bench_announcement.py [--count 50000] [--rate 400] [--workers 4]
     [--database-url URL]
(PostgreSQL: --database-url or LINLI_TEST_DATABASE_URL; that database is emptied.)
Prints numbers; asserts nothing. Loopback only; stops by itself once everything is delivered
or at the latest twice the time the rate needs, plus two minutes.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.announcements.service import Draft, Target, create  # noqa: E402
from bot.app import open_database  # noqa: E402
from bot.clock import utcnow  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.db import session_scope  # noqa: E402
from bot.models import ChannelIdentity, Community, User  # noqa: E402
from bot.outbox.models import Outbox  # noqa: E402
from tests.bench.serve import free_port  # noqa: E402
from tests.conftest import drop_everything  # noqa: E402
from tests.fakes.wechat_api import FakeWeChatAPI  # noqa: E402
from tests.serving import start_serve, stop_serve  # noqa: E402


def environment(home: Path, url: str, api: FakeWeChatAPI, rate: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({
        "LINLI_HOME": str(home), "LINLI_DATABASE_URL": url, "LINLI_SERVER_PORT": str(free_port()),
        "LINLI_KNOWLEDGE_LOAD_DEMO": "false", "LINLI_WECHAT_ENABLED": "true",
        "LINLI_WECHAT_TOKEN": "tok", "LINLI_WECHAT_APP_ID": "wxtest",
        "LINLI_WECHAT_APP_SECRET": "s3cret", "LINLI_WECHAT_API_BASE": api.base_url,
        "LINLI_WECHAT_PER_SECOND": str(rate), "LINLI_DELIVERY_INTERVAL_SECONDS": "0.5",
    })  # fmt: skip
    return env


def populate(settings: Settings, count: int) -> None:
    """count WeChat followers in one community, and an announcement to it due now."""
    engine = open_database(settings)
    now = utcnow()
    with session_scope(engine) as session:
        session.add(Community(id="suzhe", name="苏辙社区"))
        session.flush()
        session.execute(insert(User), [
            {"id": n, "community_id": "suzhe", "created_at": now} for n in range(1, count + 1)
        ])  # fmt: skip
        session.execute(insert(ChannelIdentity), [
            {"channel": "wechat", "external_id": f"o{n:06d}", "user_id": n, "last_seen_at": now}
            for n in range(1, count + 1)
        ])  # fmt: skip
    with session_scope(engine) as session:
        draft = Draft("本周六上午社区广场义诊。", Target(communities=("suzhe",)), now)
        create(session, draft, None, now, settings.announcements)
    engine.dispose()


def run(name: str, url: str, workers: int, count: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as home, FakeWeChatAPI() as api:
        env = environment(Path(home), url, api, rate)
        settings = load_settings(Path(os.devnull), environ=env)
        if not url.startswith("sqlite"):
            drop_everything(url)
        populate(settings, count)
        engine = open_database(settings)
        args = ("--workers", str(workers)) if workers > 1 else ()
        started, cpu_before = time.monotonic(), _cpu()
        with (Path(home) / "serve.log").open("w") as log:
            server = start_serve(env, *args, stdout=log, stderr=subprocess.STDOUT)
        deadline = started + 2 * count / rate + 120
        queued_after = None
        try:
            while time.monotonic() < deadline and len(api.accepted_at) < count:
                if server.poll() is not None:
                    raise SystemExit(
                        "linli serve stopped: " + (Path(home) / "serve.log").read_text()
                    )
                if queued_after is None and _queued(engine) >= count:
                    queued_after = time.monotonic() - started
                time.sleep(0.5)
        finally:
            stop_serve(server)
        with Session(engine) as session:
            statuses = dict(
                session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
            )
        engine.dispose()
        report(name, workers, count, rate, api, statuses, queued_after)
        fake, serve = (after - before for after, before in zip(_cpu(), cpu_before, strict=True))
        sent = max(1, len(api.accepted_at))
        print(f"  CPU: linli serve's processes {serve:.1f} s ({1000 * serve / sent:.2f} ms a "
              f"message), this process with the fake API {fake:.1f} s ({1000 * fake / sent:.2f} "
              f"ms a message); the database's own not counted", flush=True)  # fmt: skip


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process (the fake API's server thread, polling) and of the
    finished child processes (linli serve and its workers, once stopped)."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime, children.ru_utime + children.ru_stime


def _queued(engine: object) -> int:
    with Session(engine) as session:  # type: ignore[arg-type]
        return int(session.exec(select(func.count()).select_from(Outbox)).one())


def report(
    name: str, workers: int, count: int, rate: float, api: FakeWeChatAPI,
    statuses: dict[str, int], queued_after: float | None,
) -> None:  # fmt: skip
    times = sorted(api.accepted_at)
    people = Counter(m["touser"] for m in api.custom_messages)
    twice = sum(1 for n in people.values() if n > 1)
    got = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    verdict = "met" if abs(got - rate) <= 0.1 * rate and not twice else "NOT met"
    queued = f"{queued_after:.0f} s" if queued_after is not None else "not all"
    print(
        f"{name}, {workers} worker{'s' if workers > 1 else ''}: {count} recipients queued "
        f"{queued} after the start; the API received {len(times)} at {got:.0f}/s (configured "
        f"{rate:g}/s: {got / rate:.0%}); received twice: {twice}; outbox {statuses}   "
        f"[target within 10 % of the rate, 0 twice: {verdict}]",
        flush=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=400, help="[wechat] per_second")
    parser.add_argument("--workers", type=int, default=4, help="processes on PostgreSQL")
    parser.add_argument("--database-url", default=os.environ.get("LINLI_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    if args.database_url:
        run("PostgreSQL", args.database_url, args.workers, args.count, args.rate)
    else:
        home = Path(tempfile.mkdtemp(prefix="linli-bench-"))
        run("SQLite", f"sqlite:///{home / 'bench.db'}", 1, args.count, args.rate)


if __name__ == "__main__":
    main()
