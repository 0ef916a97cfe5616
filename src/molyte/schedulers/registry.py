"""Schedulers by short name, as the worker configuration names them (`scheduler: {type: ...}`)."""

from __future__ import annotations

from typing import Any

from molyte.errors import ConfigError
from molyte.schedulers.base import Scheduler
from molyte.schedulers.local import LocalScheduler
from molyte.schedulers.lsf import LSFScheduler
from molyte.schedulers.pbs import PBSScheduler
from molyte.schedulers.sge import SGEScheduler
from molyte.schedulers.slurm import SlurmScheduler

SCHEDULERS: dict[
    str,
    type[SlurmScheduler]
    | type[SGEScheduler]
    | type[PBSScheduler]
    | type[LSFScheduler]
    | type[LocalScheduler],
] = {
    "slurm": SlurmScheduler,
    "sge": SGEScheduler,
    "pbs": PBSScheduler,
    "lsf": LSFScheduler,
    "local": LocalScheduler,
}


def get_scheduler(name: str, **options: Any) -> Scheduler:
    """The scheduler called `name`, built with `options` (e.g. `state_dir` for `local`)."""
    try:
        factory = SCHEDULERS[name]
    except KeyError:
        known = ", ".join(sorted(SCHEDULERS))
        raise ConfigError(f"unknown scheduler {name!r}; choose one of {known}") from None
    try:
        return factory(**options)
    except TypeError as exc:
        raise ConfigError(f"bad options for the {name} scheduler: {exc}") from None
