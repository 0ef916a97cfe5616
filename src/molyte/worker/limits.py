"""The most a worker lets one job ask of a partition, and the check that refuses a job above
it before anything is submitted (a job is never shrunk to fit: a clamped `--ntasks` under an
unchanged `mpirun -np` would run more MPI ranks than Slurm granted)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass

from molyte.domain.resources import Resources

# Without a local machine to measure (Slurm): generous ceilings a cluster admin narrows.
SLURM_DEFAULTS = (64, 128, 256_000, 7 * 24 * 60)


@dataclass(frozen=True)
class Limits:
    """Per-job maxima on one partition."""

    max_tasks: int
    max_cpus_per_task: int
    max_memory_mb: int
    max_walltime_minutes: int

    def problem(self, res: Resources) -> str | None:
        """What in `res` is above these limits, in words, or None when it fits."""
        over = [
            f"{what} {asked} > {most}"
            for what, asked, most in (
                ("tasks", res.tasks, self.max_tasks),
                ("cpus_per_task", res.cpus_per_task, self.max_cpus_per_task),
                ("memory_mb", res.memory_mb, self.max_memory_mb),
                ("walltime_minutes", res.walltime_minutes, self.max_walltime_minutes),
            )
            if asked > most
        ]
        return ", ".join(over) if over else None


def machine_defaults() -> tuple[int, int, int, int]:
    """Limits from this machine, for the local scheduler: its CPUs and memory, 7 days."""
    cpus = os.cpu_count() or 1
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        memory_mb = SLURM_DEFAULTS[2]
    return cpus, cpus, int(memory_mb), SLURM_DEFAULTS[3]


def mpi_ranks_problem(commands: Sequence[Sequence[str]], tasks: int) -> str | None:
    """A command whose `mpirun -np N` is not the batch job's task count, or None."""
    for command in commands:
        for flag, value in itertools.pairwise(command):
            if flag == "-np" and value != str(tasks):
                return f"{command[0]} {flag} {value} but the batch job has {tasks} tasks"
    return None
