"""Rules for users' jobs: who sees what, submission, cancellation, deletion, results."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from molyte.api.auth.principal import Principal
from molyte.api.context import AppContext
from molyte.api.jobs import repository as repo
from molyte.api.jobs.lifecycle import move
from molyte.api.jobs.schemas import JobCreate
from molyte.db.models import Job, JobEvent, ResultFile
from molyte.domain.engines import engine_route
from molyte.domain.md_spec import MDSpec
from molyte.domain.qc_spec import QCSpec
from molyte.domain.specs import parse_spec
from molyte.domain.states import JobState, JobType
from molyte.errors import Conflict, Forbidden, NotFound, SpecInvalid
from molyte.storage.keys import job_prefix

log = logging.getLogger(__name__)


def validate_spec(body: JobCreate) -> BaseModel:
    """The typed spec; 422 naming each bad field (`loc` starts with body, spec)."""
    try:
        return parse_spec(body.type, body.spec)
    except ValidationError as exc:
        errors: list[dict[str, object]] = [
            {"loc": ["body", "spec", *err["loc"]], "msg": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise SpecInvalid(errors) from exc


def submit(
    db: Session, user: Principal, body: JobCreate, max_priority: int
) -> tuple[Job, JobEvent]:
    """Store a new PENDING job with its first event (both returned)."""
    spec = validate_spec(body)
    if body.priority > max_priority and not user.is_admin:
        raise Forbidden(f"Your highest allowed priority is {max_priority}")
    assert user.user_id is not None
    now = datetime.now(UTC)
    job = Job(
        owner_id=user.user_id,
        type=body.type.value,
        name=body.name,
        spec=spec.model_dump(mode="json", exclude_unset=False),
        engine=engine_route(spec),  # the claim hands it only to a worker with one
        partition=body.partition,
        cluster=body.cluster,
        state=JobState.PENDING.value,
        priority=body.priority,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    repo.add(db, job)
    db.flush()
    event = JobEvent(
        job_id=job.id,
        time=now,
        from_state=None,
        to_state="PENDING",
        actor=user.actor,
        message="submitted",
    )
    repo.add(db, event)
    log.info("job submitted", extra={"job_id": job.id, "action": "submit"})
    return job, event


def visible_job(db: Session, user: Principal, job_id: int, *, for_update: bool = False) -> Job:
    """The job if the caller may see it; another user's job is 404, like a missing one."""
    job = repo.get(db, job_id, for_update=for_update)
    if job is None or (not user.is_admin and job.owner_id != user.user_id):
        raise NotFound("Job not found")
    return job


def list_jobs(
    db: Session,
    user: Principal,
    *,
    state: JobState | None,
    job_type: JobType | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Job], int]:
    rows, total = repo.list_jobs(
        db,
        owner_id=None if user.is_admin else user.user_id,
        state=state.value if state else None,
        job_type=job_type.value if job_type else None,
        q=q,
        limit=limit,
        offset=offset,
    )
    return list(rows), total


def get_with_events(db: Session, user: Principal, job_id: int) -> tuple[Job, list[JobEvent]]:
    job = visible_job(db, user, job_id)
    return job, repo.events(db, job.id)


def cancel(db: Session, user: Principal, job_id: int) -> Job:
    """Cancel at once; a worker holding the job learns it from its next heartbeat."""
    job = visible_job(db, user, job_id, for_update=True)
    if JobState(job.state).terminal:
        raise Conflict(f"Job is already {job.state}")
    move(db, job, JobState.CANCELLED, actor=user.actor, message="cancelled by user")
    job.failure_reason = None
    return job


def delete(db: Session, ctx: AppContext, user: Principal, job_id: int) -> None:
    """Delete a finished job with its result objects."""
    job = visible_job(db, user, job_id, for_update=True)
    if not JobState(job.state).terminal:
        raise Conflict("Only finished jobs can be deleted; cancel it first")
    ctx.store.delete_prefix(job_prefix(job.id))
    repo.delete_job(db, job)


def results(db: Session, user: Principal, job_id: int) -> tuple[Job, list[ResultFile]]:
    job = visible_job(db, user, job_id)
    return job, repo.files(db, job.id)


def preview(body: JobCreate) -> dict[str, Any]:
    """What the job would contain, for the form's summary before submitting."""
    spec = validate_spec(body)
    if isinstance(spec, MDSpec):
        from molyte.engines.md.composition import preview as md_preview

        return dict(md_preview(spec))
    assert isinstance(spec, QCSpec)
    from molyte.engines.qc.preview import preview as qc_preview

    return dict(qc_preview(spec))
