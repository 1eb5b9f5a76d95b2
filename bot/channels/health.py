"""What an operator's probes and Prometheus read from `linli serve`: /healthz (the process
answers), /readyz (the database, its schema, the scheduler lease) and /metrics."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.clock import Clock, utcnow
from bot.metrics.registry import Metrics
from bot.migrations import SchemaState, missing_tables, schema_of, tables_of
from bot.models import SCHEDULER_LEASE, SchedulerLease
from bot.tables import TABLES

logger = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]


class Probes:
    """The three endpoints. `leader` says whether this process runs the scheduler now (None:
    this process runs none, e.g. a test's web app); `lease_seconds` is how long a lapsed lease
    may stay lapsed before nobody is said to run the scheduler."""

    def __init__(
        self,
        engine: Engine,
        metrics: Metrics,
        lease_seconds: float,
        leader: Callable[[], bool] | None = None,
        clock: Clock = utcnow,
    ):
        self.engine = engine
        self.metrics = metrics
        self.grace = dt.timedelta(seconds=lease_seconds)
        self.leader = leader
        self.clock = clock

    def routes(self) -> list[Route]:
        """/healthz, /readyz and /metrics (GET only)."""
        return [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.scrape, methods=["GET"]),
        ]

    async def healthz(self, request: Request) -> Response:
        """Alive: the process answers (nothing else is asked, the database least of all)."""
        return PlainTextResponse("ok")

    async def readyz(self, request: Request) -> Response:
        """200 when the database answers, its schema is this Linli's and some process holds
        the scheduler lease; 503 with the reason otherwise."""
        report = await run_in_threadpool(self.readiness)
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    async def scrape(self, request: Request) -> Response:
        """Prometheus' text format (the gauges read the database, so in a thread)."""
        body = await run_in_threadpool(self.metrics.exposition)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    def readiness(self) -> dict[str, Any]:
        """What /readyz answers: `ready`, and `reason` when not."""
        try:
            with Session(self.engine) as session:
                schema = schema_of(session.connection())
                missing = missing_tables(session.connection(), tables_of(TABLES))
                lease = None if missing else session.get(SchedulerLease, SCHEDULER_LEASE)
        except SQLAlchemyError as exc:
            logger.warning("readiness: the database did not answer (%s)", exc.__class__.__name__)
            return {"ready": False, "reason": "database unreachable", "database": "down"}
        report: dict[str, Any] = {
            "ready": True, "database": "up",
            "schema": {"state": schema.state.value, "current": schema.current, "head": schema.head},
            "scheduler": self._scheduler(lease),
        }  # fmt: skip
        if schema.state is not SchemaState.CURRENT:
            report |= {"ready": False, "reason": f"schema {schema.state.value}: see linli db"}
        elif missing:
            report |= {"ready": False, "reason": f"tables missing: {', '.join(missing[:6])}"}
        elif report["scheduler"]["state"] == "lapsed":
            report |= {"ready": False, "reason": "no process holds the scheduler lease"}
        return report

    def _scheduler(self, lease: SchedulerLease | None) -> dict[str, Any]:
        here = None if self.leader is None else self.leader()
        if lease is None:
            return {"state": "lapsed", "holder": None, "leader_here": here}
        left = (lease.expires_at - self.clock()).total_seconds()
        # an expired lease is taken over within a tick: "lapsed" only once that is overdue
        overdue = left <= -self.grace.total_seconds()
        state = "held" if left > 0 else "lapsed" if overdue else "expired"
        return {
            "state": state, "holder": lease.owner, "expires_in_seconds": round(left, 1),
            "leader_here": here,
        }  # fmt: skip


def timed(metrics: Metrics, channel: str, endpoint: Endpoint) -> Endpoint:
    """`endpoint`, its time and status recorded in linli_webhook_seconds."""

    async def measured(request: Request) -> Response:
        started, status = time.perf_counter(), "500"
        try:
            response = await endpoint(request)
            status = str(response.status_code)
            return response
        finally:
            seconds = time.perf_counter() - started
            metrics.webhook_seconds.labels(channel, status).observe(seconds)

    return measured
