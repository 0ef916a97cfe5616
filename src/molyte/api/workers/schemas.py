"""Request and response bodies of the worker API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from molyte.domain.failures import FailureReason
from molyte.domain.states import JobState, JobType

ShortName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
Hostname = Annotated[str, StringConstraints(max_length=255, pattern=r"^[A-Za-z0-9_.:-]*$")]
LeaseToken = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimRequest(Strict):
    job_types: list[JobType] = Field(default_factory=lambda: [JobType.MD, JobType.QC], min_length=1)
    engines: list[ShortName] | None = Field(default=None, max_length=32)
    partitions: list[ShortName] | None = Field(default=None, max_length=32)
    cluster: ShortName | None = None
    limit: int = Field(default=1, ge=1, le=1000)
    wait_seconds: float = Field(default=0, ge=0, le=60)
    worker_name: ShortName | None = None


class LeasedJob(BaseModel):
    id: int
    type: JobType
    name: str
    priority: int
    spec: dict[str, Any]
    engine: str | None
    partition: str | None = None
    cluster: str | None = None
    attempts: int
    lease_token: str
    lease_expires_at: str
    # Where this lease's result files go in the object store (a worker with its own `cos:`
    # keys uploads there; others get upload URLs for it from the server).
    result_prefix: str | None = None


LIVE_MAX_ROWS = 1000
LIVE_MAX_COLUMNS = 16
ColumnName = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
]


class LiveSeries(Strict):
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


class StatusUpdate(Strict):
    lease_token: LeaseToken
    state: JobState
    scheduler_job_id: (
        Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.;:-]+$")] | None
    ) = None
    progress: float | None = Field(default=None, ge=0, le=1)  # a fraction here; 0-100 in a job
    stage: Annotated[str, StringConstraints(max_length=200)] | None = None
    eta_seconds: int | None = Field(default=None, ge=0, le=100 * 365 * 86400)
    live: LiveSeries | None = None
    message: str | None = Field(default=None, max_length=2000)
    failure_reason: FailureReason | None = None
    log_tail: str | None = Field(default=None, max_length=20_000)


class RunningJob(Strict):
    job_id: int = Field(ge=1, le=2_147_483_647)
    lease_token: LeaseToken


class Heartbeat(Strict):
    name: ShortName
    hostname: Hostname = ""
    version: Annotated[str, StringConstraints(max_length=64)] = ""
    capacity: int = Field(default=1, ge=0, le=100_000)
    job_types: list[JobType] = Field(default_factory=list)
    engines: list[ShortName] = Field(default_factory=list, max_length=32)
    partitions: list[ShortName] = Field(default_factory=list, max_length=32)
    cluster: ShortName | None = None
    running: list[RunningJob] = Field(default_factory=list, max_length=100_000)


class HeartbeatReply(BaseModel):
    cancel: list[int]
    lease_seconds: float


class WorkerOut(BaseModel):
    name: str
    hostname: str
    version: str
    state: str
    last_heartbeat: str | None
    running: int
    capacity: int
    job_types: list[str]
    engines: list[str]
    partitions: list[str]
    cluster: str | None
