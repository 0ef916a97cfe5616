"""Report: every status call the worker makes about a job, and a job's end on this worker.

A report moves the job's stage only after the server acknowledged it, so a failed call is
simply made again next cycle.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from molyte.domain.failures import FailureReason
from molyte.domain.states import JobState
from molyte.errors import MolyteError
from molyte.protocol import StatusUpdate, WorkerStage
from molyte.worker.client import LeaseLost
from molyte.worker.stages.context import Jobs, log, story
from molyte.worker.state import TrackedJob

LOG_TAIL_BYTES = 4000


def report(
    jobs: Jobs,
    job: TrackedJob,
    state: JobState,
    *,
    scheduler_job_id: str | None = None,
    message: str | None = None,
) -> None:
    """Tell the server the job's new `state`; once acknowledged the job is in that stage, or,
    for a final state, no longer on this worker."""
    update = StatusUpdate(
        lease_token=job.lease_token,
        state=state,
        scheduler_job_id=scheduler_job_id,
        message=message,
    )
    jobs.client.status(job.job_id, update)
    before = job.stage.server_state
    if state is not before:
        story(job, f"{before} -> {state}", "status")
    if state.terminal:
        jobs.forget(job)
    else:
        jobs.move(job, WorkerStage(state.value))


def note(jobs: Jobs, job: TrackedJob, message: str) -> None:
    """A note in the job's timeline without a change of state (a resubmission)."""
    update = StatusUpdate(
        lease_token=job.lease_token,
        state=job.stage.server_state,
        scheduler_job_id=job.scheduler_id,
        message=message,
    )
    jobs.client.status(job.job_id, update)


def fail(jobs: Jobs, job: TrackedJob, reason: FailureReason, message: str) -> None:
    """Report FAILED with its named reason and the end of the batch job's output."""
    log.info(
        "%s job #%s: %s -> FAILED (%s): %s",
        job.job_type,
        job.job_id,
        job.stage,
        reason,
        message[:300],
        extra={"job_id": job.job_id, "action": "fail"},
    )
    update = StatusUpdate(
        lease_token=job.lease_token,
        state=JobState.FAILED,
        failure_reason=reason,
        message=message[:2000],
        log_tail=log_tail(job.workdir),
    )
    jobs.client.status(job.job_id, update)
    jobs.stats.failed += 1
    jobs.forget(job)


def fail_untracked(
    jobs: Jobs, job_id: int, token: str, reason: FailureReason, message: str
) -> None:
    """Fail a claimed job this worker cannot even start (no engine of its route here)."""
    update = StatusUpdate(
        lease_token=token, state=JobState.FAILED, failure_reason=reason, message=message
    )
    with contextlib.suppress(LeaseLost):
        jobs.client.status(job_id, update)


def drop(jobs: Jobs, job: TrackedJob, *, cancel: bool) -> None:
    """Stop following a job that is no longer ours; cancel its batch job; upload nothing."""
    if cancel and job.scheduler_id:
        try:
            jobs.scheduler.cancel(job.scheduler_id)
        except MolyteError as exc:
            log.warning("cancelling batch job %s failed: %s", job.scheduler_id, exc)
    jobs.stats.dropped += 1
    jobs.forget(job)


def log_tail(workdir: Path) -> str | None:
    """The end of the batch job's output, for the user's failure view."""
    candidates = sorted(workdir.glob("slurm-*.out")) + sorted(workdir.glob("sge-*.out"))
    candidates += sorted(workdir.glob("lsf-*.out")) + sorted(workdir.glob("pbs.out"))
    candidates += sorted(workdir.glob("*.log"))
    candidates += sorted(workdir.glob("job.out"))
    for path in candidates:
        try:
            with path.open("rb") as fh:
                fh.seek(0, 2)
                size = fh.tell()
                fh.seek(max(0, size - LOG_TAIL_BYTES))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            continue
    return None
