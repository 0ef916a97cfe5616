"""Collect (in POSTPROCESSING): the engine reads the finished work directory into a summary,
result files and, when the run failed, a named failure; the scheduler's reason and the batch
script's exit status complete it."""

from __future__ import annotations

from molyte.domain.failures import FailureReason, describe_exit
from molyte.engines.base import EngineResult
from molyte.schedulers.script import read_exit_status
from molyte.worker.stages.context import Jobs, log
from molyte.worker.state import TrackedJob


def collect(jobs: Jobs, job: TrackedJob) -> EngineResult:
    """The run's result with its failure decided: the scheduler's reason, unless the engine
    named a better one for a failed script; the message says how the batch commands ended."""
    engine = jobs.engines.get(job.engine)
    result: EngineResult
    if engine is None:
        result = EngineResult({}, [], FailureReason.ENGINE_UNAVAILABLE, "engine missing")
    else:
        try:
            result = engine.collect(job.workdir)
        except Exception as exc:  # an engine's own bug fails this job, not the worker
            log.exception("collecting job %s failed", job.job_id, extra={"job_id": job.job_id})
            result = EngineResult({}, [], FailureReason.ANALYSIS_FAILED, str(exc))
    scheduler_reason = FailureReason(job.failure_reason) if job.failure_reason else None
    reason = scheduler_reason or result.failure_reason
    if scheduler_reason is FailureReason.SCRIPT_FAILED and result.failure_reason is not None:
        reason = result.failure_reason  # the engine read the log: a named failure is better
    if reason is None:
        return result
    message = result.message or reason.value
    status = read_exit_status(job.workdir)
    if status:  # the batch commands failed: say how (a crash shows as a signal)
        message = f"{message} ({describe_exit(status)})"
    return EngineResult(result.summary, result.files, reason, message)
