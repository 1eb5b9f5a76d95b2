"""How tests/data/stored_jobs_9752aa4.json was made: run at commit 9752aa4 (before the layout
move), it stores reminder jobs exactly as that code's Planner does and dumps the job rows."""
import base64
import datetime as dt
import json
import tempfile
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlmodel import Session

from bot.db import create_schema, make_engine

home = Path(tempfile.mkdtemp())
engine = make_engine(f"sqlite:///{home/'linli.db'}")
create_schema(engine)
sched = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=dt.UTC)
sched.start(paused=True)
start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
# the exact call the Planner makes (scheduler/reminders.py Planner.plan)
from scheduler.reminders import send_reminders

for offset in (1440.0, 120.0):
    due = start - dt.timedelta(minutes=offset)
    sched.add_job(send_reminders, "date", run_date=due, args=[1, offset], id=f"reminder:1:{offset:g}",
                  replace_existing=True, misfire_grace_time=None, coalesce=True)
sched.shutdown(wait=False)
with Session(engine) as s:
    rows = s.execute(text("SELECT id, next_run_time, job_state FROM apscheduler_jobs ORDER BY id")).all()
out = {"made_by": "9752aa4 (the layout before bot/ was split into domain packages)",
       "activity_starts_at": start.isoformat(),
       "jobs": [{"id": r[0], "next_run_time": r[1], "job_state": base64.b64encode(r[2]).decode()} for r in rows]}
Path("tests/data/stored_jobs_9752aa4.json").write_text(json.dumps(out, indent=1) + "\n")
print(len(rows))
