"""How tests/data/schema_d4cdfe5.sql was made: run at commit d4cdfe5 (the last Linli without
migrations; from a checkout of it: `python capture_schema.py OUT.sql`), it creates the schema
the way that code does (create_all, plus APScheduler's job table as `linli serve` makes it),
adds a user, an activity and a registration, and dumps the SQLite database as SQL."""
import datetime as dt
import sqlite3
import sys
import tempfile
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from bot.activities.models import Activity, Registration
from bot.db import create_schema, make_engine, session_scope
from bot.models import ChannelIdentity, Community, User
from bot.tables import TABLES

path = Path(tempfile.mkdtemp()) / "linli.db"
engine = make_engine(f"sqlite:///{path}")
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
with sqlite3.connect(path) as db:
    Path(sys.argv[1]).write_text("\n".join(db.iterdump()) + "\n", encoding="utf-8")
