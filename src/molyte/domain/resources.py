"""`Resources`: what one batch job asks of the scheduler (tasks, CPUs, memory, walltime).

Engines decide it (`RunPlan.resources`, from the spec's `ResourcesSpec`), the schedulers render
it into their directives and the worker checks it against a partition's limits. It lives in the
domain, the layer all three import, so that neither the engine nor the scheduler seam imports
the other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resources:
    """What a batch job asks of the scheduler."""

    tasks: int = 1
    cpus_per_task: int = 1
    memory_mb: int = 2000
    walltime_minutes: int = 60
