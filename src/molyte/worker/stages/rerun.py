"""The two ways a finished batch job runs again under the same lease, instead of going on to
POSTPROCESSING: `continue_after_timeout` (a run cut by its time limit goes on from its restart
file, at most MAX_CONTINUATIONS times) and `repair_science_failure` (the engine's repair policy
rewrites the inputs, e.g. Gaussian's SCF not converged -> scf=xqc; the engine bounds its
repairs). The job keeps its stage; the server gets a note with the new batch job's id."""

from __future__ import annotations

import json

from molyte.domain.failures import FailureReason
from molyte.engines.base import ContinuableEngine, RepairableEngine, RunPlan
from molyte.errors import MolyteError, SchedulerUnavailable
from molyte.schedulers.base import BatchStatus
from molyte.schedulers.script import EXIT_STATUS_FILE
from molyte.worker.stages.context import Jobs, log
from molyte.worker.stages.prepare import SPEC_FILE, write_script
from molyte.worker.stages.report import note
from molyte.worker.state import TrackedJob

CONTINUATIONS_FILE = "molyte-continuations"
MAX_CONTINUATIONS = 3  # a run cut by its time limit is continued at most this often


def rerun(jobs: Jobs, job: TrackedJob, status: BatchStatus) -> bool:
    """Run the finished batch job again when its engine can go on; True if it was
    resubmitted. A time limit is continued by an engine that can (and never repaired)."""
    engine = jobs.engines.get(job.engine)
    if status.failure_reason is FailureReason.TIMEOUT and isinstance(engine, ContinuableEngine):
        return continue_after_timeout(jobs, job, engine)
    if isinstance(engine, RepairableEngine):
        return repair_science_failure(jobs, job, engine)
    return False


def continue_after_timeout(jobs: Jobs, job: TrackedJob, engine: ContinuableEngine) -> bool:
    """Continue a run cut by its time limit from its restart file (MD)."""
    counter = job.workdir / CONTINUATIONS_FILE
    done = int(counter.read_text()) if counter.exists() else 0
    if done >= MAX_CONTINUATIONS:
        return False
    try:
        plan = engine.prepare_continue(job.workdir, jobs.ctx)
    except MolyteError as exc:
        log.info("job %s cannot be continued: %s", job.job_id, exc.message)
        return False
    if not submit_again(jobs, job, plan):
        return False
    counter.write_text(str(done + 1))  # written once the continuation is submitted
    announce(
        jobs,
        job,
        f"TIMEOUT: continued from the last restart file ({done + 1} of {MAX_CONTINUATIONS})",
    )
    return True


def repair_science_failure(jobs: Jobs, job: TrackedJob, engine: RepairableEngine) -> bool:
    """Resubmit with a repaired input after a science failure the engine reads in its logs;
    infrastructure failures are not the input's fault and are never repaired."""
    science = engine.collect(job.workdir).failure_reason
    if science is None or science.is_infrastructure:
        return False
    spec = json.loads((job.workdir / SPEC_FILE).read_text())
    plan = engine.prepare_repair(spec, job.workdir, jobs.ctx, science)
    if plan is None or not submit_again(jobs, job, plan):
        return False
    announce(jobs, job, f"{science}: resubmitted with a repaired input")
    return True


def submit_again(jobs: Jobs, job: TrackedJob, plan: RunPlan) -> bool:
    """Submit `plan` as the job's next batch job; False when the scheduler refuses it (the job
    then goes on to POSTPROCESSING with the failure of the finished run). A scheduler that
    does not answer raises: the next cycle tries again, the finished batch job still says why."""
    (job.workdir / EXIT_STATUS_FILE).unlink(missing_ok=True)
    script_path = write_script(jobs, job, plan)
    try:
        scheduler_id = jobs.scheduler.submit(script_path, job.workdir)
    except SchedulerUnavailable:
        raise
    except MolyteError as exc:
        log.warning("job %s cannot be resubmitted: %s", job.job_id, exc.message)
        return False
    job.scheduler_id = scheduler_id
    jobs.save(job)
    return True


def announce(jobs: Jobs, job: TrackedJob, message: str) -> None:
    log.info(
        "job %s: %s as %s",
        job.job_id,
        message,
        job.scheduler_id,
        extra={"job_id": job.job_id, "action": "resubmit"},
    )
    note(jobs, job, message)
