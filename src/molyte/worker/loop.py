"""The worker loop: heartbeat, claim (long poll), prepare, submit, follow, collect, upload, report.

One thread, one pass per cycle. The scheduler is asked about every tracked job in a single
call per cycle. A job's stage advances only after the server acknowledged the report, so a
failed call is simply made again next cycle, and a restart resumes from the saved stage.
Scheduler errors are transient too: a job is never failed because `squeue` did not answer; its
jobs are asked about again next cycle, and no new job is claimed while the scheduler is down.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from molyte import __version__
from molyte.domain.engines import choose_engine, engine_route
from molyte.domain.failures import FailureReason, describe_exit
from molyte.domain.specs import parse_spec
from molyte.domain.states import JobType
from molyte.engines.base import (
    ContinuableEngine,
    Engine,
    EngineContext,
    EngineResult,
    RepairableEngine,
    RunPlan,
)
from molyte.errors import ExternalCommandError, MolyteError, SchedulerUnavailable
from molyte.protocol import FileEntry
from molyte.schedulers.base import BatchJob, BatchState, BatchStatus, Scheduler
from molyte.schedulers.script import EXIT_STATUS_FILE, read_exit_status
from molyte.worker import provenance
from molyte.worker.client import (
    LeaseLost,
    RequestRefused,
    ServerUnavailable,
    WorkerClient,
    WorkerMisconfigured,
)
from molyte.worker.config import WorkerConfig
from molyte.worker.limits import mpi_ranks_problem
from molyte.worker.progress import ProgressReporter
from molyte.worker.state import LocalState, TrackedJob
from molyte.worker.uploads import upload_result

log = logging.getLogger(__name__)
LOG_TAIL_BYTES = 4000
CONTINUATIONS_FILE = "molyte-continuations"
MAX_CONTINUATIONS = 3  # a run cut by its time limit is continued at most this often
SPEC_FILE = "job-spec.json"  # the job's spec, kept for repairs after a restart
BATCH_SCRIPT = "job.sh"
EngineResolver = Callable[[Mapping[str, Any]], Engine]
Uploader = Callable[[TrackedJob, Path], FileEntry]


class RefusedResources(MolyteError):
    """A job asks for more than this worker allows on its partition."""

    status_code = 422


# What each scheduler's submission is called in the log, and what its id is called.
SUBMIT_COMMANDS = {
    "slurm": ("sbatch", "Slurm job id"),
    "sge": ("qsub", "Grid Engine job id"),
    "pbs": ("qsub", "PBS job id"),
    "lsf": ("bsub", "LSF job id"),
    "local": ("run", "local job id"),
}


def _story(job: TrackedJob, what: str, action: str) -> None:
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


class Worker:
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
        self.cfg = config
        self.client = client
        self.scheduler = scheduler
        self.engines = dict(engines)
        self.ctx = ctx or EngineContext(python=sys.executable)
        self.upload = uploader or self._upload_via_server
        state_file = config.work_dir("MD") / ".molyte-worker.sqlite"
        self.state = state or LocalState(state_file, client.base_url, config.worker.name)
        self.tracked: dict[int, TrackedJob] = {t.job_id: t for t in self.state.load()}
        self.stop_event = threading.Event()
        self.stats = Stats()
        self.lease_seconds = 600.0
        self._next_heartbeat = 0.0
        self._backoff = 0.0
        self.scheduler_down = False  # the scheduler failed to answer in this cycle
        self.progress = ProgressReporter(client, config.worker.progress_interval)
        if self.tracked:
            log.info("re-attaching to %d jobs from the local state", len(self.tracked))

    # -- what we can run -------------------------------------------------------------------
    @property
    def job_types(self) -> list[str]:
        types = {e.job_type.value for e in self.engines.values()}
        return [t for t in self.cfg.worker.job_types if t in types]

    def engine_for(self, job_type: str, spec: Mapping[str, Any]) -> Engine:
        """The engine for a job: the first engine of its route that this worker has (the same
        decision as the server's claim filter, `molyte.domain.engines`)."""
        try:
            route = engine_route(parse_spec(JobType(job_type), dict(spec)))
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            raise MolyteError(f"the job's spec is not valid here: {exc}") from exc
        name = choose_engine(route, self.engines)
        if name is None:
            raise MolyteError(f"no engine of {route!r} is available on this worker")
        return self.engines[name]

    # -- the loop --------------------------------------------------------------------------
    def run(self) -> None:
        """Run until `stop()` (SIGTERM): Slurm jobs keep running; state stays on disk.

        Every unexpected reply is one log line. A transient one (server down, 5xx, a refused
        call about one job) backs off and goes on; a configuration mistake (wrong base_url,
        refused token) raises WorkerMisconfigured: only a person can fix it."""
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
            jobs = self.client.claim(
                worker_name=self.cfg.worker.name,
                job_types=self.job_types,
                engines=sorted(self.engines),
                partitions=self.cfg.partitions or None,
                limit=free,
                wait_seconds=min(wait, 60.0),
                cluster=self.cfg.worker.cluster,
            )
            if jobs:
                log.info(
                    "%d pending job(s) found and claimed: %s",
                    len(jobs),
                    ", ".join(f"{j['type']} job #{j['id']}" for j in jobs),
                    extra={"action": "claim"},
                )
            for job in jobs:
                self.stats.claimed += 1
                self.start(job)
        elif wait > 0:
            self.stop_event.wait(wait)

    def heartbeat(self) -> None:
        body: dict[str, Any] = {
            "name": self.cfg.worker.name,
            "hostname": socket.gethostname()[:255],
            "version": __version__,
            "capacity": self.cfg.worker.max_concurrent_jobs,
            "job_types": self.job_types,
            "engines": sorted(self.engines),
            "partitions": self.cfg.partitions,
            "running": [
                {"job_id": t.job_id, "lease_token": t.lease_token} for t in self.tracked.values()
            ],
        }
        if self.cfg.worker.cluster is not None:  # only when set: older servers refuse it
            body["cluster"] = self.cfg.worker.cluster
        reply = self.client.heartbeat(body)
        self.lease_seconds = float(reply.get("lease_seconds", self.lease_seconds))
        interval = min(self.cfg.worker.heartbeat_interval, self.lease_seconds / 3)
        self._next_heartbeat = time.monotonic() + interval
        for job_id in reply.get("cancel", []):
            job = self.tracked.get(int(job_id))
            if job is not None:
                log.info(
                    "job %s cancelled on the server: cancelling its batch job",
                    job_id,
                    extra={"job_id": job_id, "action": "cancel"},
                )
                self._drop(job, cancel=True)

    # -- one job ---------------------------------------------------------------------------
    def start(self, leased: Mapping[str, Any]) -> None:
        """Prepare the inputs, render and submit the batch script, report QUEUED."""
        job_id, job_type = int(leased["id"]), str(leased["type"])
        token = str(leased["lease_token"])
        workdir = self.cfg.work_dir(job_type) / f"job-{job_id}"
        try:
            engine = self.engine_for(job_type, leased["spec"])
        except MolyteError as exc:
            self._fail_untracked(job_id, token, FailureReason.ENGINE_UNAVAILABLE, exc.message)
            return
        job = TrackedJob(
            job_id,
            job_type,
            engine.name,
            token,
            workdir,
            None,
            "CLAIMED",
            partition=leased.get("partition"),
            result_prefix=leased.get("result_prefix"),
        )
        self.tracked[job_id] = job
        self.state.save(job)
        _story(job, f"processing {job_type} job #{job_id} with {engine.name}", "claim")
        try:
            workdir.mkdir(parents=True, exist_ok=True)
            _story(job, f"work directory created: {workdir}", "prepare")
            (workdir / SPEC_FILE).write_text(json.dumps(leased["spec"]))
            plan = engine.prepare(dict(leased["spec"]), workdir, self.ctx)
            script_path = self._write_script(job, plan)
            _story(job, f"inputs and batch script {script_path.name} written", "prepare")
        except OSError as exc:
            reason = (
                FailureReason.DISK_FULL
                if exc.errno in (errno.ENOSPC, errno.EDQUOT)
                else FailureReason.BUILD_FAILED
            )
            self._fail(job, reason, f"preparing the inputs failed: {exc}")
            return
        except RefusedResources as exc:
            self._fail(job, FailureReason.RESOURCES_EXCEEDED, exc.message)
            return
        except MolyteError as exc:
            self._fail(job, FailureReason.INVALID_INPUT, exc.message)
            return
        except Exception as exc:  # an engine's own bug must not stop the worker
            log.exception("preparing job %s failed", job_id, extra={"job_id": job_id})
            self._fail(job, FailureReason.BUILD_FAILED, f"{exc.__class__.__name__}: {exc}")
            return
        job.stage = "PREPARED"
        self.state.save(job)
        self._submit(job, script_path)

    def _submit(self, job: TrackedJob, script_path: Path) -> None:
        """sbatch the prepared job and report QUEUED; while the scheduler's controller does not
        answer the job stays PREPARED and is submitted again next cycle."""
        job.stage = "SUBMITTING"
        self.state.save(job)
        try:
            job.scheduler_id = self.scheduler.submit(script_path, job.workdir)
        except SchedulerUnavailable as exc:
            self.scheduler_down = True
            job.stage = "PREPARED"
            self.state.save(job)
            log.warning(
                "job %s not submitted, trying again next cycle: %s",
                job.job_id,
                exc.message,
                extra={"job_id": job.job_id, "action": "submit"},
            )
            return
        except MolyteError as exc:
            self._fail(job, FailureReason.SUBMIT_FAILED, exc.message)
            return
        self.stats.submitted += 1
        self.state.save(job)
        command, label = SUBMIT_COMMANDS.get(self.scheduler.name, ("submit", "batch job id"))
        _story(
            job, f"`{command} {script_path.name}` submitted: {label} {job.scheduler_id}", "submit"
        )
        self._report(job, "QUEUED", scheduler_job_id=job.scheduler_id)

    def _write_script(self, job: TrackedJob, plan: RunPlan) -> Path:
        script = self.scheduler.render(self._batch_job(job, plan))
        path = job.workdir / BATCH_SCRIPT
        path.write_text(script)
        return path

    def _batch_job(self, job: TrackedJob, plan: RunPlan) -> BatchJob:
        """The batch job for a plan: the plan's resources, which must be within this worker's
        limits for the partition (else RefusedResources, before anything is submitted); the
        partition the job asked for, else the configured one."""
        s = self.cfg.scheduler
        res = plan.resources
        problem = s.limits_for(job.partition).problem(res) or mpi_ranks_problem(
            plan.commands, res.tasks
        )
        if problem is not None:
            partition = job.partition or s.partition or "the default partition"
            raise RefusedResources(f"the job asks for more than {partition} allows: {problem}")
        # The engine's own setup (`engines.<name>`) after the scheduler-wide modules; the
        # plan's variables (thread counts) win over the configured ones.
        setup = self.cfg.engine_setup(job.engine)
        return BatchJob(
            job_id=job.job_id,
            workdir=job.workdir,
            commands=plan.commands,
            resources=res,
            env={**setup.env, **plan.env},
            partition=job.partition or s.partition,
            account=s.account,
            qos=s.qos,
            modules=list(dict.fromkeys([*s.modules, *setup.modules])),
            conda_env=self.cfg.local.conda_env,
            extra_directives=list(s.extra_directives),
            module_use=list(setup.module_use),
            setup=list(setup.setup),
        )

    def follow(self) -> None:
        """Ask the scheduler about every tracked job at once and move each along."""
        self.scheduler_down = False
        in_scheduler = {
            t.scheduler_id: t
            for t in self.tracked.values()
            if t.scheduler_id and t.stage in ("QUEUED", "RUNNING")
        }
        statuses: Mapping[str, BatchStatus] = {}
        if in_scheduler:
            try:
                statuses = self.scheduler.status(list(in_scheduler))
            except ExternalCommandError as exc:
                # Not the jobs' fault: ask again next cycle; the lease keeps them ours.
                self.scheduler_down = True
                log.warning(
                    "the scheduler did not answer about %d jobs, asking again next cycle: %s",
                    len(in_scheduler),
                    exc.message,
                    extra={"action": "status"},
                )
        self.progress.keep(self.tracked)
        for job in list(self.tracked.values()):
            if self.stop_event.is_set():
                return
            if self.scheduler_down and job.scheduler_id in in_scheduler:
                continue
            try:
                self._advance(job, statuses)
                if job.stage == "RUNNING":  # progress and live numbers from its logs
                    self.progress.report(job)
            except SchedulerUnavailable as exc:
                self.scheduler_down = True
                log.warning(
                    "job %s: the scheduler failed, trying again next cycle: %s",
                    job.job_id,
                    exc.message,
                    extra={"job_id": job.job_id, "action": "follow"},
                )
            except RequestRefused as exc:
                log.warning(
                    "job %s: the server refused a report, trying again next cycle: %s",
                    job.job_id,
                    exc.message,
                    extra={"job_id": job.job_id, "action": "follow"},
                )
            except LeaseLost as exc:
                log.warning(
                    "job %s is no longer ours (%s): dropping it",
                    job.job_id,
                    exc,
                    extra={"job_id": job.job_id, "action": "fenced"},
                )
                self._drop(job, cancel=True)

    def _advance(self, job: TrackedJob, statuses: Mapping[str, BatchStatus]) -> None:
        if job.stage == "SUBMITTING" and job.scheduler_id:
            self._report(job, "QUEUED", scheduler_job_id=job.scheduler_id)
            return
        if job.stage == "PREPARED":
            if not self.scheduler_down:
                self._submit(job, job.workdir / BATCH_SCRIPT)
            return
        if job.stage == "CLAIMED":
            # Claimed but never submitted (we died while preparing): nothing runs, so let the
            # lease expire and the server requeue it, rather than guess at a half-built dir.
            log.info("job %s was never submitted; leaving it to lease expiry", job.job_id)
            self._forget(job)
            return
        if job.stage in ("QUEUED", "RUNNING"):
            status = statuses.get(job.scheduler_id or "", BatchStatus(BatchState.UNKNOWN))
            if status.state is BatchState.RUNNING and job.stage == "QUEUED":
                self._report(job, "RUNNING")
            elif status.state.finished or status.state is BatchState.UNKNOWN:
                if status.state is BatchState.UNKNOWN and not self._finished_on_disk(job):
                    return  # not yet visible to the scheduler, or lost: the lease decides
                if self._resubmit(job, status):
                    return
                job.failure_reason = status.failure_reason.value if status.failure_reason else None
                self._report(job, "POSTPROCESSING")
        if job.stage == "POSTPROCESSING":
            self._finish(job)

    def _resubmit(self, job: TrackedJob, status: BatchStatus) -> bool:
        """Run the job again under the same lease when its engine can go on: continue a run cut
        by the time limit from its restart file (MD), or repair a science failure (Gaussian's
        SCF not converged -> scf=xqc). Continuations are bounded here, repairs by the engine."""
        engine = self.engines.get(job.engine)
        if engine is None:
            return False
        plan: RunPlan | None = None
        continued = 0  # the number of this continuation, written once it is submitted
        reason = status.failure_reason
        if reason is FailureReason.TIMEOUT and isinstance(engine, ContinuableEngine):
            counter = job.workdir / CONTINUATIONS_FILE
            done = int(counter.read_text()) if counter.exists() else 0
            if done >= MAX_CONTINUATIONS:
                return False
            try:
                plan = engine.prepare_continue(job.workdir, self.ctx)
            except MolyteError as exc:
                log.info("job %s cannot be continued: %s", job.job_id, exc.message)
                return False
            continued = done + 1
            note = (
                f"TIMEOUT: continued from the last restart file ({done + 1} of {MAX_CONTINUATIONS})"
            )
        elif isinstance(engine, RepairableEngine):
            science = engine.collect(job.workdir).failure_reason
            if science is None or science.is_infrastructure:
                return False
            spec = json.loads((job.workdir / SPEC_FILE).read_text())
            plan = engine.prepare_repair(spec, job.workdir, self.ctx, science)
            note = f"{science}: resubmitted with a repaired input"
        if plan is None:
            return False
        (job.workdir / EXIT_STATUS_FILE).unlink(missing_ok=True)
        script_path = self._write_script(job, plan)
        try:
            scheduler_id = self.scheduler.submit(script_path, job.workdir)
        except SchedulerUnavailable:
            raise  # follow() tries again next cycle; the finished batch job still says why
        except MolyteError as exc:
            log.warning("job %s cannot be resubmitted: %s", job.job_id, exc.message)
            return False
        if continued:
            (job.workdir / CONTINUATIONS_FILE).write_text(str(continued))
        job.scheduler_id = scheduler_id
        self.state.save(job)
        log.info(
            "job %s: %s as %s",
            job.job_id,
            note,
            job.scheduler_id,
            extra={"job_id": job.job_id, "action": "resubmit"},
        )
        self.client.status(
            job.job_id, job.lease_token, job.stage, scheduler_job_id=job.scheduler_id, message=note
        )
        return True

    def _finished_on_disk(self, job: TrackedJob) -> bool:
        return (job.workdir / EXIT_STATUS_FILE).exists()

    def _finish(self, job: TrackedJob) -> None:
        """Collect, upload and report COMPLETED or FAILED."""
        engine = self.engines.get(job.engine)
        result: EngineResult
        if engine is None:
            result = EngineResult({}, [], FailureReason.ENGINE_UNAVAILABLE, "engine missing")
        else:
            try:
                result = engine.collect(job.workdir)
            except Exception as exc:
                log.exception("collecting job %s failed", job.job_id, extra={"job_id": job.job_id})
                result = EngineResult({}, [], FailureReason.ANALYSIS_FAILED, str(exc))
        scheduler_reason = FailureReason(job.failure_reason) if job.failure_reason else None
        reason = scheduler_reason or result.failure_reason
        if scheduler_reason is FailureReason.SCRIPT_FAILED and result.failure_reason is not None:
            reason = result.failure_reason  # the engine read the log: a named failure is better
        if reason is not None:
            message = result.message or reason.value
            status = read_exit_status(job.workdir)
            if status:  # the batch commands failed: say how (a crash shows as a signal)
                message = f"{message} ({describe_exit(status)})"
            self._fail(job, reason, message)
            return
        files = []
        started, total = time.monotonic(), 0
        for path in result.files:
            files.append(self.upload(job, path))
            total += files[-1].size
        _story(
            job,
            f"uploaded {len(files)} result files, {total:,} bytes in "
            f"{time.monotonic() - started:.1f} s",
            "upload",
        )
        run = provenance.collect(job.workdir, job.engine, job.scheduler_id)
        summary = {**result.summary, "provenance": run}
        entries = [f.model_dump(mode="json") for f in files]
        self.client.register_results(job.job_id, job.lease_token, entries, summary)
        self._report(job, "COMPLETED", message=f"{len(files)} result files")
        self.stats.completed += 1
        self._forget(job)

    def _upload_via_server(self, job: TrackedJob, path: Path) -> FileEntry:
        try:
            return upload_result(
                self.client.http, self.client.base_url, job.job_id, job.lease_token, path
            )
        except MolyteError as exc:
            if exc.status_code == 409:
                raise LeaseLost(exc.message) from exc
            raise ServerUnavailable(f"upload of {path.name} failed: {exc.message}") from exc

    # -- reports and cleanup ----------------------------------------------------------------
    def _report(self, job: TrackedJob, state: str, **fields: Any) -> None:
        self.client.status(job.job_id, job.lease_token, state, **fields)
        # PREPARED and SUBMITTING are the worker's own steps; the server still says CLAIMED.
        before = "CLAIMED" if job.stage in ("PREPARED", "SUBMITTING") else job.stage
        if state != before:
            _story(job, f"{before} -> {state}", "status")
        job.stage = state
        if state in ("COMPLETED", "FAILED", "CANCELLED"):
            self._forget(job)
        else:
            self.state.save(job)

    def _fail(self, job: TrackedJob, reason: FailureReason, message: str) -> None:
        log.info(
            "%s job #%s: %s -> FAILED (%s): %s",
            job.job_type,
            job.job_id,
            job.stage,
            reason,
            message[:300],
            extra={"job_id": job.job_id, "action": "fail"},
        )
        self.client.status(
            job.job_id,
            job.lease_token,
            "FAILED",
            failure_reason=reason.value,
            message=message[:2000],
            log_tail=self._log_tail(job.workdir),
        )
        self.stats.failed += 1
        self._forget(job)

    def _fail_untracked(self, job_id: int, token: str, reason: FailureReason, msg: str) -> None:
        with contextlib.suppress(LeaseLost):
            self.client.status(job_id, token, "FAILED", failure_reason=reason.value, message=msg)

    def _drop(self, job: TrackedJob, *, cancel: bool) -> None:
        """Stop following a job that is no longer ours; cancel its batch job; upload nothing."""
        if cancel and job.scheduler_id:
            try:
                self.scheduler.cancel(job.scheduler_id)
            except MolyteError as exc:
                log.warning("cancelling batch job %s failed: %s", job.scheduler_id, exc)
        self.stats.dropped += 1
        self._forget(job)

    def _forget(self, job: TrackedJob) -> None:
        self.tracked.pop(job.job_id, None)
        self.state.drop(job.job_id)

    @staticmethod
    def _log_tail(workdir: Path) -> str | None:
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
