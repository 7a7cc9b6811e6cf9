"""Prometheus series of the model server, shared by its worker processes (prometheus_client multiprocess mode).

Import only after ``PROMETHEUS_MULTIPROC_DIR`` is set (serve.run does it): prometheus_client picks its value
storage at import time. Without it (unit tests, one process) the series live in ``Metrics.registry``.

Series (the KEDA triggers and the README's PromQL read these names):
  model_server_requests_total{path,status}          counter
  model_server_request_duration_seconds{path}       histogram
  model_server_requests_in_flight                   gauge (/predict only, summed over live workers)
  model_server_records_per_request                  histogram (/predict)
  model_server_worker_restarts_total{reason}        counter (crash | timeout)
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ROUTES = ("/predict", "/health", "/metrics")  # any other path is counted as "other": bounded label values
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
RECORD_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10000)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "model_server_requests", "HTTP requests by route and status", ["path", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "model_server_request_duration_seconds",
            "Time from request start to response, by route",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "model_server_requests_in_flight",
            "/predict requests being answered now",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.records = Histogram(
            "model_server_records_per_request",
            "Records per /predict request",
            buckets=RECORD_BUCKETS,
            registry=self.registry,
        )
        self._series: dict[tuple[str, int], tuple[Any, Any]] = {}  # few: 4 routes x the statuses the app answers
        self.restarts = Counter(
            "model_server_worker_restarts",
            "Worker processes restarted by the supervisor",
            ["reason"],
            registry=self.registry,
        )

    def observe(self, path: str, status: int, seconds: float, records: int | None) -> None:
        route = path if path in ROUTES else "other"
        series = self._series.get((route, status))
        if series is None:  # labels() takes a lock and builds the key each time: once per (route, status) here
            series = self._series[(route, status)] = (
                self.requests.labels(route, str(status)),
                self.latency.labels(route),
            )
        series[0].inc()
        series[1].observe(seconds)
        if records is not None:
            self.records.observe(records)

    def exposition(self) -> tuple[bytes, str]:
        """The text format of every live and past worker's series (or of this process's, without multiproc)."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def worker_gone(pid: int) -> None:
    """Drop a dead worker's live gauges (its counters and histograms keep counting in the totals)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)
