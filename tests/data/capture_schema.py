"""How tests/data/schema_d4cdfe5.sql and schema_d4cdfe5_pg.sql were made: run at commit
d4cdfe5 (the last Linli without migrations; from a checkout of it), it creates the schema the
way that code does (create_all, plus APScheduler's job table as `linli serve` makes it), adds
a user, an activity and a registration, and dumps the database as SQL:

    python capture_schema.py OUT.sql                 # SQLite, dumped with iterdump
    python capture_schema.py OUT.sql URL DBNAME      # PostgreSQL (its public schema emptied
                                                     # first), dumped with pg_dump --inserts
"""

import datetime as dt
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import text

from bot.activities.models import Activity, Registration
from bot.db import create_schema, make_engine, session_scope
from bot.models import ChannelIdentity, Community, User
from bot.tables import TABLES

out = Path(sys.argv[1])
postgres = len(sys.argv) > 3
path = Path(tempfile.mkdtemp()) / "linli.db"
engine = make_engine(sys.argv[2] if postgres else f"sqlite:///{path}")
if postgres:
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
    session.add(Activity(
        id=1, title="周六上午广场义诊", community_id="suzhe", audience=["老人"], starts_at=start,
        ends_at=start + dt.timedelta(hours=2), place="苏辙社区广场", capacity=20,
        signup_deadline=start - dt.timedelta(hours=2), cancel_deadline=start - dt.timedelta(hours=2),
        collect=["name", "phone"], checkin_code="123456", created_at=at, updated_at=at,
    ))
    session.flush()
    session.add(Registration(
        id=1, activity_id=1, user_id=1, party=2, status="confirmed", name="安安",
        phone="13800000000", created_at=at, updated_at=at,
    ))
engine.dispose()
if postgres:
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--inserts", "--no-owner",
         "--no-privileges", sys.argv[3]],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
else:
    with sqlite3.connect(path) as db:
        dump = "\n".join(db.iterdump()) + "\n"
out.write_text(dump, encoding="utf-8")
