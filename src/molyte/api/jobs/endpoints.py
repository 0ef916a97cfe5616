"""`/api/v1/jobs`: thin handlers; rules live in `service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from molyte.api.auth import repository as auth_repo
from molyte.api.deps import DB, Ctx, CurrentUser, JobId
from molyte.api.jobs import repository as jobs_repo
from molyte.api.jobs import service
from molyte.api.jobs.schemas import (
    FileOut,
    JobCreate,
    JobList,
    JobOut,
    ResultsOut,
    ValidationOut,
    job_out,
)
from molyte.api.results.urls import links
from molyte.domain.states import JobState, JobType

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.post("", status_code=status.HTTP_201_CREATED)
def submit(body: JobCreate, user: CurrentUser, db: DB, ctx: Ctx) -> JobOut:
    """Submit a job; answered 201 only once it is committed."""
    owner = auth_repo.user_by_id(db, user.user_id or 0)
    max_priority = owner.max_priority if owner else 0
    job, first_event = service.submit(db, user, body, max_priority)
    ctx.notifier.notify_on_commit(db, job.type)
    ctx.metrics.jobs_submitted.labels(job.type).inc()
    return job_out(job, [first_event])


@router.post("/validate")
def validate(body: JobCreate, user: CurrentUser) -> ValidationOut:
    """Check a job request without storing it; returns a preview of what it would build."""
    return ValidationOut(ok=True, preview=service.preview(body))


@router.get("")
def list_jobs(
    user: CurrentUser,
    db: DB,
    state: JobState | None = None,
    type: JobType | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JobList:
    rows, total = service.list_jobs(
        db, user, state=state, job_type=type, q=q, limit=limit, offset=offset
    )
    return JobList(items=[job_out(j) for j in rows], total=total)


@router.get("/{job_id}")
def get_job(job_id: JobId, user: CurrentUser, db: DB) -> JobOut:
    job, events = service.get_with_events(db, user, job_id)
    return job_out(job, events)


@router.post("/{job_id}/cancel")
def cancel(job_id: JobId, user: CurrentUser, db: DB) -> JobOut:
    job = service.cancel(db, user, job_id)
    return job_out(job, jobs_repo.events(db, job.id))


@router.delete("/{job_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(job_id: JobId, user: CurrentUser, db: DB, ctx: Ctx) -> Response:
    service.delete(db, ctx, user, job_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{job_id}/results")
def results(job_id: JobId, user: CurrentUser, db: DB, ctx: Ctx) -> ResultsOut:
    job, files = service.results(db, user, job_id)
    linked = links(ctx, job, files)
    return ResultsOut(
        files=[FileOut(**f) for f in linked["files"]],
        summary=job.summary,
        zip_url=linked["zip_url"] if files else None,
    )
