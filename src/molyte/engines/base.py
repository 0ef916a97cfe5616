"""The `Engine` seam: `prepare(spec, workdir) -> RunPlan` and `collect(workdir) -> EngineResult`.

An engine turns a validated job spec into input files plus the commands a batch script runs
(on the compute node), and after the batch job ends turns the work directory into a summary,
a list of result files and, when the run failed, a named failure reason.

Two steps are optional, each declared as its own protocol: `ContinuableEngine.prepare_continue`
(go on with a run cut by its time limit) and `RepairableEngine.prepare_repair` (rewrite the
inputs after a science failure). The worker asks `isinstance(engine, ContinuableEngine)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from molyte.domain.failures import FailureReason
from molyte.domain.resources import Resources
from molyte.domain.states import JobType


@dataclass(frozen=True)
class EngineContext:
    """What the worker knows about the machine (from the `local:` section of its config)."""

    python: str
    lammps_bin: str = "lmp"
    gaussian_bin: str = "g16"
    xtb_bin: str = "xtb"
    mpirun: str = "mpirun"
    # Engines whose configured modules/setup did not yield their binary: not advertised.
    missing: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RunPlan:
    """Inputs written by `prepare` and the commands the batch script runs in the work dir.

    Each command is an argv list; the scheduler quotes every word, so nothing here is ever
    interpreted by a shell.
    """

    commands: list[list[str]]
    resources: Resources
    files: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class EngineResult:
    """What `collect` found in a finished work directory."""

    summary: dict[str, Any]
    files: list[Path]
    failure_reason: FailureReason | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure_reason is None


@runtime_checkable
class Engine(Protocol):
    """One simulation program (LAMMPS, Gaussian, PySCF, xtb, ...)."""

    name: str
    job_type: JobType

    def available(self, ctx: EngineContext) -> bool:
        """True when this machine can run the engine (its binary or module is present)."""
        ...

    def prepare(self, spec: dict[str, Any], workdir: Path, ctx: EngineContext) -> RunPlan:
        """Write the input files for `spec` into `workdir` and say how to run them."""
        ...

    def collect(self, workdir: Path) -> EngineResult:
        """Read the finished run in `workdir`: summary, result files, failure reason."""
        ...


@runtime_checkable
class ContinuableEngine(Engine, Protocol):
    """An engine that can go on with a run its time limit cut, from its restart files."""

    def prepare_continue(self, workdir: Path, ctx: EngineContext) -> RunPlan:
        """Write the inputs that continue the cut run in `workdir` (InvalidInput: it cannot)."""
        ...


@runtime_checkable
class RepairableEngine(Engine, Protocol):
    """An engine with a repair policy for its science failures (e.g. Gaussian's SCF)."""

    def prepare_repair(
        self, spec: dict[str, Any], workdir: Path, ctx: EngineContext, failure: FailureReason
    ) -> RunPlan | None:
        """Rewrite the inputs for another attempt after `failure`; None: the policy gives up."""
        ...
