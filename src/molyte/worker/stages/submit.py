"""Submit (PREPARED -> SUBMITTING -> QUEUED): hand the batch script to the scheduler and
report QUEUED with its job id. While the scheduler's controller does not answer, the job goes
back to PREPARED (`retry_submit_later`) and is submitted again next cycle."""

from __future__ import annotations

from molyte.domain.failures import FailureReason
from molyte.domain.states import JobState
from molyte.errors import MolyteError, SchedulerUnavailable
from molyte.protocol import WorkerStage
from molyte.worker.stages.context import Jobs, log, story
from molyte.worker.stages.prepare import BATCH_SCRIPT
from molyte.worker.stages.report import fail, report
from molyte.worker.state import TrackedJob

# What each scheduler's submission is called in the log, and what its id is called.
SUBMIT_COMMANDS = {
    "slurm": ("sbatch", "Slurm job id"),
    "sge": ("qsub", "Grid Engine job id"),
    "pbs": ("qsub", "PBS job id"),
    "lsf": ("bsub", "LSF job id"),
    "local": ("run", "local job id"),
}


def submit(jobs: Jobs, job: TrackedJob) -> None:
    """Submit the prepared batch script; a refusal fails the job (SUBMIT_FAILED)."""
    jobs.move(job, WorkerStage.SUBMITTING)
    script_path = job.workdir / BATCH_SCRIPT
    try:
        job.scheduler_id = jobs.scheduler.submit(script_path, job.workdir)
    except SchedulerUnavailable as exc:
        retry_submit_later(jobs, job, exc)
        return
    except MolyteError as exc:
        fail(jobs, job, FailureReason.SUBMIT_FAILED, exc.message)
        return
    jobs.stats.submitted += 1
    jobs.save(job)
    command, label = SUBMIT_COMMANDS.get(jobs.scheduler.name, ("submit", "batch job id"))
    story(job, f"`{command} {script_path.name}` submitted: {label} {job.scheduler_id}", "submit")
    report(jobs, job, JobState.QUEUED, scheduler_job_id=job.scheduler_id)


def retry_submit_later(jobs: Jobs, job: TrackedJob, exc: SchedulerUnavailable) -> None:
    """SUBMITTING -> PREPARED: the scheduler did not answer, which is not the job's fault; no
    new job is claimed in this cycle."""
    jobs.scheduler_down = True
    jobs.move(job, WorkerStage.PREPARED)
    log.warning(
        "job %s not submitted, trying again next cycle: %s",
        job.job_id,
        exc.message,
        extra={"job_id": job.job_id, "action": "submit"},
    )


def record_submission(jobs: Jobs, job: TrackedJob) -> None:
    """SUBMITTING -> QUEUED for a batch job whose id is saved but whose report did not reach
    the server (it failed, or the worker stopped in between)."""
    if job.scheduler_id:
        report(jobs, job, JobState.QUEUED, scheduler_job_id=job.scheduler_id)
