"""What the benchmarks that start `linli serve` share: a free loopback port, percentiles."""

from __future__ import annotations

import socket
from collections.abc import Sequence


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value below which `share` of the sorted values lie (nearest rank)."""
    return ordered[int(share * (len(ordered) - 1))]
