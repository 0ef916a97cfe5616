"""The `Scheduler` seam: `submit(script, workdir) -> id`, `status(ids)`, `cancel(id)`.

Each scheduler is built as pure render -> run command -> pure parse. `status` takes every
tracked id at once so the worker makes one scheduler call per cycle however many jobs it follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from molyte.domain.failures import FailureReason
from molyte.domain.resources import Resources


class BatchState(StrEnum):
    """A batch job's state as the worker needs it, whatever the scheduler calls it."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"  # the scheduler no longer knows the id

    @property
    def finished(self) -> bool:
        return self in (BatchState.COMPLETED, BatchState.FAILED, BatchState.CANCELLED)


@dataclass(frozen=True)
class BatchStatus:
    state: BatchState
    failure_reason: FailureReason | None = None
    exit_code: int | None = None
    raw_state: str = ""


@dataclass(frozen=True)
class BatchJob:
    """Everything a batch script is rendered from; every field is typed and validated."""

    job_id: int
    workdir: Path
    commands: list[list[str]]
    resources: Resources
    env: dict[str, str] = field(default_factory=dict)
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    modules: list[str] = field(default_factory=list)
    conda_env: str | None = None
    extra_directives: list[str] = field(default_factory=list)
    # `module use` directories (before the loads) and free setup lines (after the env), from
    # the worker's `engines:` config.
    module_use: list[str] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"molyte-{self.job_id}"


class Scheduler(Protocol):
    name: str

    def render(self, job: BatchJob) -> str:
        """The batch script for `job` (pure)."""
        ...

    def submit(self, script: Path, workdir: Path) -> str:
        """Submit the batch script; return the scheduler's job id."""
        ...

    def status(self, ids: Sequence[str]) -> dict[str, BatchStatus]:
        """The state of every id, in one scheduler call."""
        ...

    def cancel(self, scheduler_id: str) -> None:
        """Cancel a batch job; cancelling a finished job is not an error."""
        ...
