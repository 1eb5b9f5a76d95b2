"""What Linli counts for Prometheus (`/metrics` on `linli serve`): messages, the matcher's
decisions and speed, outbox delivery, reminder lateness and webhook latency. With several
worker processes the counts are shared through prometheus-client's multiprocess mode (files in
PROMETHEUS_MULTIPROC_DIR): whichever worker is scraped answers for all of them."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.types import Incoming, Outcome

logger = logging.getLogger(__name__)
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
_WEB = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.0, 5.0, 10.0)
_LATE = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
SHARED = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own name for the shared directory

Reading = Callable[[], Mapping[str, float]]
"""A gauge's values by label, read when /metrics is scraped (e.g. outbox rows by status)."""


class Metrics:
    """One app's metrics, in a registry of its own (so two apps in one test count apart).
    The wiring makes one and hands it to the dispatcher, the FAQ intent, delivery, the
    reminder jobs and the web app; each records where its event happens."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._gauges: list[Collector] = []
        r = self.registry
        self.messages = Counter(
            "linli_messages", "Messages handled, by channel and the intent that answered",
            ["channel", "intent"], registry=r,
        )  # fmt: skip
        self.replayed = Counter(
            "linli_messages_replayed", "Re-delivered messages answered with the stored outcome",
            ["channel"], registry=r,
        )  # fmt: skip
        self.decisions = Counter(
            "linli_match_decisions", "The knowledge matcher's decisions: answer, clarify, fallback",
            ["decision"], registry=r,
        )  # fmt: skip
        self.match_seconds = Histogram(
            "linli_match_seconds", "Time to match one question", buckets=_FAST, registry=r
        )
        self.deliveries = Counter(
            "linli_outbox_deliveries",
            "Outbox send attempts by channel and outcome (sent, retry, undeliverable, unknown)",
            ["channel", "outcome"], registry=r,
        )  # fmt: skip
        self.reminders = Counter(
            "linli_reminders", "Reminders by outcome: queued, or missed (too late to send)",
            ["outcome"], registry=r,
        )  # fmt: skip
        self.reminder_lateness = Histogram(
            "linli_reminder_lateness_seconds",
            "How long after its due time a reminder job queued its reminders",
            buckets=_LATE, registry=r,
        )  # fmt: skip
        self.webhook_seconds = Histogram(
            "linli_webhook_seconds", "Time to answer a webhook request, by channel and status",
            ["channel", "status"], buckets=_WEB, registry=r,
        )  # fmt: skip

    def handled(self, incoming: Incoming, outcome: Outcome) -> None:
        """One message handled (the dispatcher's observer)."""
        if outcome.replayed:
            self.replayed.labels(incoming.channel).inc()
        else:
            self.messages.labels(incoming.channel, outcome.intent).inc()

    def matched(self, decision: str, seconds: float) -> None:
        """One question matched: what was decided and how long it took."""
        self.decisions.labels(decision).inc()
        self.match_seconds.observe(seconds)

    def reminded(self, outcome: str, count: int, lateness: float) -> None:
        """A reminder job ran `lateness` seconds after its due time for `count` people."""
        self.reminders.labels(outcome).inc(count)
        self.reminder_lateness.observe(max(0.0, lateness))

    def watch(self, name: str, documentation: str, label: str, read: Reading) -> None:
        """Add a gauge whose values `read` gives when scraped (a state, not an event)."""
        gauge = _Gauge(name, documentation, label, read)
        self.registry.register(gauge)
        self._gauges.append(gauge)

    def exposition(self) -> bytes:
        """The text Prometheus scrapes: with several processes (PROMETHEUS_MULTIPROC_DIR set
        before they started), the counts of all of them added up, and the gauges read once."""
        shared = os.environ.get(SHARED)
        if not shared:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, shared)  # type: ignore[no-untyped-call]
        for gauge in self._gauges:
            registry.register(gauge)
        return generate_latest(registry)


@contextlib.contextmanager
def shared_across_processes() -> Iterator[Path]:
    """For `linli serve --workers N`: the processes started inside the block count into one
    directory (PROMETHEUS_MULTIPROC_DIR: the operator's, emptied first as prometheus-client
    asks, or a temporary one removed after). Must be entered before the workers start: the
    client picks its storage when it is first imported in a process."""
    given = os.environ.get(SHARED)
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="linli-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # a previous run's counts are not this run's
        stale.unlink()
    os.environ[SHARED] = str(path)
    try:
        yield path
    finally:
        if given:
            os.environ[SHARED] = given
        else:
            os.environ.pop(SHARED, None)
            shutil.rmtree(path, ignore_errors=True)


class _Gauge(Collector):
    def __init__(self, name: str, documentation: str, label: str, read: Reading):
        self.name, self.documentation, self.label, self.read = name, documentation, label, read

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(self.name, self.documentation, labels=[self.label])]

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=[self.label])
        try:
            values = self.read()
        except Exception:  # the database is down: the other metrics are still worth a scrape
            logger.warning("metric %s not read", self.name, exc_info=True)
            values = {}
        for value, amount in values.items():
            family.add_metric([value], amount)
        yield family
