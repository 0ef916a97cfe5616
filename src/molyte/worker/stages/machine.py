"""The stage machine: which step moves a job on from each stage (`STEPS`), a claimed job's
start, and one pass over a tracked job per cycle (`advance`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from molyte.domain.states import JobState
from molyte.protocol import LeasedJob, WorkerStage
from molyte.worker.stages.collect import collect
from molyte.worker.stages.context import Jobs, log
from molyte.worker.stages.follow import Statuses, follow
from molyte.worker.stages.prepare import prepare
from molyte.worker.stages.report import fail, report
from molyte.worker.stages.submit import record_submission, submit
from molyte.worker.stages.upload import register, upload
from molyte.worker.state import TrackedJob

Step = Callable[[Jobs, TrackedJob, Statuses], None]


def start(jobs: Jobs, leased: LeasedJob) -> None:
    """A job just claimed: prepare it and submit it at once."""
    job = prepare(jobs, leased)
    if job is not None:
        submit(jobs, job)


def abandon_unsubmitted(jobs: Jobs, job: TrackedJob, _: Statuses) -> None:
    """CLAIMED at a restart: the worker stopped while preparing and nothing runs. The lease
    expires and the server requeues the job, rather than this worker guessing at a half-built
    work directory."""
    log.info("job %s was never submitted; leaving it to lease expiry", job.job_id)
    jobs.forget(job)


def submit_when_scheduler_answers(jobs: Jobs, job: TrackedJob, _: Statuses) -> None:
    """PREPARED: submit again, unless the scheduler already failed to answer in this cycle."""
    if not jobs.scheduler_down:
        submit(jobs, job)


def report_submission(jobs: Jobs, job: TrackedJob, _: Statuses) -> None:
    record_submission(jobs, job)


def finish(jobs: Jobs, job: TrackedJob, _: Statuses) -> None:
    """POSTPROCESSING: collect, upload, register, and report COMPLETED or FAILED."""
    result = collect(jobs, job)
    if result.failure_reason is not None:
        fail(jobs, job, result.failure_reason, result.message or result.failure_reason.value)
        return
    files = upload(jobs, job, result)
    register(jobs, job, result, files)
    report(jobs, job, JobState.COMPLETED, message=f"{len(files)} result files")
    jobs.stats.completed += 1


STEPS: Mapping[WorkerStage, Step] = {
    WorkerStage.CLAIMED: abandon_unsubmitted,
    WorkerStage.PREPARED: submit_when_scheduler_answers,
    WorkerStage.SUBMITTING: report_submission,
    WorkerStage.QUEUED: follow,
    WorkerStage.RUNNING: follow,
    WorkerStage.POSTPROCESSING: finish,
}


def advance(jobs: Jobs, job: TrackedJob, statuses: Statuses) -> None:
    """One step of a tracked job; a batch job that has just ended is collected, uploaded and
    reported in the same pass."""
    before = job.stage
    STEPS[before](jobs, job, statuses)
    if before.in_scheduler and job.stage is WorkerStage.POSTPROCESSING:
        finish(jobs, job, statuses)
