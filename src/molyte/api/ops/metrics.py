"""Prometheus metrics; every name starts with `molyte_`.

Counters and histograms count what this process saw. With several server processes behind
one port (`molyte server --workers N`) a scrape reaches one of them at random, so the command
sets `PROMETHEUS_MULTIPROC_DIR` and every scrape adds up the files all processes write there.
Gauges about the queue and the workers are read from the database at scrape time, so any
process answers them alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from molyte.notifications.messages import JobFinished

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class WorkerSample:
    name: str
    online: bool
    heartbeat_age_seconds: float | None
    running: int
    capacity: int


@dataclass(frozen=True)
class Snapshot:
    """What the database says at scrape time."""

    jobs: dict[tuple[str, str], int]  # (type, state) -> count
    pending: dict[tuple[str, int], int]  # (type, priority) -> PENDING jobs
    oldest_pending_seconds: float | None
    workers: list[WorkerSample] = field(default_factory=list)


class _DatabaseCollector(Collector):
    """Jobs by type and state, the queue by type and priority, its oldest job, the workers."""

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self._snapshot()
        jobs = GaugeMetricFamily("molyte_jobs", "Jobs by type and state", labels=["type", "state"])
        for (job_type, state), n in sorted(snap.jobs.items()):
            jobs.add_metric([job_type, state], n)
        yield jobs
        depth = GaugeMetricFamily(
            "molyte_queue_depth", "PENDING jobs by type and priority", labels=["type", "priority"]
        )
        for (job_type, priority), n in sorted(snap.pending.items()):
            depth.add_metric([job_type, str(priority)], n)
        yield depth
        yield GaugeMetricFamily(
            "molyte_oldest_pending_job_age_seconds",
            "Age of the oldest PENDING job (0 when none)",
            value=snap.oldest_pending_seconds or 0.0,
        )
        online = GaugeMetricFamily(
            "molyte_worker_online", "1 if the worker sent a recent heartbeat", labels=["worker"]
        )
        age = GaugeMetricFamily(
            "molyte_worker_heartbeat_age_seconds",
            "Seconds since the worker's last heartbeat",
            labels=["worker"],
        )
        running = GaugeMetricFamily(
            "molyte_worker_running_jobs", "Jobs leased to the worker", labels=["worker"]
        )
        capacity = GaugeMetricFamily(
            "molyte_worker_capacity", "Jobs the worker runs at once", labels=["worker"]
        )
        for w in snap.workers:
            online.add_metric([w.name], 1.0 if w.online else 0.0)
            if w.heartbeat_age_seconds is not None:
                age.add_metric([w.name], w.heartbeat_age_seconds)
            running.add_metric([w.name], w.running)
            capacity.add_metric([w.name], w.capacity)
        yield online
        yield age
        yield running
        yield capacity


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._collectors: list[Collector] = []
        r = self.registry
        self.http_latency = Histogram(
            "molyte_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60),
        )
        self.jobs_submitted = Counter(
            "molyte_jobs_submitted_total", "Jobs submitted", ["type"], registry=r
        )
        self.claims = Counter("molyte_claims_total", "Claim requests answered", registry=r)
        self.claimed_jobs = Counter("molyte_claimed_jobs_total", "Jobs handed out", registry=r)
        self.claim_latency = Histogram(
            "molyte_claim_duration_seconds",
            "Time a claim request was held (incl. long poll)",
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60),
        )
        self.heartbeats = Counter(
            "molyte_worker_heartbeats_total", "Worker heartbeats", ["worker"], registry=r
        )
        self.outcomes = Counter(
            "molyte_job_outcomes_total",
            "Jobs that ended, by state and failure reason",
            ["type", "state", "reason"],
            registry=r,
        )
        self.lease_expiries = Counter(
            "molyte_lease_expiries_total",
            "Leases that expired (requeued or failed)",
            ["result"],
            registry=r,
        )
        self.upload_bytes = Counter(
            "molyte_upload_bytes_total", "Bytes of result files registered", registry=r
        )
        self.storage_errors = Counter(
            "molyte_storage_errors_total", "Object store calls that failed", registry=r
        )
        self.notifications = Counter(
            "molyte_notifications_total",
            "Notifications sent or given up, by channel",
            ["channel", "result"],
            registry=r,
        )

    def track_database(self, snapshot: Callable[[], Snapshot]) -> None:
        collector = _DatabaseCollector(snapshot)
        self._collectors.append(collector)
        self.registry.register(collector)

    def render(self) -> bytes:
        """The exposition text: this process's counters, or all processes' in multiprocess mode."""
        if not os.environ.get(MULTIPROC_ENV):
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        for collector in self._collectors:
            registry.register(collector)
        return generate_latest(registry)

    def observe_claim(self, jobs: int, seconds: float) -> None:
        self.claims.inc()
        self.claimed_jobs.inc(jobs)
        self.claim_latency.observe(seconds)

    def observe_finished(self, jobs: list[JobFinished]) -> None:
        for job in jobs:
            self.outcomes.labels(job.job_type, job.state, job.failure_reason or "").inc()

    def observe_notification(self, channel: str, delivered: bool) -> None:
        self.notifications.labels(channel, "sent" if delivered else "failed").inc()
