"""The worker loop: heartbeat, claim (long poll), and one step of each tracked job per cycle.

One thread, one pass per cycle. The steps are the stage machine's (`molyte.worker.stages`):
prepare, submit, follow, collect, upload, report. The scheduler is asked about every tracked job
in a single call per cycle. A job's stage advances only after the server acknowledged the
report, so a failed call is simply made again next cycle, and a restart resumes from the saved
stage. Scheduler errors are transient too: a job is never failed because `squeue` did not
answer; its jobs are asked about again next cycle, and no new job is claimed while the
scheduler is down.
"""

from __future__ import annotations

import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial

from pydantic import ValidationError

from molyte import __version__
from molyte.domain.states import JobType
from molyte.engines.base import Engine, EngineContext
from molyte.errors import SchedulerUnavailable
from molyte.protocol import ClaimRequest, Heartbeat, RunningJob, WorkerStage
from molyte.schedulers.base import Scheduler
from molyte.worker.client import (
    LeaseLost,
    RequestRefused,
    ServerUnavailable,
    WorkerClient,
    WorkerMisconfigured,
    refused_here,
)
from molyte.worker.config import WorkerConfig
from molyte.worker.progress import ProgressReporter
from molyte.worker.stages.context import Jobs, Stats, Uploader, log
from molyte.worker.stages.follow import Statuses, ask_scheduler
from molyte.worker.stages.machine import advance, start
from molyte.worker.stages.prepare import RefusedResources
from molyte.worker.stages.report import drop
from molyte.worker.stages.upload import through_server
from molyte.worker.state import LocalState, TrackedJob

__all__ = ["Stats", "Uploader", "Worker"]


