"""PySCF and xtb: the QC engines whose whole calculation runs in the runner module on the node
(`python -m molyte.engines.qc.run .`, `run.py`) in the work dir. Gaussian, which runs
`GAUSSIAN_BIN STEM.gjf` per step, is in `gaussian.py`.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from molyte.domain.qc_spec import NOT_IN_PYSCF, XTB_METHOD, QCSpec
from molyte.domain.resources import Resources
from molyte.domain.states import JobType
from molyte.engines.base import EngineContext, EngineResult, RunPlan
from molyte.engines.qc.geometry import initial_geometry, xyz_text
from molyte.engines.qc.steps import combine, empty_step_summary, plan_steps
from molyte.engines.qc.workdir import (
    INPUT_FILE,
    SUMMARY_FILE,
    engine_result,
    load_run_input,
    scheduler_timeout,
    step_from_json,
    validate_spec,
    write_results,
    write_run_input,
)
from molyte.errors import InvalidInput
from molyte.programs import find_program

RUNNER_MODULE = "molyte.engines.qc.run"


class _RunnerEngine:
    """An engine whose whole calculation runs in the Python runner module on the node."""

    name: str
    job_type = JobType.QC

    def prepare(self, spec: dict[str, Any], workdir: Path, ctx: EngineContext) -> RunPlan:
        """Write `qc_input.json` and `input.xyz`; the plan runs the runner module in `workdir`."""
        qc = validate_spec(spec)
        self._check(qc)
        atoms = initial_geometry(qc.molecule)
        steps = plan_steps(qc, atoms)
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "input.xyz").write_text(xyz_text(atoms, "molyte starting geometry"))
        write_run_input(workdir, qc, self.name, steps, self._extra(ctx))
        res = qc.resources
        threads = str(res.cpus_per_task)
        return RunPlan(
            commands=[[ctx.python, "-m", RUNNER_MODULE, "."]],
            resources=Resources(
                tasks=1,
                cpus_per_task=res.cpus_per_task,
                memory_mb=res.memory_mb,
                walltime_minutes=res.walltime_minutes,
            ),
            files=[INPUT_FILE, "input.xyz"],
            env={"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads},
        )

    def collect(self, workdir: Path) -> EngineResult:
        """Read `summary.json` written by the runner (or say why there is none)."""
        summary_path = workdir / SUMMARY_FILE
        if summary_path.exists():
            summary: dict[str, Any] = json.loads(summary_path.read_text())
        else:
            state = load_run_input(workdir)
            qc = QCSpec.model_validate(state["spec"])
            steps = [step_from_json(s) for s in state["steps"]]
            first = empty_step_summary(steps[0])
            timed_out = scheduler_timeout(workdir)
            first["failure_reason"] = "TIMEOUT" if timed_out else "SCRIPT_FAILED"
            first["message"] = "the runner wrote no summary.json (killed or crashed)"
            summary = combine(qc, self.name, steps, {steps[0].name: first})
            write_results(workdir, summary)
        files = [p for p in sorted(workdir.iterdir()) if p.is_file() and _is_result(p)]
        return engine_result(summary, files)

    def _check(self, spec: QCSpec) -> None:
        """Refuse a spec this engine cannot run."""

    def _extra(self, ctx: EngineContext) -> dict[str, Any]:
        return {}


def _is_result(path: Path) -> bool:
    """Result files worth uploading: inputs, logs, geometries, summaries (not scratch)."""
    return path.suffix in (".json", ".xyz", ".log", ".out", ".err", ".txt")


class PyscfEngine(_RunnerEngine):
    """PySCF (HF/DFT, geomeTRIC, analytic Hessians, PCM/SMD) in the runner module."""

    name = "pyscf"

    def available(self, ctx: EngineContext) -> bool:
        """True when PySCF is importable here."""
        return importlib.util.find_spec("pyscf") is not None

    def _check(self, spec: QCSpec) -> None:
        if spec.method == XTB_METHOD:
            raise InvalidInput(f"method {XTB_METHOD} runs on engine xtb, not pyscf")
        if spec.method in NOT_IN_PYSCF:
            raise InvalidInput(f"method {spec.method} is not available in PySCF")


class XtbEngine(_RunnerEngine):
    """xtb GFN2-xTB, run step by step by the runner module."""

    name = "xtb"

    def available(self, ctx: EngineContext) -> bool:
        """True when `ctx.xtb_bin` is an executable path or on PATH."""
        return find_program(ctx.xtb_bin) is not None

    def _check(self, spec: QCSpec) -> None:
        if spec.method != XTB_METHOD:
            raise InvalidInput(f"engine xtb runs only method {XTB_METHOD}")

    def _extra(self, ctx: EngineContext) -> dict[str, Any]:
        return {"xtb_bin": ctx.xtb_bin}
