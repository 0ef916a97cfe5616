"""Prometheus metrics; every name starts with `molyte_`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from molyte.db.models import Job

QueueSnapshot = Callable[[], tuple[dict[tuple[str, str], int], float | None]]


class _QueueCollector(Collector):
    """Jobs by type and state, and the age of the oldest pending job, read at scrape time."""

    def __init__(self, snapshot: QueueSnapshot) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts, oldest = self._snapshot()
        jobs = GaugeMetricFamily("molyte_jobs", "Jobs by type and state", labels=["type", "state"])
        for (job_type, state), n in sorted(counts.items()):
            jobs.add_metric([job_type, state], n)
        yield jobs
        yield GaugeMetricFamily(
            "molyte_oldest_pending_job_age_seconds",
            "Age of the oldest PENDING job (0 when none)",
            value=oldest or 0.0,
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
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

    def track_queue(self, snapshot: QueueSnapshot) -> None:
        self.registry.register(_QueueCollector(snapshot))

    def observe_claim(self, jobs: int, seconds: float) -> None:
        self.claims.inc()
        self.claimed_jobs.inc(jobs)
        self.claim_latency.observe(seconds)

    def observe_status(self, job: Job) -> None:
        if job.state in ("COMPLETED", "FAILED", "CANCELLED"):
            self.outcomes.labels(job.type, job.state, job.failure_reason or "").inc()
