"""Request and response bodies of the job API (docs/architecture.md, "The HTTP contract")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from molyte.db.models import Job, JobEvent, JobLive
from molyte.domain.common import JobName, RouteName
from molyte.domain.failures import DESCRIPTIONS, FailureReason
from molyte.domain.states import JobState, JobType

PRIORITY_MIN, PRIORITY_MAX = -10, 10


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: JobType
    name: JobName
    priority: int = Field(default=0, ge=PRIORITY_MIN, le=PRIORITY_MAX)
    # Routing: only a worker of this cluster / one that offers this partition takes the job.
    cluster: RouteName | None = None
    partition: RouteName | None = None
    # A project the caller may submit to (member or owner); the job is then shared with it.
    project_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    spec: dict[str, Any]


class CloneIn(BaseModel):
    """`POST /jobs/{id}/clone`: the same request again, with `spec_changes` as
    `{dotted spec path: new value}` (`{"temperature": 330, "salts.0.concentration": 1.2}`)."""

    model_config = ConfigDict(extra="forbid")

    name: JobName | None = None
    spec_changes: dict[str, Any] = Field(default_factory=dict, max_length=50)


class EventOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    time: datetime
    from_: JobState | None = Field(alias="from", serialization_alias="from")
    to: JobState
    actor: str
    message: str | None = None


class JobOut(BaseModel):
    id: int
    type: JobType
    name: str
    state: JobState
    priority: int
    cluster: str | None = None
    partition: str | None = None
    spec: dict[str, Any]
    owner: str
    worker: str | None
    scheduler_job_id: str | None
    progress: float | None  # percent, 0-100
    stage: str | None = None  # while it runs
    eta_seconds: int | None = None  # while it runs: seconds left at the last progress report
    failure_reason: str | None
    failure_description: str | None
    log_tail: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    project_id: int | None = None
    study_id: int | None = None
    events: list[EventOut] = Field(default_factory=list)


class LiveSeriesOut(BaseModel):
    columns: list[str]
    rows: list[list[float | None]]


class LiveOut(BaseModel):
    """`GET /jobs/{id}/live`: a running job's progress and latest numbers."""

    updated_at: datetime  # of the latest numbers (else of the job)
    progress: float | None  # percent, 0-100
    stage: str | None
    eta_seconds: int | None
    series: LiveSeriesOut


class JobList(BaseModel):
    items: list[JobOut]
    total: int


class FileOut(BaseModel):
    name: str
    size: int
    sha256: str
    url: str


class ResultsOut(BaseModel):
    files: list[FileOut]
    summary: dict[str, Any] | None
    zip_url: str | None = None


class ValidationOut(BaseModel):
    ok: bool
    preview: dict[str, Any]


def event_out(event: JobEvent) -> EventOut:
    return EventOut(
        time=event.time,
        **{"from": event.from_state},
        to=JobState(event.to_state),
        actor=event.actor,
        message=event.message,
    )


def percent(fraction: float | None) -> float | None:
    """A stored fraction done as the percent the API shows (one decimal)."""
    return None if fraction is None else round(fraction * 100, 1)


def live_out(job: Job, live: JobLive | None) -> LiveOut:
    """The live view of a job: its progress and, while it runs, the latest series."""
    return LiveOut(
        updated_at=live.updated_at if live else job.updated_at,
        progress=percent(job.progress),
        stage=job.stage,
        eta_seconds=job.eta_seconds,
        series=LiveSeriesOut(columns=live.columns, rows=live.rows)
        if live
        else LiveSeriesOut(columns=[], rows=[]),
    )


def job_out(job: Job, events: list[JobEvent] | None = None) -> JobOut:
    reason = job.failure_reason
    description = None
    if reason is not None:
        try:
            description = DESCRIPTIONS[FailureReason(reason)]
        except ValueError:
            description = None
    return JobOut(
        id=job.id,
        type=JobType(job.type),
        name=job.name,
        state=JobState(job.state),
        priority=job.priority,
        cluster=job.cluster,
        partition=job.partition,
        spec=job.spec,
        owner=job.owner.username,
        worker=job.worker_name,
        scheduler_job_id=job.scheduler_job_id,
        progress=percent(job.progress),
        stage=job.stage,
        eta_seconds=job.eta_seconds,
        failure_reason=reason,
        failure_description=description,
        log_tail=job.log_tail,
        attempts=job.attempts,
        created_at=job.created_at,
        updated_at=job.updated_at,
        project_id=job.project_id,
        study_id=job.study_id,
        events=[event_out(e) for e in events or []],
    )
