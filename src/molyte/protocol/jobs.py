"""Claims, leased jobs and status reports: `POST /workers/jobs/claim` and
`PUT /workers/jobs/{id}/status`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from molyte.domain.failures import FailureReason
from molyte.domain.states import JobState, JobType
from molyte.protocol.base import LeaseToken, Reply, Request, ShortName


class ClaimRequest(Request):
    """Lease up to `limit` jobs this worker can run; hold the call up to `wait_seconds`."""

    job_types: list[JobType] = Field(default_factory=lambda: [JobType.MD, JobType.QC], min_length=1)
    engines: list[ShortName] | None = Field(default=None, max_length=32)
    partitions: list[ShortName] | None = Field(default=None, max_length=32)
    cluster: ShortName | None = None  # newer than the first servers: sent only when set
    limit: int = Field(default=1, ge=1, le=1000)
    wait_seconds: float = Field(default=0, ge=0, le=60)
    worker_name: ShortName | None = None


class LeasedJob(Reply):
    """One job of the claim's reply: the job and its lease."""

    id: int
    type: JobType
    name: str
    priority: int
    spec: dict[str, Any]  # the worker validates it as its type's spec (`domain.specs`)
    engine: str | None  # the job's engine route (`domain.engines`)
    partition: str | None = None
    cluster: str | None = None
    attempts: int
    lease_token: str
    lease_expires_at: str
    # Where this lease's result files go in the object store (a worker with its own `cos:`
    # keys uploads there; others get upload URLs for it from the server). Older servers
    # do not send it.
    result_prefix: str | None = None


LIVE_MAX_ROWS = 1000
LIVE_MAX_COLUMNS = 16
ColumnName = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
]


class LiveSeries(Request):
    """A running job's latest numbers: named columns and rows of numbers (null: no value)."""

    columns: list[ColumnName] = Field(min_length=1, max_length=LIVE_MAX_COLUMNS)
    rows: list[list[float | None]] = Field(max_length=LIVE_MAX_ROWS)

    @model_validator(mode="after")
    def _rows_fit(self) -> LiveSeries:
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"live.rows[{i}] has {len(row)} values for {width} columns")
        return self


SchedulerJobId = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.;:-]+$")]


class StatusUpdate(Request):
    """A job's new state under the lease, with what the worker knows about it. Progress,
    stage, time left and the live series came after the first servers: set only while a job
    runs (a server that refuses them turns the worker's progress reports off)."""

    lease_token: LeaseToken
    state: JobState
    scheduler_job_id: SchedulerJobId | None = None
    progress: float | None = Field(default=None, ge=0, le=1)  # a fraction here; 0-100 in a job
    stage: Annotated[str, StringConstraints(max_length=200)] | None = None
    eta_seconds: int | None = Field(default=None, ge=0, le=100 * 365 * 86400)
    live: LiveSeries | None = None
    message: str | None = Field(default=None, max_length=2000)
    failure_reason: FailureReason | None = None
    log_tail: str | None = Field(default=None, max_length=20_000)
