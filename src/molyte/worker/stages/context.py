"""What every stage works with: the worker's parts, its tracked jobs, and the one way a job
moves from stage to stage (`Jobs.move`, checked against `TRANSITIONS`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from molyte.engines.base import Engine, EngineContext
from molyte.protocol import FileEntry, WorkerStage
from molyte.schedulers.base import Scheduler
from molyte.worker.client import WorkerClient
from molyte.worker.config import WorkerConfig
from molyte.worker.state import LocalState, TrackedJob

# Every line of a job's story is written to the logger operators know from the worker's log
# (README, "The worker log"), whichever stage module writes it.
log = logging.getLogger("molyte.worker.loop")

Uploader = Callable[[TrackedJob, Path], FileEntry]
_S = WorkerStage
# The stage moves a job makes on this worker. Each stage's own module makes them:
#   CLAIMED -> PREPARED          prepare: inputs and batch script written
#   PREPARED -> SUBMITTING       submit: the submit command runs
#   SUBMITTING -> PREPARED       submit: retry_submit_later (the scheduler did not answer)
#   SUBMITTING -> QUEUED         report: the server acknowledged the batch job's id
#   QUEUED -> RUNNING            follow: the scheduler says it runs
#   QUEUED | RUNNING -> POSTPROCESSING   follow: the batch job ended (or is gone and its exit
#                                status file is there)
# A continued or repaired run (`rerun`) stays in its stage with a new batch job. A job leaves
# the worker from any stage (completed, failed, cancelled, fenced, or abandoned unsubmitted).
TRANSITIONS: Mapping[WorkerStage, frozenset[WorkerStage]] = {
    _S.CLAIMED: frozenset({_S.PREPARED}),
    _S.PREPARED: frozenset({_S.SUBMITTING}),
    _S.SUBMITTING: frozenset({_S.PREPARED, _S.QUEUED}),
    _S.QUEUED: frozenset({_S.RUNNING, _S.POSTPROCESSING}),
    _S.RUNNING: frozenset({_S.POSTPROCESSING}),
    _S.POSTPROCESSING: frozenset(),
}


def story(job: TrackedJob, what: str, action: str) -> None:
    """One line of a job's story in the worker log: which job, what happened."""
    log.info(
        "%s job #%s: %s",
        job.job_type,
        job.job_id,
        what,
        extra={"job_id": job.job_id, "action": action},
    )


@dataclass
class Stats:
    """Counters a test or an operator can read."""

    cycles: int = 0
    claimed: int = 0
    submitted: int = 0
    completed: int = 0
    failed: int = 0
    dropped: int = 0


class Jobs:
    """The worker's parts and its tracked jobs, as the stage functions see them."""

    def __init__(
        self,
        config: WorkerConfig,
        client: WorkerClient,
        scheduler: Scheduler,
        engines: Mapping[str, Engine],
        ctx: EngineContext,
        state: LocalState,
        upload: Uploader,
    ) -> None:
        self.cfg = config
        self.client = client
        self.scheduler = scheduler
        self.engines = dict(engines)
        self.ctx = ctx
        self.state = state
        self.upload = upload
        self.tracked: dict[int, TrackedJob] = {t.job_id: t for t in state.load()}
        self.stats = Stats()
        self.scheduler_down = False  # the scheduler failed to answer in this cycle

    def track(self, job: TrackedJob) -> None:
        """Follow a newly claimed job from now on (and after a restart)."""
        self.tracked[job.job_id] = job
        self.state.save(job)

    def move(self, job: TrackedJob, stage: WorkerStage) -> None:
        """Put `job` in `stage` and save it; a move outside `TRANSITIONS` is a bug here."""
        if stage not in TRANSITIONS[job.stage]:
            raise AssertionError(f"job {job.job_id}: no move from {job.stage} to {stage}")
        job.stage = stage
        self.state.save(job)

    def save(self, job: TrackedJob) -> None:
        """Keep what changed in the job's stage (a batch job id, a failure reason)."""
        self.state.save(job)

    def forget(self, job: TrackedJob) -> None:
        """Stop following `job` (it left this worker)."""
        self.tracked.pop(job.job_id, None)
        self.state.drop(job.job_id)
