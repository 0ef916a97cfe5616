"""The one place a job changes state: checks the transition table and records the event."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from molyte.api.jobs import repository as repo
from molyte.db.models import Job, JobEvent
from molyte.domain.states import JobState, check_transition


def move(
    db: Session,
    job: Job,
    new: JobState,
    *,
    actor: str,
    message: str | None = None,
    now: datetime | None = None,
) -> None:
    """Move `job` to `new` (409 if the lifecycle forbids it) and add the timeline event."""
    current = JobState(job.state)
    check_transition(current, new)
    now = now or datetime.now(UTC)
    job.state = new.value
    job.updated_at = now
    if new.terminal:
        job.finished_at = now
    if not new.leased:
        # Leaving the leased states ends the lease; a requeue waits for a new claim and token.
        job.lease_token = None
        job.lease_expires_at = None
    if new is JobState.PENDING:
        job.worker_name = None
        job.scheduler_job_id = None
        job.progress = None
        job.failure_reason = None
        job.finished_at = None
    repo.add(
        db,
        JobEvent(
            job_id=job.id,
            time=now,
            from_state=current.value,
            to_state=new.value,
            actor=actor,
            message=message,
        ),
    )
