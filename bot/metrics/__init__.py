"""Metrics: what Linli counts for Prometheus (`/metrics`), recorded where each event happens."""