class Worker(Jobs):
    """Claims jobs and carries each through the scheduler to its results."""

    def __init__(
        self,
        config: WorkerConfig,
        client: WorkerClient,
        scheduler: Scheduler,
        engines: Mapping[str, Engine],
        *,
        ctx: EngineContext | None = None,
        uploader: Uploader | None = None,
        state: LocalState | None = None,
    ) -> None:
        state_file = config.work_dir("MD") / ".molyte-worker.sqlite"
        super().__init__(
            config,
            client,
            scheduler,
            engines,
            ctx or EngineContext(python=sys.executable),
            state or LocalState(state_file, client.base_url, config.worker.name),
            uploader or through_server(client),
        )
        self.stop_event = threading.Event()
        self.lease_seconds = 600.0
        self._next_heartbeat = 0.0
        self._backoff = 0.0
        self.progress = ProgressReporter(client, config.worker.progress_interval)
        if self.tracked:
            log.info("re-attaching to %d jobs from the local state", len(self.tracked))

    @property
    def job_types(self) -> list[str]:
        """The job types this worker claims: configured, and with an engine here."""
        types = {e.job_type.value for e in self.engines.values()}
        return [t for t in self.cfg.worker.job_types if t in types]

    # -- the loop --------------------------------------------------------------------------
    def run(self) -> None:
        """Run until `stop()` (SIGTERM): Slurm jobs keep running; state stays on disk.

        Every unexpected reply is one log line. A transient one (server down, 5xx, a refused
        call about one job, a body the server would refuse) backs off and goes on; a
        configuration mistake (wrong base_url, refused token) raises WorkerMisconfigured: only
        a person can fix it."""
        log.info(
            "worker %s started: types=%s engines=%s",
            self.cfg.worker.name,
            self.job_types,
            sorted(self.engines),
        )
        while not self.stop_event.is_set():
            try:
                self.cycle()
                self._backoff = 0.0
            except WorkerMisconfigured as exc:
                log.error("stopping: %s", exc.message)
                raise
            except ServerUnavailable as exc:
                log.warning("server unavailable: %s", exc.message)
                self._sleep_backoff()
            except (RequestRefused, RefusedResources) as exc:
                log.warning("%s; trying again later", exc.message)
                self._sleep_backoff()
            except ValidationError as exc:  # a body the server would refuse (422)
                log.warning("%s; trying again later", refused_here(exc))
                self._sleep_backoff()
        log.info("worker %s stopped", self.cfg.worker.name)

    def stop(self) -> None:
        self.stop_event.set()

    def _sleep_backoff(self) -> None:
        self._backoff = min(max(1.0, self._backoff * 2), 60.0)
        self.stop_event.wait(self._backoff * random.uniform(0.5, 1.0))  # noqa: S311 - jitter

    def cycle(self, claim_wait: float | None = None) -> None:
        """One pass: heartbeat when due, follow tracked jobs, claim up to capacity."""
        self.stats.cycles += 1
        if time.monotonic() >= self._next_heartbeat:
            self.heartbeat()
        self.follow()
        free = self.cfg.worker.max_concurrent_jobs - len(self.tracked)
        wait = self.cfg.api.poll_interval if claim_wait is None else claim_wait
        if self.tracked:
            wait = min(wait, 5.0)
        wait = max(0.0, min(wait, self._next_heartbeat - time.monotonic()))
        if free > 0 and self.job_types and not self.scheduler_down and not self.stop_event.is_set():
            self.claim(free, min(wait, 60.0))
        elif wait > 0:
            self.stop_event.wait(wait)

    def claim(self, limit: int, wait_seconds: float) -> None:
        """Lease up to `limit` jobs (a long poll of up to `wait_seconds`) and start each."""
        body = ClaimRequest(
            worker_name=self.cfg.worker.name,
            job_types=[JobType(t) for t in self.job_types],
            engines=sorted(self.engines),
            partitions=self.cfg.partitions or None,
            limit=limit,
            wait_seconds=wait_seconds,
            cluster=self.cfg.worker.cluster,  # left out when unset: older servers refuse it
        )
        jobs = self.client.claim(body)
        if jobs:
            log.info(
                "%d pending job(s) found and claimed: %s",
                len(jobs),
                ", ".join(f"{j.type} job #{j.id}" for j in jobs),
                extra={"action": "claim"},
            )
        for leased in jobs:
            self.stats.claimed += 1
            self._guarded(leased.id, "claim", partial(start, self, leased))

    def heartbeat(self) -> None:
        """Say who this worker is and which leases it holds; cancel what the server names."""
        body = Heartbeat(
            name=self.cfg.worker.name,
            hostname=socket.gethostname()[:255],
            version=__version__,
            capacity=self.cfg.worker.max_concurrent_jobs,
            job_types=[JobType(t) for t in self.job_types],
            engines=sorted(self.engines),
            partitions=self.cfg.partitions,
            cluster=self.cfg.worker.cluster,  # left out when unset: older servers refuse it
            running=[
                RunningJob(job_id=t.job_id, lease_token=t.lease_token)
                for t in self.tracked.values()
            ],
        )
        reply = self.client.heartbeat(body)
        self.lease_seconds = reply.lease_seconds
        interval = min(self.cfg.worker.heartbeat_interval, self.lease_seconds / 3)
        self._next_heartbeat = time.monotonic() + interval
        for job_id in reply.cancel:
            job = self.tracked.get(job_id)
            if job is not None:
                log.info(
                    "job %s cancelled on the server: cancelling its batch job",
                    job_id,
                    extra={"job_id": job_id, "action": "cancel"},
                )
                drop(self, job, cancel=True)

    def follow(self) -> None:
        """Ask the scheduler about every tracked job at once and move each along."""
        self.scheduler_down = False
        statuses, asked = ask_scheduler(self)
        in_scheduler = set(asked)
        self.progress.keep(self.tracked)
        for job in list(self.tracked.values()):
            if self.stop_event.is_set():
                return
            if self.scheduler_down and job.scheduler_id in in_scheduler:
                continue  # asked about again next cycle
            self._guarded(job.job_id, "follow", partial(self._step, job, statuses))

    def _step(self, job: TrackedJob, statuses: Statuses) -> None:
        advance(self, job, statuses)
        if job.stage is WorkerStage.RUNNING:  # progress and live numbers from its logs
            self.progress.report(job)

    def _guarded(self, job_id: int, action: str, step: Callable[[], None]) -> None:
        """One job's step; what goes wrong with one job is that job's problem, never the loop's.
        A scheduler failure is tried again next cycle; so is a report the server refused (the
        stage advances only once a report is acknowledged); a lease lost (the job was cancelled
        or given to another worker meanwhile, e.g. between its claim and its QUEUED report)
        drops the job and cancels its batch job."""
        try:
            step()
        except SchedulerUnavailable as exc:
            self.scheduler_down = True
            log.warning(
                "job %s: the scheduler failed, trying again next cycle: %s",
                job_id,
                exc.message,
                extra={"job_id": job_id, "action": action},
            )
        except (RequestRefused, ValidationError) as exc:
            log.warning(
                "job %s: the server refused a report, trying again next cycle: %s",
                job_id,
                exc.message if isinstance(exc, RequestRefused) else refused_here(exc),
                extra={"job_id": job_id, "action": action},
            )
        except LeaseLost as exc:
            log.warning(
                "job %s is no longer ours (%s): dropping it",
                job_id,
                exc,
                extra={"job_id": job_id, "action": "fenced"},
            )
            job = self.tracked.get(job_id)
            if job is not None:
                drop(self, job, cancel=True)
