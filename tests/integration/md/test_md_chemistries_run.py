"""The new chemistries through real LAMMPS: a neat solvent (no salt), a neat ionic liquid, a
divalent salt and the QC-derived borates. Each builds, runs a few ps and is analysed into
finite numbers.

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

import numpy as np
import pytest

from molyte.engines.base import EngineContext, RunPlan
from molyte.engines.md import MDEngine
from molyte.engines.md.library import library_molecule
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


def final_frame(workdir: Path) -> dict[str, np.ndarray]:
    """The final frame's coordinates per species, (molecules, atoms, 3), molecules whole."""
    info = json.loads((workdir / "system.json").read_text())
    lines = (workdir / "final.xyz").read_text().splitlines()[2:]
    coords = np.array([[float(v) for v in line.split()[1:4]] for line in lines])
    frames, start = {}, 0
    for s in info["species"]:
        n = s["count"] * len(s["elements"])
        frames[s["name"]] = coords[start : start + n].reshape(s["count"], -1, 3)
        start += n
    assert start == len(coords)
    return frames


@pytest.mark.parametrize(
    ("salt", "anion", "solvents"),
    [
        ("LiBOB", "BOB", [{"name": "EC", "ratio": 1}, {"name": "DMC", "ratio": 1}]),
        ("LiDFOB", "DFOB", [{"name": "PC"}]),
    ],
)
def test_borate_salt_keeps_its_qc_geometry(
    salt: str, anion: str, solvents: list[dict[str, Any]], tmp_path: Path
) -> None:
    """1 M of a borate salt: the run and its analysis work, and the B-O bonds of the final
    frame stay at the HF/6-31G* length the force field was made from: their mean within
    0.05 A, each within 0.15 A (at 298 K a single B-O bond, k ~ 1400-1700 kJ/mol/A^2,
    fluctuates by about 0.04 A rms, so 0.1 A per bond would fail now and then)."""
    summary = run(
        spec(salts=[{"name": salt, "concentration": 1.0}], solvents=solvents, salt_pairs=2),
        tmp_path,
    )
    assert summary["composition"]["Li"] == summary["composition"][anion] == 2
    assert 0.8 < summary["density"]["mean"] < 1.8
    donors = {"BOB": "O", "DFOB": "F/O"}[anion]  # the record's coordinating elements
    assert any(entry["pair"] == f"Li-{donors}({anion})" for entry in summary["rdf"])
    molecule = library_molecule(anion)
    boron = molecule.elements.index("B")
    b_o = [t for t in molecule.bonds
           if boron in t.atoms and molecule.elements[sum(t.atoms) - boron] == "O"]  # fmt: skip
    assert b_o
    positions = final_frame(tmp_path)[anion]
    r0 = b_o[0].coeffs[1]
    assert all(t.coeffs[1] == r0 for t in b_o)
    lengths = np.array([np.linalg.norm(positions[:, i] - positions[:, j], axis=1)
                        for i, j in (t.atoms for t in b_o)])  # fmt: skip
    assert abs(lengths.mean() - r0) < 0.05, (r0, lengths)
    assert np.all(np.abs(lengths - r0) < 0.15), (r0, lengths)
