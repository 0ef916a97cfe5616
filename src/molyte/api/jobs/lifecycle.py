"""The one place a job changes state: checks the transition table and records the event.

Row by row through `move`; a new job through `submitted`; and PENDING -> CLAIMED, which one SQL
statement makes for many jobs at once (`api/workers/repository.py` runs
`db/sql/claim_pending.<dialect>.sql`), through `CLAIM` and `claim_writes`: the statement
claims from `CLAIM.source` and writes the state and events `claim_writes` gives it. Events are
built by `events.py`.

It also remembers the jobs a transaction finished, so that `watch_finished` can tell metrics
and notifications about them once (and only if) the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from molyte.api.jobs import repository as repo
from molyte.api.jobs.events import event_params, event_values, job_event
from molyte.db.models import Job, JobEvent
from molyte.domain.states import JobState, Transition, check_transition
from molyte.notifications.messages import JobFinished

log = logging.getLogger(__name__)
_FINISHED = "molyte.finished"  # keys in Session.info
_COMMITTING = "molyte.finished.committing"
SUBMIT = Transition.SUBMIT
CLAIM = Transition.CLAIM


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
        db.info.setdefault(_FINISHED, {})[job.id] = job
    if not new.leased:
        # Leaving the leased states ends the lease; a requeue waits for a new claim and token.
        job.lease_token = None
        job.lease_expires_at = None
    if new is JobState.PENDING:
        job.worker_name = None
        job.scheduler_job_id = None
        job.progress = None
        job.stage = None
        job.eta_seconds = None
        repo.drop_live(db, job.id)
        job.failure_reason = None
        job.finished_at = None
    repo.add(
        db,
        job_event(job.id, time=now, from_state=current, to_state=new, actor=actor, message=message),
    )


def note(db: Session, job: Job, *, actor: str, message: str, now: datetime) -> None:
    """Add a timeline event that changes no state (news about the job, e.g. a resubmission)."""
    state = JobState(job.state)
    repo.add(
        db,
        job_event(job.id, time=now, from_state=state, to_state=state, actor=actor, message=message),
    )


def submitted(db: Session, job: Job, *, actor: str, now: datetime) -> JobEvent:
    """Record a new job's first event; the job (flushed, so it has an id) is in its first
    state, `Transition.SUBMIT`'s target."""
    if job.state != SUBMIT.target.value:
        raise ValueError(f"a new job starts {SUBMIT.target}, not {job.state}")
    event = job_event(
        job.id,
        time=now,
        from_state=SUBMIT.source,
        to_state=SUBMIT.target,
        actor=actor,
        message="submitted",
    )
    repo.add(db, event)
    return event


def claim_writes(*, worker: str, actor: str, now: datetime) -> dict[str, Any]:
    """The values a claim statement binds for what it writes: `to_state`, the state of the jobs
    it leases, and `event_*`, the event of each (`events.event_params`). The state it claims
    from is the statement's condition, rendered from `CLAIM.source` when it is loaded."""
    assert CLAIM.source is not None
    event = event_values(
        time=now,
        from_state=CLAIM.source,
        to_state=CLAIM.target,
        actor=actor,
        message=f"claimed by {worker}",
    )
    return {"to_state": CLAIM.target.value, **event_params(event)}


def _snapshot(job: Job) -> JobFinished:
    assert job.finished_at is not None
    return JobFinished(
        job_id=job.id,
        job_type=job.type,
        name=job.name,
        state=job.state,
        failure_reason=job.failure_reason,
        owner=job.owner.username,
        owner_email=job.owner.email,
        worker=job.worker_name,
        attempts=job.attempts,
        finished_at=job.finished_at,
    )


def watch_finished(
    sessions: sessionmaker[Session], listener: Callable[[list[JobFinished]], None]
) -> None:
    """Call `listener` after each commit of a session from `sessions` that finished jobs.

    The jobs are read just before the commit (failure reasons are set after `move`), and
    handed over only once the commit succeeded. Neither step can fail the transaction.
    """

    def before_commit(db: Session) -> None:
        jobs = db.info.pop(_FINISHED, None)
        if not jobs:
            return
        try:
            done = [_snapshot(j) for j in jobs.values() if JobState(j.state).terminal]
        except Exception:
            log.exception("could not read finished jobs for notifications")
            return
        db.info[_COMMITTING] = done

    def after_commit(db: Session) -> None:
        done = db.info.pop(_COMMITTING, None)
        if not done:
            return
        try:
            listener(done)
        except Exception:
            log.exception("finished-job listener failed")

    def after_rollback(db: Session) -> None:
        db.info.pop(_FINISHED, None)
        db.info.pop(_COMMITTING, None)

    event.listen(sessions, "before_commit", before_commit)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_rollback", after_rollback)
