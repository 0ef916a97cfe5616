"""`MDEngine`: the LAMMPS engine behind the `Engine` protocol.

- `prepare(spec, workdir, ctx)` builds a fresh run (always from scratch) and returns the
  commands: LAMMPS (through `mpirun -np N` when the spec asks for more than one task), then
  `python -m molyte.engines.md.analyze .` on the compute node.
- `prepare_continue(workdir, ctx)` continues a run that was cut (e.g. by its time limit) from
  the newest complete one of its two restart files: it writes `in.continue.lammps` (the same
  stages from the restart's step on) and runs it with the next numbered log (`log.1.lammps`,
  ...) and its own trajectory and stress segments (`traj.1.dcd`, `stress.1.dat`: LAMMPS
  cannot append to a DCD file); the analysis chains them and merges the logs. `prepare`
  itself always starts afresh (it deletes what an earlier attempt left).
- `collect(workdir)` reads the logs (failure reason, by the pure parser in `logparse`) and
  summary.json, and lists the result files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from molyte.domain.failures import FailureReason
from molyte.domain.md_spec import MDSpec
from molyte.domain.resources import Resources
from molyte.domain.states import JobType
from molyte.engines.base import EngineContext, EngineResult, RunPlan
from molyte.engines.md.builder import INPUT_FILE, SYSTEM_FILE, build
from molyte.engines.md.lammps_input import (
    LEGACY_TRAJECTORY,
    RESTART_FILES,
    STRESS,
    TRAJECTORY,
    ScriptSettings,
    Stage,
    render_input,
    restart_timestep,
    segments,
)
from molyte.engines.md.logparse import find_failure, log_files
from molyte.engines.md.names import ERROR_FILE, SUMMARY
from molyte.errors import InvalidInput
from molyte.programs import find_program

CONTINUE_INPUT = "in.continue.lammps"
# Open MPI refuses to run as root without these; MPICH ignores them.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
RESULT_FILES = (
    SUMMARY, "thermo.csv", "final.pdb", "final.xyz", "final.data", LEGACY_TRAJECTORY, INPUT_FILE,
    CONTINUE_INPUT, "system.data", SYSTEM_FILE,
)  # fmt: skip


def parse_md_spec(spec: dict[str, Any]) -> MDSpec:
    try:
        return MDSpec.model_validate(spec)
    except ValidationError as exc:
        raise InvalidInput(f"invalid MD spec: {exc}") from exc


def lammps_command(ctx: EngineContext, tasks: int, input_file: str, log: str) -> list[str]:
    lammps = [ctx.lammps_bin, "-in", input_file, "-log", log]
    return [ctx.mpirun, "-np", str(tasks), *lammps] if tasks > 1 else lammps


class MDEngine:
    name = "lammps"
    job_type = JobType.MD

    def available(self, ctx: EngineContext) -> bool:
        """LAMMPS runs the job; Packmol is needed by `prepare` on this machine."""
        return (
            find_program(ctx.lammps_bin, beside_python=True) is not None
            and find_program("packmol", beside_python=True) is not None
        )

    def prepare(self, spec: dict[str, Any], workdir: Path, ctx: EngineContext) -> RunPlan:
        md = parse_md_spec(spec)
        _remove_outputs(workdir)
        result = build(md, workdir)
        return self._plan(md.resources.model_dump(), ctx, INPUT_FILE, "log.lammps", result.files)

    def prepare_continue(self, workdir: Path, ctx: EngineContext) -> RunPlan:
        """Continue a cut run from its newest restart file (see the module docstring)."""
        info = json.loads((workdir / SYSTEM_FILE).read_text())
        restarts = [workdir / name for name in RESTART_FILES if (workdir / name).is_file()]
        if not restarts:
            raise InvalidInput("no restart file to continue from: prepare the job afresh")
        # A job killed while writing a restart file leaves it short: of two files of one system
        # only the full-sized ones are complete.
        complete = [
            p for p in restarts if p.stat().st_size == max(r.stat().st_size for r in restarts)
        ]
        latest = max(complete, key=restart_timestep)
        step = restart_timestep(latest)
        settings = ScriptSettings(
            temperature=info["temperature"],
            pressure=info["pressure"],
            timestep=info["timestep_fs"],
            anneal_temperature=info["settings"]["anneal_temperature"],
            thermo_interval=info["thermo_interval"],
            dump_interval=info["dump_interval"],
            restart_interval=info["restart_interval"],
            seed=info["settings"]["seed"],
            cutoff=info["cutoff"],
            minimize=False,
            shake_bonds=info["settings"]["shake_bonds"],
            shake_angles=info["settings"]["shake_angles"],
            compress_to=info.get("box_length_estimate"),
        )
        stages = [Stage(s["name"], s["start"], s["end"]) for s in info["stages"]]
        segment = len(log_files(workdir))
        text = render_input(
            settings, stages, restart_file=latest.name, start_step=step, segment=segment
        )
        (workdir / CONTINUE_INPUT).write_text(text)
        log = f"log.{segment}.lammps"
        return self._plan(info.get("resources", {}), ctx, CONTINUE_INPUT, log, [CONTINUE_INPUT])

    def _plan(
        self,
        resources: dict[str, int],
        ctx: EngineContext,
        input_file: str,
        log: str,
        files: list[str],
    ) -> RunPlan:
        res = Resources(**resources) if resources else Resources()
        commands = [
            lammps_command(ctx, res.tasks, input_file, log),
            [ctx.python, "-m", "molyte.engines.md.analyze", "."],
        ]
        return RunPlan(commands=commands, resources=res, files=files, env=dict(MPI_ENV))

    def collect(self, workdir: Path) -> EngineResult:
        logs = log_files(workdir)
        files = [p for p in (workdir / n for n in RESULT_FILES) if p.is_file()]
        files += segments(workdir, TRAJECTORY) + segments(workdir, STRESS)
        files += sorted(workdir.glob("rdf_*.csv")) + sorted(workdir.glob("msd_*.csv")) + logs
        summary: dict[str, Any] = {"engine": self.name}
        if not logs:
            return EngineResult(summary, files, FailureReason.SCRIPT_FAILED, "LAMMPS wrote no log")
        failure = find_failure(logs[-1].read_text())
        if failure is not None:
            summary["failure"] = {"reason": str(failure.reason), "message": failure.message}
            return EngineResult(summary, files, failure.reason, failure.message)
        if not (workdir / SUMMARY).is_file():
            error = workdir / ERROR_FILE
            message = (
                error.read_text().strip().splitlines()[-1]
                if error.is_file()
                else ("the analysis wrote no summary.json")
            )
            files += [error] if error.is_file() else []
            return EngineResult(summary, files, FailureReason.ANALYSIS_FAILED, message)
        summary = json.loads((workdir / SUMMARY).read_text())
        return EngineResult(summary, files)


def _remove_outputs(workdir: Path) -> None:
    """Delete what an earlier attempt left, so `collect` never reads a stale result."""
    if not workdir.is_dir():
        return
    stale = [workdir / n for n in (*RESULT_FILES, *RESTART_FILES, ERROR_FILE)]
    stale += [*log_files(workdir), *workdir.glob("rdf_*.csv"), *workdir.glob("msd_*.csv")]
    stale += [*segments(workdir, TRAJECTORY), *segments(workdir, STRESS)]
    for path in stale:
        path.unlink(missing_ok=True)
