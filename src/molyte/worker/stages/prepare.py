"""Prepare (CLAIMED -> PREPARED): the engine writes the job's inputs into its work directory
and the scheduler seam renders the batch script, within this worker's limits."""

from __future__ import annotations

import errno
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from molyte.domain.engines import choose_engine, engine_route
from molyte.domain.failures import FailureReason
from molyte.domain.specs import parse_spec
from molyte.domain.states import JobType
from molyte.engines.base import Engine, RunPlan
from molyte.errors import MolyteError
from molyte.protocol import LeasedJob, WorkerStage
from molyte.schedulers.base import BatchJob
from molyte.worker.limits import mpi_ranks_problem
from molyte.worker.stages.context import Jobs, log, story
from molyte.worker.stages.report import fail, fail_untracked
from molyte.worker.state import TrackedJob

SPEC_FILE = "job-spec.json"  # the job's spec, kept for repairs after a restart
BATCH_SCRIPT = "job.sh"


class RefusedResources(MolyteError):
    """A job asks for more than this worker allows on its partition."""

    status_code = 422


def engine_for(jobs: Jobs, job_type: JobType, spec: Mapping[str, Any]) -> Engine:
    """The engine for a job: the first engine of its route that this worker has (the same
    decision as the server's claim filter, `molyte.domain.engines`)."""
    try:
        route = engine_route(parse_spec(job_type, dict(spec)))
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise MolyteError(f"the job's spec is not valid here: {exc}") from exc
    name = choose_engine(route, jobs.engines)
    if name is None:
        raise MolyteError(f"no engine of {route!r} is available on this worker")
    return jobs.engines[name]


def prepare(jobs: Jobs, leased: LeasedJob) -> TrackedJob | None:
    """Track a claimed job and write its inputs and batch script; the job, PREPARED, or None
    when it failed (reported FAILED with a named reason)."""
    job_type = leased.type
    workdir = jobs.cfg.work_dir(job_type.value) / f"job-{leased.id}"
    try:
        engine = engine_for(jobs, job_type, leased.spec)
    except MolyteError as exc:
        reason = FailureReason.ENGINE_UNAVAILABLE
        fail_untracked(jobs, leased.id, leased.lease_token, reason, exc.message)
        return None
    job = TrackedJob(
        leased.id,
        job_type.value,
        engine.name,
        leased.lease_token,
        workdir,
        None,
        WorkerStage.CLAIMED,
        partition=leased.partition,
        result_prefix=leased.result_prefix,
    )
    jobs.track(job)
    story(job, f"processing {job_type} job #{leased.id} with {engine.name}", "claim")
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        story(job, f"work directory created: {workdir}", "prepare")
        (workdir / SPEC_FILE).write_text(json.dumps(leased.spec))
        plan = engine.prepare(dict(leased.spec), workdir, jobs.ctx)
        script_path = write_script(jobs, job, plan)
        story(job, f"inputs and batch script {script_path.name} written", "prepare")
    except OSError as exc:
        reason = (
            FailureReason.DISK_FULL
            if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else FailureReason.BUILD_FAILED
        )
        fail(jobs, job, reason, f"preparing the inputs failed: {exc}")
        return None
    except RefusedResources as exc:
        fail(jobs, job, FailureReason.RESOURCES_EXCEEDED, exc.message)
        return None
    except MolyteError as exc:
        fail(jobs, job, FailureReason.INVALID_INPUT, exc.message)
        return None
    except Exception as exc:  # an engine's own bug must not stop the worker
        log.exception("preparing job %s failed", job.job_id, extra={"job_id": job.job_id})
        fail(jobs, job, FailureReason.BUILD_FAILED, f"{exc.__class__.__name__}: {exc}")
        return None
    jobs.move(job, WorkerStage.PREPARED)
    return job


def write_script(jobs: Jobs, job: TrackedJob, plan: RunPlan) -> Path:
    """Render the plan's batch script into the job's work directory (also for a rerun)."""
    script = jobs.scheduler.render(batch_job(jobs, job, plan))
    path = job.workdir / BATCH_SCRIPT
    path.write_text(script)
    return path


def batch_job(jobs: Jobs, job: TrackedJob, plan: RunPlan) -> BatchJob:
    """The batch job for a plan: the plan's resources, which must be within this worker's
    limits for the partition (else RefusedResources, before anything is submitted); the
    partition the job asked for, else the configured one."""
    cfg = jobs.cfg
    s = cfg.scheduler
    res = plan.resources
    problem = s.limits_for(job.partition).problem(res) or mpi_ranks_problem(
        plan.commands, res.tasks
    )
    if problem is not None:
        partition = job.partition or s.partition or "the default partition"
        raise RefusedResources(f"the job asks for more than {partition} allows: {problem}")
    # The engine's own setup (`engines.<name>`) after the scheduler-wide modules; the
    # plan's variables (thread counts) win over the configured ones.
    setup = cfg.engine_setup(job.engine)
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
        conda_env=cfg.local.conda_env,
        extra_directives=list(s.extra_directives),
        module_use=list(setup.module_use),
        setup=list(setup.setup),
    )
