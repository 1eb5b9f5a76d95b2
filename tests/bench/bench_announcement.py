"""Queue and deliver one announcement to N WeChat followers (default 50,000) through the fake
WeChat API on loopback, with no rate cap: seconds to queue, messages a second delivered with 1
and 4 workers, duplicates (must be 0).

Run: python tests/bench/bench_announcement.py [--count 50000] [--database-url URL]
(a database given by URL is emptied: use one of its own)
Prints numbers; asserts nothing. Loopback only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, SQLModel, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.announcements.delivery import start_due
from bot.announcements.service import Draft, Target, create
from bot.app import (
    channel_senders,  # noqa: E402
    open_database,  # noqa: E402
)
from bot.clock import utcnow  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from bot.db import create_schema, session_scope  # noqa: E402
from bot.models import ChannelIdentity, Community, User
from bot.outbox.models import Outbox
from bot.tables import TABLES
from scheduler.delivery import Delivery  # noqa: E402
from tests.fakes.wechat_api import FakeWeChatAPI  # noqa: E402


def settings_for(home: Path, url: str, api: FakeWeChatAPI, workers: int) -> Settings:
    env = {
        "LINLI_HOME": str(home), "LINLI_DATABASE_URL": url, "LINLI_WECHAT_ENABLED": "true",
        "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxtest", "LINLI_WECHAT_APP_SECRET": "s3cret",
        "LINLI_WECHAT_API_BASE": api.base_url, "LINLI_WECHAT_PER_SECOND": "100000",
        "LINLI_DELIVERY_WORKERS": str(workers),
    }  # fmt: skip
    return load_settings(Path(os.devnull), environ=env)


def populate(settings: Settings, count: int) -> None:
    engine = open_database(settings)
    SQLModel.metadata.drop_all(engine)  # a database given by URL is emptied first
    create_schema(engine, TABLES)
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
    engine.dispose()


def run(count: int, url: str | None, workers: int) -> None:
    with tempfile.TemporaryDirectory() as home, FakeWeChatAPI() as api:
        settings = settings_for(Path(home), url or f"sqlite:///{home}/bench.db", api, workers)
        populate(settings, count)
        engine = open_database(settings)
        now = utcnow()
        with session_scope(engine) as session:
            draft = Draft("本周六上午社区广场义诊。", Target(communities=("suzhe",)), now)
            create(session, draft, None, now, settings.announcements)
        started = time.perf_counter()
        queued = start_due(engine, now, settings.announcements)
        queue_seconds = time.perf_counter() - started
        delivery = Delivery(engine, channel_senders(engine, settings), settings.delivery, utcnow)
        started = time.perf_counter()
        sent = delivery.run_once(now + dt.timedelta(seconds=1))
        send_seconds = time.perf_counter() - started
        with Session(engine) as session:
            statuses = dict(
                session.exec(select(Outbox.status, func.count()).group_by(Outbox.status)).all()
            )
        people = Counter(m["touser"] for m in api.custom_messages)
        twice = sum(1 for n in people.values() if n > 1)
        print(
            f"workers={workers}: queued {queued} in {queue_seconds:.1f} s; delivered {sent} in "
            f"{send_seconds:.1f} s = {sent / send_seconds:.0f}/s; statuses {statuses}; "
            f"received twice: {twice}",
            flush=True,
        )
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    for workers in (1, 4):
        run(args.count, args.database_url, workers)


if __name__ == "__main__":
    main()
