"""What Linli counts for Prometheus (`/metrics` on `linli serve`): messages, the matcher's
decisions and speed, outbox delivery, reminder lateness and webhook latency."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.types import Incoming, Outcome

logger = logging.getLogger(__name__)
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
_WEB = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.0, 5.0, 10.0)
_LATE = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)

Reading = Callable[[], Mapping[str, float]]
"""A gauge's values by label, read when /metrics is scraped (e.g. outbox rows by status)."""


class Metrics:
    """One app's metrics, in a registry of its own (so two apps in one test count apart).
    The wiring makes one and hands it to the dispatcher, the FAQ intent, delivery, the
    reminder jobs and the web app; each records where its event happens."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
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
        self.registry.register(_Gauge(name, documentation, label, read))

    def exposition(self) -> bytes:
        """The text Prometheus scrapes."""
        return generate_latest(self.registry)


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
