"""Follow (QUEUED -> RUNNING -> POSTPROCESSING): the scheduler is asked about every tracked
batch job in one status call per cycle; each job moves on by its answer. A batch job that ended
may run again instead (`rerun`: continued after its time limit, or repaired)."""

from __future__ import annotations

from collections.abc import Mapping

from molyte.domain.states import JobState
from molyte.errors import ExternalCommandError
from molyte.protocol import WorkerStage
from molyte.schedulers.base import BatchState, BatchStatus
from molyte.schedulers.script import EXIT_STATUS_FILE
from molyte.worker.stages.context import Jobs, log
from molyte.worker.stages.report import report
from molyte.worker.stages.rerun import rerun
from molyte.worker.state import TrackedJob

Statuses = Mapping[str, BatchStatus]


def ask_scheduler(jobs: Jobs) -> tuple[Statuses, list[str]]:
    """The one status call of a cycle, for every batch job in the scheduler: the answers and
    the ids asked about. A scheduler that does not answer is not the jobs' fault: they are
    asked about again next cycle (the lease keeps them ours) and `jobs.scheduler_down` is set."""
    asked = list(
        dict.fromkeys(
            t.scheduler_id for t in jobs.tracked.values() if t.scheduler_id and t.stage.in_scheduler
        )
    )
    if not asked:
        return {}, asked
    try:
        return jobs.scheduler.status(asked), asked
    except ExternalCommandError as exc:
        jobs.scheduler_down = True
        log.warning(
            "the scheduler did not answer about %d jobs, asking again next cycle: %s",
            len(asked),
            exc.message,
            extra={"action": "status"},
        )
        return {}, asked


def follow(jobs: Jobs, job: TrackedJob, statuses: Statuses) -> None:
    """Move a QUEUED or RUNNING job by the scheduler's answer."""
    status = statuses.get(job.scheduler_id or "", BatchStatus(BatchState.UNKNOWN))
    if status.state is BatchState.RUNNING and job.stage is WorkerStage.QUEUED:
        report(jobs, job, JobState.RUNNING)
    elif status.state.finished or status.state is BatchState.UNKNOWN:
        if status.state is BatchState.UNKNOWN and not finished_on_disk(job):
            return  # not yet visible to the scheduler, or lost: the lease decides
        if rerun(jobs, job, status):
            return
        job.failure_reason = status.failure_reason.value if status.failure_reason else None
        report(jobs, job, JobState.POSTPROCESSING)


def finished_on_disk(job: TrackedJob) -> bool:
    """The batch script wrote its exit status: the run ended, whatever the scheduler says."""
    return (job.workdir / EXIT_STATUS_FILE).exists()
