"""Real PySCF and xtb runs: execute the RunPlan commands in a tmp dir, then `collect`."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import molyte
from molyte.engines.base import EngineContext, EngineResult
from molyte.engines.qc.cli import parse_output
from molyte.engines.qc.registry import QC_ENGINES
from molyte.programs import find_program

ROOT = Path(__file__).parents[3]
SRC = Path(molyte.__file__).parents[1]
CTX = EngineContext(python=sys.executable)


def _run(engine: str, spec: dict[str, Any], workdir: Path) -> tuple[EngineResult, float]:
    """prepare -> run each command as the batch script would -> collect."""
    eng = QC_ENGINES[engine]
    plan = eng.prepare(spec, workdir, CTX)
    # The runner must import this checkout's molyte, as the batch script's environment would.
    env = {**os.environ, **plan.env, "PYTHONPATH": str(SRC)}
    start = time.monotonic()
    for command in plan.commands:
        proc = subprocess.run(
            command, cwd=workdir, env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    elapsed = time.monotonic() - start
    return eng.collect(workdir), elapsed


def test_pyscf_water_opt_freq_from_the_example_job(tmp_path: Path) -> None:
    spec = json.loads((ROOT / "examples" / "qc-job.json").read_text())["spec"]
    result, elapsed = _run("pyscf", spec, tmp_path)
    s = result.summary
    assert result.ok, result.message
    assert elapsed < 60
    assert s["engine"] == "pyscf" and s["task"] == "opt_freq"
    assert s["method"] == "HF" and s["basis"] == "6-31G*"
    # HF/6-31G* water at its minimum: E = -76.0107 hartree, harmonic frequencies
    # about 1827, 4070, 4189 cm-1 (NIST CCCBDB)
    assert s["scf_energy_hartree"] == pytest.approx(-76.0107, abs=2e-4)
    assert len(s["frequencies_cm1"]) == 3
    assert s["frequencies_cm1"] == pytest.approx([1827, 4070, 4189], abs=30)
    assert s["imaginary_frequencies"] == []
    assert s["homo_ev"] < s["lumo_ev"]
    assert s["gap_ev"] == pytest.approx(s["lumo_ev"] - s["homo_ev"])
    assert -0.0 > s["homo_ev"] > -16
    assert 2.0 < s["dipole_debye"] < 2.6
    assert s["free_energy_hartree"] < s["scf_energy_hartree"] + 0.03
    assert s["free_energy_hartree"] == pytest.approx(s["scf_energy_hartree"] + 0.004, abs=0.01)
    assert sum(s["mulliken_charges"]) == pytest.approx(0.0, abs=1e-6)
    assert s["mulliken_charges"][0] < 0  # oxygen
    # O-H bond length at the HF/6-31G* minimum: 0.947 Angstrom
    o, h = s["geometry"][0], s["geometry"][1]
    assert sum((o[k] - h[k]) ** 2 for k in (1, 2, 3)) ** 0.5 == pytest.approx(0.947, abs=0.005)
    names = {p.name for p in result.files}
    assert {"summary.json", "final.xyz", "qc_input.json", "molecule.log"} <= names
    assert (tmp_path / "final.xyz").read_text().splitlines()[0] == "3"
    assert json.loads((tmp_path / "summary.json").read_text()) == s
    # `molyte qc parse` on the PySCF log reads the runner's summary beside it
    assert parse_output(tmp_path / "molecule.log")["scf_energy_hartree"] == s["scf_energy_hartree"]


needs_xtb = pytest.mark.skipif(find_program("xtb") is None, reason="xtb is not installed")


@needs_xtb
def test_xtb_optimisation_of_ethylene_carbonate(tmp_path: Path) -> None:
    spec = {"molecule": {"smiles": "O=C1OCCO1"}, "method": "GFN2-xTB", "task": "opt_freq"}
    result, elapsed = _run("xtb", spec, tmp_path)
    s = result.summary
    assert result.ok, result.message
    assert elapsed < 60
    assert s["engine"] == "xtb" and s["basis"] is None
    # GFN2-xTB total energy of EC in the gas phase: about -20.69 hartree
    assert s["scf_energy_hartree"] == pytest.approx(-20.69, abs=0.02)
    assert s["homo_ev"] < s["lumo_ev"]
    assert len(s["frequencies_cm1"]) == 24
    assert s["imaginary_frequencies"] == []
    # the C=O stretch, GFN2 puts it near 1800 cm-1
    assert max(f for f in s["frequencies_cm1"] if f < 2500) == pytest.approx(1800, abs=120)
    assert len(s["geometry"]) == 10
    assert (tmp_path / "final.xyz").exists()


@needs_xtb
def test_xtb_li_binding_energy_of_ethylene_carbonate(tmp_path: Path) -> None:
    spec = {
        "molecule": {"smiles": "O=C1OCCO1"},
        "method": "GFN2-xTB",
        "task": "binding_energy",
        "ion": "Li",
    }
    result, _ = _run("xtb", spec, tmp_path)
    s = result.summary
    assert result.ok, result.message
    # Li+-EC binding is strongly favourable: DFT gives about -50 kcal/mol
    assert -80 < s["binding_energy_kcal_mol"] < -30
    assert s["charge"] == 1 and len(s["geometry"]) == 11
    assert set(s["steps"]) == {"solvent", "ion", "complex"}


def test_pyscf_li_water_binding_energy(tmp_path: Path) -> None:
    spec = {
        "molecule": {"smiles": "O"},
        "task": "binding_energy",
        "ion": "Li",
        "method": "HF",
        "basis": "3-21G",
        "engine": "pyscf",
    }
    result, elapsed = _run("pyscf", spec, tmp_path)
    s = result.summary
    assert result.ok, result.message
    assert elapsed < 60
    # Li+-OH2 binds by about -34 kcal/mol; HF/3-21G overbinds (no BSSE correction)
    assert -75 < s["binding_energy_kcal_mol"] < -25
    steps = s["steps"]
    assert steps["ion"]["scf_energy_hartree"] == pytest.approx(-7.1873, abs=2e-3)  # HF/3-21G Li+
    complex_geometry = s["geometry"]
    assert [a[0] for a in complex_geometry] == ["O", "H", "H", "Li"]
    o, li = complex_geometry[0], complex_geometry[3]
    assert sum((o[k] - li[k]) ** 2 for k in (1, 2, 3)) ** 0.5 == pytest.approx(1.8, abs=0.15)
    assert s["binding_energy_kcal_mol"] == pytest.approx(
        (s["scf_energy_hartree"] - steps["ion"]["scf_energy_hartree"]
         - steps["solvent"]["scf_energy_hartree"]) * 627.5094740631
    )  # fmt: skip


@needs_xtb
def test_xtb_oxidation_potential_in_implicit_solvent(tmp_path: Path) -> None:
    spec = {
        "molecule": {"smiles": "O=C1OCCO1"},
        "method": "GFN2-xTB",
        "task": "redox",
        "redox": "oxidation",
        "solvation": {"model": "pcm", "solvent": "acetone"},
    }
    result, _ = _run("xtb", spec, tmp_path)
    s = result.summary
    assert result.ok, result.message
    steps = s["steps"]
    assert (steps["oxidized"]["charge"], steps["oxidized"]["multiplicity"]) == (1, 2)
    assert steps["oxidized"]["imaginary_frequencies"] == []
    dg = steps["oxidized"]["free_energy_hartree"] - steps["initial"]["free_energy_hartree"]
    assert s["redox_delta_g_ev"] == pytest.approx(dg * 27.211386245988)
    # raw GFN2 ionisation free energies are several eV too high (no IP shift), so only the
    # sign and the reference arithmetic are checked here
    assert s["redox_potential_absolute_v"] > 5
    assert s["redox_potential_v"] == pytest.approx(s["redox_potential_absolute_v"] - 1.40)
    assert "Li/Li+" in s["redox_reference"]
    assert s["solvation"] == {
        "model": "pcm",
        "solvent": "acetone",
        "epsilon": None,
        "engine_model": "ALPB",
    }


def test_pyscf_named_failure_reaches_collect(tmp_path: Path) -> None:
    """A basis without iodine: the runner exits 0 and `collect` names BASIS_NOT_FOUND."""
    spec = {
        "molecule": {"xyz": "I 0 0 0\nI 0 0 2.67"},
        "task": "sp",
        "method": "HF",
        "basis": "6-31G*",
        "engine": "pyscf",
    }
    result, _ = _run("pyscf", spec, tmp_path)
    assert result.failure_reason is not None
    assert result.failure_reason.value == "BASIS_NOT_FOUND"
    assert result.summary["normal_termination"] is False
    assert "I in 6-31G*" in (result.message or "")


def test_pyscf_b3lyp_matches_gaussian_conventions(tmp_path: Path) -> None:
    """B3LYP (VWN-RPA) with Cartesian d shells in 6-31G*: the Gaussian 16 water minimum,
    E = -76.40895 hartree (NIST CCCBDB, B3LYP/6-31G*)."""
    spec = {
        "molecule": {"smiles": "O"},
        "task": "opt",
        "method": "B3LYP",
        "basis": "6-31G*",
        "engine": "pyscf",
    }
    result, elapsed = _run("pyscf", spec, tmp_path)
    assert result.ok, result.message
    assert elapsed < 60
    assert result.summary["scf_energy_hartree"] == pytest.approx(-76.40895, abs=1e-4)
    assert result.summary["frequencies_cm1"] == []
