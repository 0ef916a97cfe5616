"""Per-partition maxima of the worker (issue 13, item 5): a job above them is refused before
anything is submitted, and the batch script's MPI rank count is its `--ntasks`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from molyte.domain.resources import Resources
from molyte.engines.base import EngineContext, RunPlan
from molyte.engines.md.engine import lammps_command
from molyte.schedulers.slurm import SlurmScheduler
from molyte.worker.config import parse_config
from molyte.worker.limits import Limits, mpi_ranks_problem
from molyte.worker.loop import Worker
from molyte.worker.stages.prepare import RefusedResources, batch_job
from molyte.worker.state import LocalState, TrackedJob


def config(tmp_path: Path, **scheduler: Any) -> Any:
    return parse_config(
        {
            "api": {"base_url": "http://server.invalid", "worker_token": "t"},
            "worker": {"name": "w"},
            "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
            "scheduler": scheduler,
        }
    )


def test_limits_come_from_the_partition_then_the_section_then_the_defaults(
    tmp_path: Path,
) -> None:
    s = config(
        tmp_path,
        partition="cpu",
        max_tasks=32,
        limits={"big": {"max_tasks": 256, "max_memory_mb": 1_000_000}, "cpu": {"max_tasks": 16}},
    ).scheduler
    assert s.limits_for(None) == Limits(16, 128, 256_000, 7 * 24 * 60)
    assert s.limits_for("big") == Limits(256, 128, 1_000_000, 7 * 24 * 60)
    assert s.limits_for("other") == Limits(32, 128, 256_000, 7 * 24 * 60)
    cpus = os.cpu_count() or 1
    local = config(tmp_path, type="local").scheduler.limits_for(None)
    assert (local.max_tasks, local.max_cpus_per_task) == (cpus, cpus)
    assert local.max_memory_mb > 100


def test_problem_names_every_resource_above_its_limit() -> None:
    limits = Limits(64, 16, 8000, 60)
    assert limits.problem(Resources(64, 16, 8000, 60)) is None
    assert (
        limits.problem(Resources(1024, 128, 100, 10)) == "tasks 1024 > 64, cpus_per_task 128 > 16"
    )
    assert mpi_ranks_problem([["mpirun", "-np", "4", "lmp"]], 4) is None
    assert mpi_ranks_problem([["mpirun", "-np", "1024", "lmp"]], 64) is not None


def worker(tmp_path: Path, **scheduler: Any) -> Worker:
    state = LocalState(tmp_path / "state.sqlite", "http://server.invalid", "w")
    return Worker(config(tmp_path, **scheduler), None, SlurmScheduler(), {}, state=state)  # type: ignore[arg-type]


def md_plan(tasks: int, cpus: int) -> RunPlan:
    ctx = EngineContext(python="python3")
    return RunPlan(
        commands=[lammps_command(ctx, tasks, "in.lammps", "log.lammps")],
        resources=Resources(tasks=tasks, cpus_per_task=cpus, memory_mb=2000, walltime_minutes=60),
    )


def test_a_job_above_the_limits_is_refused_and_never_clamped(tmp_path: Path) -> None:
    w = worker(tmp_path, partition="cpu", max_cpus_per_task=64)
    job = TrackedJob(7, "MD", "lammps", "tok", tmp_path / "job-7", None, "CLAIMED")
    with pytest.raises(RefusedResources, match=r"cpu allows: tasks 1024 > 64, cpus_per_task"):
        batch_job(w, job, md_plan(1024, 128))
    script = SlurmScheduler().render(batch_job(w, job, md_plan(8, 2)))
    assert "#SBATCH --ntasks=8\n" in script and "mpirun -np 8 " in script
