"""What scheduled jobs need when they fire. APScheduler stores a job as a reference to a
module-level function plus its arguments (ids only); the service's executor hands each job the
running service's `Runtime` as the keyword argument `runtime` (no module-level state)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.metrics.registry import Metrics
from bot.outbox.notifier import Notifier


@dataclass
class Runtime:
    """The running scheduler's engine, settings, clock, notifier and metrics."""

    engine: Engine
    settings: Settings
    clock: Callable[[], dt.datetime]
    notifier: Notifier
    plan: Callable[[int], None]  # (re)plan one activity's reminders
    metrics: Metrics = field(default_factory=Metrics)


class RuntimeExecutor(ThreadPoolExecutor):  # type: ignore[misc]
    """A thread pool that calls every job with `runtime=` this service's runtime. The stored
    job is left as it is: a copy with the extra keyword argument runs."""

    def __init__(self, runtime: Runtime, max_workers: int):
        super().__init__(max_workers=max_workers)
        self.runtime = runtime

    def _do_submit_job(self, job: Any, run_times: list[dt.datetime]) -> None:
        given = copy.copy(job)  # through Job.__getstate__/__setstate__: resolves func_ref
        given._jobstore_alias = job._jobstore_alias
        given.kwargs = {**job.kwargs, "runtime": self.runtime}
        super()._do_submit_job(given, run_times)
