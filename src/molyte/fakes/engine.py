"""`ScriptEngine`: a test double of an engine (never reachable from a user's job spec).

`ScriptEngine` runs fixed commands instead of a simulation, so the worker, schedulers and
storage can be tested end to end without LAMMPS or PySCF. A worker only uses it when a test
builds the worker with it explicitly; job specs cannot name it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from molyte.domain.failures import FailureReason
from molyte.domain.resources import Resources
from molyte.domain.states import JobType
from molyte.engines.base import EngineContext, EngineResult, RunPlan

__all__ = ["ScriptEngine"]


@dataclass
class ScriptEngine:
    """An engine whose run is `commands` (argv lists); it "prepares" by writing the spec."""

    job_type: JobType
    commands: Sequence[Sequence[str]]
    name: str = "lammps"
    walltime_minutes: int = 5
    outputs: Sequence[str] = ("result.txt",)
    prepared: list[int] = field(default_factory=list)

    def available(self, ctx: EngineContext) -> bool:
        return True

    def prepare(self, spec: dict[str, Any], workdir: Path, ctx: EngineContext) -> RunPlan:
        (workdir / "spec.json").write_text(json.dumps(spec))
        self.prepared.append(len(self.prepared))
        return RunPlan(
            commands=[list(c) for c in self.commands],
            resources=Resources(walltime_minutes=self.walltime_minutes),
            files=["spec.json"],
        )

    def collect(self, workdir: Path) -> EngineResult:
        files = [workdir / name for name in self.outputs]
        missing = [f.name for f in files if not f.exists()]
        if missing:
            return EngineResult(
                {}, [], FailureReason.SCRIPT_FAILED, f"missing output: {', '.join(missing)}"
            )
        summary = {"engine": "script", "outputs": {f.name: f.stat().st_size for f in files}}
        return EngineResult(summary, files)
