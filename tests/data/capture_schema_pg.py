"""How tests/data/schema_d4cdfe5_pg.sql was made: the PostgreSQL twin of capture_schema.py,
run at commit d4cdfe5 (from a checkout of it: `python capture_schema_pg.py URL OUT.sql DBNAME`):
that code's create_all on the database URL (its public schema emptied first), APScheduler's
job table, the same rows; then `pg_dump --inserts`."""

import datetime as dt
import subprocess
import sys

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import text

from bot.activities.models import Activity, Registration
from bot.db import create_schema, make_engine, session_scope
from bot.models import ChannelIdentity, Community, User
from bot.tables import TABLES

url, out, dbname = sys.argv[1], sys.argv[2], sys.argv[3]
engine = make_engine(url)
with engine.begin() as c:
    c.execute(text("DROP SCHEMA public CASCADE"))
    c.execute(text("CREATE SCHEMA public"))
create_schema(engine, TABLES)
SQLAlchemyJobStore(engine=engine).start(None, "default")  # type: ignore[arg-type]
at = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
start = dt.datetime(2026, 12, 5, 1, 30, tzinfo=dt.UTC)
with session_scope(engine) as session:
    session.add(Community(id="suzhe", name="苏辙社区", street="苏祠街道"))
    session.add(User(id=1, display_name="安安", community_id="suzhe", created_at=at))
    session.flush()
    session.add(ChannelIdentity(channel="console", external_id="ann", user_id=1, last_seen_at=at))
    session.add(
        Activity(
            id=1,
            title="周六上午广场义诊",
            community_id="suzhe",
            audience=["老人"],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            place="苏辙社区广场",
            capacity=20,
            signup_deadline=start - dt.timedelta(hours=2),
            cancel_deadline=start - dt.timedelta(hours=2),
            collect=["name", "phone"],
            checkin_code="123456",
            created_at=at,
            updated_at=at,
        )
    )
    session.flush()
    session.add(
        Registration(
            id=1,
            activity_id=1,
            user_id=1,
            party=2,
            status="confirmed",
            name="安安",
            phone="13800000000",
            created_at=at,
            updated_at=at,
        )
    )
engine.dispose()
dump = subprocess.run(
    [
        "pg_dump",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "--inserts",
        "--no-owner",
        "--no-privileges",
        dbname,
    ],
    check=True,
    capture_output=True,
    text=True,
).stdout
open(out, "w", encoding="utf-8").write(dump)
