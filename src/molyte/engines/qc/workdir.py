"""Files every QC engine shares in a work dir: `qc_input.json` (what `prepare` decided),
`summary.json` and `final.xyz` (what the run found), and the finished `EngineResult`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from molyte.domain.failures import FailureReason
from molyte.domain.qc_spec import QCSpec, Task
from molyte.engines.base import EngineResult
from molyte.engines.qc.geometry import Atom, xyz_text
from molyte.engines.qc.steps import Step
from molyte.errors import InvalidInput

INPUT_FILE = "qc_input.json"
SUMMARY_FILE = "summary.json"
FINAL_XYZ = "final.xyz"
# How Slurm marks a job it killed at its time limit, in the job's stdout/stderr.
_TIME_LIMIT_MARK = "DUE TO TIME LIMIT"


def validate_spec(spec: dict[str, Any]) -> QCSpec:
    """The validated QC spec; InvalidInput naming each bad field otherwise."""
    try:
        return QCSpec.model_validate(spec)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'spec'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidInput(f"invalid QC spec: {problems}") from exc


def write_run_input(
    workdir: Path, spec: QCSpec, engine: str, steps: list[Step], extra: dict[str, Any]
) -> None:
    """Record the validated spec, the engine and the planned steps for the runner and `collect`."""
    data = {
        "spec": spec.model_dump(mode="json"),
        "engine": engine,
        "steps": [asdict(s) for s in steps],
        **extra,
    }
    (workdir / INPUT_FILE).write_text(json.dumps(data, indent=2) + "\n")


def load_run_input(workdir: Path) -> dict[str, Any]:
    """What `prepare` recorded in `workdir`."""
    path = workdir / INPUT_FILE
    if not path.exists():
        raise InvalidInput(f"{path} is missing: this work dir was not prepared by a QC engine")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def step_from_json(data: dict[str, Any]) -> Step:
    """A `Step` from its `qc_input.json` form."""
    atoms: tuple[Atom, ...] = tuple((str(a[0]), a[1], a[2], a[3]) for a in data["atoms"])
    return Step(data["name"], Task(data["task"]), data["charge"], data["multiplicity"], atoms)


def write_results(workdir: Path, summary: dict[str, Any]) -> list[Path]:
    """Write `summary.json` and, when there is a geometry, `final.xyz`; return their paths."""
    paths = [workdir / SUMMARY_FILE]
    paths[0].write_text(json.dumps(summary, indent=2) + "\n")
    if summary.get("geometry"):
        atoms = [(str(a[0]), float(a[1]), float(a[2]), float(a[3])) for a in summary["geometry"]]
        comment = f"{summary.get('engine')} {summary.get('task')} final geometry"
        (workdir / FINAL_XYZ).write_text(xyz_text(atoms, comment))
        paths.append(workdir / FINAL_XYZ)
    return paths


def scheduler_timeout(workdir: Path) -> bool:
    """True when a batch-job output in `workdir` says the scheduler hit the time limit."""
    for path in workdir.iterdir():
        if path.suffix in (".out", ".err") and path.is_file():
            with path.open("rb") as fh:
                fh.seek(max(0, path.stat().st_size - 20_000))
                if _TIME_LIMIT_MARK in fh.read().decode(errors="replace"):
                    return True
    return False


def engine_result(summary: dict[str, Any], files: list[Path]) -> EngineResult:
    """The `EngineResult` of a summary: a named failure unless every step ended normally."""
    reason = summary.get("failure_reason")
    failure = None if summary["normal_termination"] else FailureReason(reason or "UNKNOWN")
    return EngineResult(
        summary=summary,
        files=[f for f in dict.fromkeys(files) if f.exists()],
        failure_reason=failure,
        message=summary.get("message"),
    )
