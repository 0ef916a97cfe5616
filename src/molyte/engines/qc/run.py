"""The PySCF/xtb runner, run by the batch script on the compute node:
`python -m molyte.engines.qc.run WORKDIR`.

It reads `qc_input.json` written by `prepare`, runs every step of the task in order (a later
step starts from an earlier step's optimised geometry), and writes each step's files, the
combined `summary.json` and `final.xyz`. Exit status 0 whenever it wrote `summary.json`, also
when a named failure (SCF_NOT_CONVERGED, ...) stopped the calculation: that failure is in the
summary, and `collect` reports it, whereas a failed batch script would be reported by the
scheduler as the less specific SCRIPT_FAILED. Exit status 2 on a work dir it cannot use.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

from molyte.domain.failures import FailureReason
from molyte.domain.qc_spec import QCSpec
from molyte.engines.qc.steps import Step, combine, empty_step_summary, start_from_results
from molyte.engines.qc.workdir import load_run_input, step_from_json, write_results
from molyte.errors import MolyteError


def run_step(state: dict[str, Any], spec: QCSpec, step: Step, workdir: Path) -> dict[str, Any]:
    """Run one step with the engine recorded in `state`; return its summary."""
    if state["engine"] == "xtb":
        from molyte.engines.qc.xtb import run_xtb_step

        return run_xtb_step(state["xtb_bin"], spec, step, workdir / step.name)
    from molyte.engines.qc.pyscf_calc import pyscf_params, run_pyscf

    return run_pyscf(pyscf_params(spec, step), workdir / f"{step.name}.log")


def run_directory(workdir: Path) -> dict[str, Any]:
    """Run every step recorded in `workdir`, write the results and return the summary."""
    state = load_run_input(workdir)
    spec = QCSpec.model_validate(state["spec"])
    steps = [step_from_json(s) for s in state["steps"]]
    results: dict[str, dict[str, Any]] = {}
    for planned in steps:
        step = start_from_results(spec, planned, results)
        try:
            results[step.name] = run_step(state, spec, step, workdir)
        except Exception as exc:  # the runner must always leave a summary behind
            failed = empty_step_summary(step)
            failed["failure_reason"] = FailureReason.UNKNOWN.value
            failed["message"] = f"{type(exc).__name__}: {exc}"
            (workdir / f"{step.name}.traceback.txt").write_text(traceback.format_exc())
            results[step.name] = failed
        if not results[step.name]["normal_termination"]:
            break
    summary = combine(spec, state["engine"], steps, results)
    write_results(workdir, summary)
    return summary


def main(argv: list[str]) -> int:
    """Entry point: run the work dir given as the only argument."""
    if len(argv) != 1:
        print("usage: python -m molyte.engines.qc.run WORKDIR", file=sys.stderr)
        return 2
    workdir = Path(argv[0]).resolve()
    os.chdir(workdir)  # geomeTRIC and xtb write their scratch files in the current directory
    try:
        summary = run_directory(workdir)
    except MolyteError as exc:
        print(f"molyte qc run: {exc}", file=sys.stderr)
        return 2
    if not summary["normal_termination"]:
        print(f"molyte qc run: {summary['failure_reason']}: {summary['message']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
