"""Prometheus metrics of a server process (``/metrics``, docs/operations.md "Metrics").

One :class:`Metrics` per app. Counters and histograms are kept in the process; with a metrics directory
(``CUAKHAU_METRICS_DIR`` or prometheus-client's own ``PROMETHEUS_MULTIPROC_DIR``) every process writes them to
files there and a scrape of any process adds up all of them. What the database holds (trips per gate, the
outbox, the exchange backlog) is counted at scrape time by the scraping process, through a use case
(services/ops_metrics.py); the pool gauges are per process and summed over the live ones.

Labels are bounded: routes by their template (``/api/v1/trips/{trip_id}``), statuses, booking outcomes and
error codes, device outcomes, job names, gates.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event

from cuakhau.services.ops_metrics import QUEUE_STATES, YARD_STATES, OpsSnapshot

log = logging.getLogger("cuakhau.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Seconds: from a cached read (~1 ms) to the request timeouts.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def use_directory(directory: str | None) -> str | None:
    """Turn on prometheus-client's multiprocess mode with ``directory`` (before any metric is made in the
    process); returns the directory in use, ``None`` for in-process metrics."""
    if directory:
        os.makedirs(directory, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        if values.ValueClass is values.MutexValue:  # chosen when prometheus_client was imported
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    if values.ValueClass is values.MutexValue:
        return None
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class _SnapshotCollector(Collector):
    """Gauges counted from the database when scraped."""

    def __init__(self, read: Callable[[], OpsSnapshot]) -> None:
        self.read = read

    def collect(self) -> Iterable[Any]:
        up = GaugeMetricFamily("cuakhau_metrics_database_up", "1 when the scrape-time database counts were read")
        try:
            snap = self.read()
        except Exception:  # a scrape still answers with the process's own metrics
            log.exception("metrics: database counts not read")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        trips = GaugeMetricFamily(
            "cuakhau_gate_trips",
            "Trips not yet finished by gate, direction and state",
            labels=["gate", "direction", "state"],
        )
        queue = GaugeMetricFamily("cuakhau_gate_queue", "Booked trucks on their way", labels=["gate", "direction"])
        yard = GaugeMetricFamily("cuakhau_gate_yard", "Trucks in the gate's yard", labels=["gate", "direction"])
        queued: dict[tuple[str, str], int] = {}
        in_yard: dict[tuple[str, str], int] = {}
        for (gate, direction, state), n in sorted(snap.trips.items()):
            trips.add_metric([gate, direction.value, state.value], n)
            key = (gate, direction.value)
            queued[key] = queued.get(key, 0) + (n if state in QUEUE_STATES else 0)
            in_yard[key] = in_yard.get(key, 0) + (n if state in YARD_STATES else 0)
        for key, n in queued.items():
            queue.add_metric(list(key), n)
        for key, n in in_yard.items():
            yard.add_metric(list(key), n)
        yield from (trips, queue, yard)
        outbox = GaugeMetricFamily("cuakhau_outbox_notifications", "Notifications by status", labels=["status"])
        for status, n in sorted(snap.outbox.items()):
            outbox.add_metric([status], n)
        yield outbox
        pending = GaugeMetricFamily(
            "cuakhau_exchange_outbox_pending", "Messages to the partner not yet delivered", labels=["partner"]
        )
        failing = GaugeMetricFamily(
            "cuakhau_exchange_outbox_failing", "Undelivered messages whose last attempt failed", labels=["partner"]
        )
        oldest = GaugeMetricFamily(
            "cuakhau_exchange_outbox_oldest_pending_timestamp_seconds",
            "When the oldest undelivered message was written (0: none)",
            labels=["partner"],
        )
        for peer, b in sorted(snap.exchange.items()):
            pending.add_metric([peer], b.pending)
            failing.add_metric([peer], b.failing)
            oldest.add_metric([peer], b.oldest_pending.timestamp() if b.oldest_pending else 0)
        yield from (pending, failing, oldest)


class Metrics:
    """The metrics of one app; ``render()`` gives the text a scrape answers."""

    def __init__(self, *, directory: str | None = None, snapshot: Callable[[], OpsSnapshot] | None = None) -> None:
        self.directory = use_directory(directory)
        own = None if self.directory else CollectorRegistry()
        self._own = own
        self._snapshot = _SnapshotCollector(snapshot) if snapshot is not None else None
        reg: dict[str, Any] = {"registry": own}
        self.http = Histogram(
            "cuakhau_http_request_duration_seconds",
            "Time to answer a request, by route template, method and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            **reg,
        )
        self.bookings = Counter(
            "cuakhau_bookings",
            "Booking requests by outcome (placed, waiting, refused with its code)",
            ["outcome", "code"],
            **reg,
        )
        self.device_messages = Counter("cuakhau_device_messages", "Device messages by outcome", ["outcome"], **reg)
        self.job_runs = Counter("cuakhau_job_runs", "Periodic job runs", ["job"], **reg)
        self.job_failures = Counter("cuakhau_job_failures", "Periodic job runs that failed", ["job"], **reg)
        self.job_duration = Histogram(
            "cuakhau_job_duration_seconds", "Time a periodic job run took", ["job"], buckets=LATENCY_BUCKETS, **reg
        )
        self.job_lag = Gauge(
            "cuakhau_job_lag_seconds",
            "How late the job's last run started after it was due",
            ["job"],
            multiprocess_mode="max",
            **reg,
        )
        self.job_last_run = Gauge(
            "cuakhau_job_last_run_timestamp_seconds", "When the job last ran", ["job"], multiprocess_mode="max", **reg
        )
        self.pool_size = Gauge(
            "cuakhau_db_pool_size",
            "Pooled database connections kept (summed over live processes)",
            multiprocess_mode="livesum",
            **reg,
        )
        self.pool_checked_out = Gauge(
            "cuakhau_db_pool_checked_out",
            "Database connections in use (summed over live processes)",
            multiprocess_mode="livesum",
            **reg,
        )

    # -- hooks the adapters call ------------------------------------------------------------------------------

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http.labels(method, route, str(status)).observe(seconds)

    def booked(self, status: str) -> None:
        """A booking request answered: ``active`` (a slot placed) or ``waiting`` (on the waiting list)."""
        self.bookings.labels("placed" if status == "active" else status, "").inc()

    def booking_refused(self, code: str) -> None:
        self.bookings.labels("refused", code).inc()

    def device_message(self, outcome: str) -> None:
        self.device_messages.labels(outcome).inc()

    def job_ran(self, job: str, *, seconds: float, lag_seconds: float, failed: bool) -> None:
        self.job_runs.labels(job).inc()
        if failed:
            self.job_failures.labels(job).inc()
        self.job_duration.labels(job).observe(seconds)
        self.job_lag.labels(job).set(max(lag_seconds, 0.0))
        self.job_last_run.labels(job).set(time.time())

    def job_ran_observer(self) -> Callable[[str, float, float, bool], None]:
        """:meth:`job_ran` in the shape the periodic runner calls (``adapters/periodic.RunObserver``)."""
        return lambda job, seconds, lag, failed: self.job_ran(job, seconds=seconds, lag_seconds=lag, failed=failed)

    def watch_pool(self, engine: Engine) -> None:
        """Follow the engine's pool: its size now, and each checkout and checkin."""
        size = getattr(engine.pool, "size", None)
        self.pool_size.set(size() if callable(size) else 1)
        event.listen(engine, "checkout", lambda *_: self.pool_checked_out.inc())
        event.listen(engine, "checkin", lambda *_: self.pool_checked_out.dec())

    # -- the scrape ---------------------------------------------------------------------------------------------

    def registries(self) -> Iterator[CollectorRegistry]:
        if self._own is not None:
            yield self._own
        else:
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged, path=self.directory)  # type: ignore[no-untyped-call]
            yield merged
        if self._snapshot is not None:
            scraped = CollectorRegistry()
            scraped.register(self._snapshot)
            yield scraped

    def render(self) -> bytes:
        return b"".join(generate_latest(r) for r in self.registries())

    def process_exited(self) -> None:
        """Drop this process's live gauges from the directory (the lifespan's end)."""
        if self.directory:
            multiprocess.mark_process_dead(os.getpid(), self.directory)  # type: ignore[no-untyped-call]
