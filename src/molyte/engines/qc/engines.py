"""The QC engines by short name, the choice for `engine: auto`, and what this machine can run.

PySCF and xtb run through the runner module (`python -m molyte.engines.qc.run .`) in the work
dir; Gaussian runs `GAUSSIAN_BIN STEM.gjf` per step and is parsed by `collect`.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from molyte.domain.engines import choose_engine, engine_route, route_engines
from molyte.domain.qc_spec import NOT_IN_PYSCF, XTB_METHOD, QCSpec
from molyte.domain.resources import Resources
from molyte.domain.states import JobType
from molyte.engines.base import Engine, EngineContext, EngineResult, RunPlan
from molyte.engines.qc.gaussian import Attempt, GaussianEngine, build_gjf
from molyte.engines.qc.geometry import initial_geometry, xyz_text
from molyte.engines.qc.pyscf_calc import pyscf_params
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
from molyte.engines.qc.xtb import step_xyz, xtb_command
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


QC_ENGINES: dict[str, Engine] = {
    "gaussian": GaussianEngine(),
    "pyscf": PyscfEngine(),
    "xtb": XtbEngine(),
}


def engines_available(ctx: EngineContext) -> list[str]:
    """Names of the QC engines this machine can run (the worker advertises these)."""
    return [name for name, engine in QC_ENGINES.items() if engine.available(ctx)]


def resolve_engine_name(spec: QCSpec, gaussian_available: bool) -> str:
    """The engine name for `spec` on a machine with PySCF and xtb, and Gaussian when
    `gaussian_available`: the first engine of its route there (`molyte.domain.engines`), else
    the route's first engine (whose absence the caller then reports)."""
    route = engine_route(spec)
    here = {"pyscf", "xtb", *(["gaussian"] if gaussian_available else [])}
    return choose_engine(route, here) or route_engines(route)[0]


def select_engine(spec: QCSpec, ctx: EngineContext) -> Engine:
    """The engine that runs `spec` on this machine (see `resolve_engine_name`); raises
    InvalidInput when that engine is not available here."""
    name = resolve_engine_name(spec, QC_ENGINES["gaussian"].available(ctx))
    engine = QC_ENGINES[name]
    if not engine.available(ctx):
        raise InvalidInput(f"engine {name} is not available on this machine")
    return engine


def render_input(spec: QCSpec, engine: str, xtb_bin: str = "xtb") -> str:
    """What `prepare` would write, for people to read: the `.gjf` of each step for Gaussian,
    the xtb command and XYZ of each step, or the PySCF run parameters as JSON."""
    steps = plan_steps(spec, initial_geometry(spec.molecule))
    parts: list[str] = []
    for step in steps:
        if engine == "gaussian":
            stem = "input" if len(steps) == 1 else step.name
            text = build_gjf(spec, step, stem, Attempt(), restart=False)
            parts.append(text if len(steps) == 1 else f"! {stem}.gjf\n{text}")
        elif engine == "xtb":
            command = " ".join(xtb_command(xtb_bin, spec, step))
            parts.append(f"# step {step.name}: {command}\n{step_xyz(step)}")
        else:
            parts.append(json.dumps(pyscf_params(spec, step), indent=2) + "\n")
    if engine == "pyscf" and len(steps) > 1:
        return "[\n" + ",\n".join(p.rstrip() for p in parts) + "\n]\n"
    return "\n".join(parts)
