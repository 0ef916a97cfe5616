"""Admin rules on jobs: requeue and priority."""

from __future__ import annotations

from sqlalchemy.orm import Session

from molyte.api.auth.principal import Principal
from molyte.api.jobs import repository as jobs_repo
from molyte.api.jobs.lifecycle import move
from molyte.db.models import Job
from molyte.domain.states import JobState
from molyte.errors import NotFound


def requeue(db: Session, admin: Principal, job_id: int) -> Job:
    """Put a job back in the queue; its old lease token stops working at once."""
    job = jobs_repo.get(db, job_id, for_update=True)
    if job is None:
        raise NotFound("Job not found")
    move(db, job, JobState.PENDING, actor=admin.actor, message="requeued by admin")
    return job


def set_priority(db: Session, admin: Principal, job_id: int, priority: int) -> Job:
    job = jobs_repo.get(db, job_id, for_update=True)
    if job is None:
        raise NotFound("Job not found")
    job.priority = priority
    return job
