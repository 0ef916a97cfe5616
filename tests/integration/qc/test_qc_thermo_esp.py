"""Thermochemistry on PySCF and xtb checked against each other and against water's known
values, PySCF's ESP charges, and a QC job's charges feeding an MD species (real PySCF, xtb,
antechamber)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import molyte
from molyte.domain.charges import charges_for_species
from molyte.engines.base import EngineContext, EngineResult
from molyte.engines.md import MDEngine
from molyte.engines.md.builder import parameterise
from molyte.engines.md.composition import smiles_species
from molyte.engines.qc.esp import ESP_METHOD
from molyte.engines.qc.registry import QC_ENGINES
from molyte.programs import find_program

pytestmark = pytest.mark.timeout(600)

# Water's harmonic ZPE from its experimental harmonic frequencies 3832.2, 1648.5 and
# 3942.5 cm-1 (Benedict, Gailar & Plyler, J. Chem. Phys. 24 (1956) 1139): 4711.6 cm-1.
WATER_ZPE_HARTREE = 4711.6 / 219474.63
# Ideal-gas thermal enthalpy without the ZPE: 3/2 RT (translation) + 3/2 RT (rotation) + RT
# (pV) at 298.15 K; the vibrations of water add under 1e-5 hartree at room temperature.
FOUR_RT_HARTREE = 4 * 8.314462618 * 298.15 / 2625499.6
# Water's standard entropy, 188.83 J/(mol K) at 298.15 K (NIST-JANAF); T*S in hartree.
WATER_TS_HARTREE = 298.15 * 188.83 / 2625499.6


def _run(engine: str, spec: dict[str, Any], workdir: Path) -> EngineResult:
    """prepare -> each command as the batch script runs it (this checkout's molyte) -> collect."""
    eng = QC_ENGINES[engine]
    plan = eng.prepare(spec, workdir, EngineContext(python=sys.executable))
    env = {**os.environ, **plan.env, "PYTHONPATH": str(Path(molyte.__file__).parents[1])}
    for command in plan.commands:
        proc = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return eng.collect(workdir)


def _water(engine: str, tmp_path: Path, **spec: Any) -> dict[str, Any]:
    body = {"molecule": {"smiles": "O"}, "task": "opt_freq", **spec}
    result = _run(engine, body, tmp_path)
    assert result.ok, result.message
    return result.summary


def _check_thermo(s: dict[str, Any], zpe_tolerance: float) -> None:
    assert s["thermo_temperature_k"] == pytest.approx(298.15)
    assert s["zero_point_energy_hartree"] == pytest.approx(WATER_ZPE_HARTREE, rel=zpe_tolerance)
    thermal = s["enthalpy_hartree"] - s["scf_energy_hartree"] - s["zero_point_energy_hartree"]
    assert thermal == pytest.approx(FOUR_RT_HARTREE, abs=5e-5)
    # G = H - TS; the entropy is almost all translation and rotation, so any method gets it
    assert s["enthalpy_hartree"] - s["free_energy_hartree"] == pytest.approx(
        WATER_TS_HARTREE, rel=0.01
    )


def test_pyscf_water_thermochemistry_and_esp_charges(tmp_path: Path) -> None:
    s = _water("pyscf", tmp_path, method="B3LYP", basis="6-31G*")
    # B3LYP/6-31G* harmonic frequencies are a few per cent below experiment's
    _check_thermo(s, zpe_tolerance=0.03)
    assert s["thermo_pressure_atm"] == pytest.approx(1.0)
    assert s["thermal_energy_hartree"] < s["enthalpy_hartree"]
    charges = s["esp_charges"]
    assert s["esp_charges_method"] == ESP_METHOD
    assert len(charges) == 3 and sum(charges) == pytest.approx(0.0, abs=1e-9)
    assert -0.9 < charges[0] < -0.6  # oxygen
    assert charges[1] == pytest.approx(charges[2], abs=0.005)  # the two hydrogens
    # Fitted to the potential, the charges reproduce the molecule's dipole (a few per cent).
    coords = np.array([a[1:] for a in s["geometry"]])
    dipole_debye = float(np.linalg.norm(np.array(charges) @ coords)) / 0.20819434
    assert dipole_debye == pytest.approx(s["dipole_debye"], rel=0.05)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["esp_charges"] == charges


@pytest.mark.skipif(find_program("xtb") is None, reason="xtb is not installed")
def test_xtb_water_thermochemistry_agrees_with_pyscf(tmp_path: Path) -> None:
    xtb = _water("xtb", tmp_path / "xtb", method="GFN2-xTB")
    _check_thermo(xtb, zpe_tolerance=0.08)
    pyscf = _water("pyscf", tmp_path / "pyscf", method="B3LYP", basis="6-31G*")
    # the two engines' ZPE within 8 % of each other; their thermal terms (H - E - ZPE) and
    # T*S (H - G) within 1e-4 hartree, 0.06 kcal/mol (the geometries, hence the moments of
    # inertia, differ; measured: 4.8e-5 hartree apart in T*S)
    assert xtb["zero_point_energy_hartree"] == pytest.approx(
        pyscf["zero_point_energy_hartree"], rel=0.08
    )
    thermal = [
        s["enthalpy_hartree"] - s["scf_energy_hartree"] - s["zero_point_energy_hartree"]
        for s in (xtb, pyscf)
    ]
    assert thermal[0] == pytest.approx(thermal[1], abs=1e-4)
    entropy = [s["enthalpy_hartree"] - s["free_energy_hartree"] for s in (xtb, pyscf)]
    assert entropy[0] == pytest.approx(entropy[1], abs=1e-4)


@pytest.mark.skipif(
    find_program("antechamber", beside_python=True) is None
    or find_program("packmol", beside_python=True) is None,
    reason="AmberTools or packmol not installed",
)
def test_pyscf_esp_charges_become_the_charges_of_an_md_species(tmp_path: Path) -> None:
    # Methyl acetate: the QC job and the MD species give it in different atom orders.
    qc_spec = {"molecule": {"smiles": "CC(=O)OC"}, "task": "sp", "method": "HF", "basis": "6-31G*"}
    result = _run("pyscf", qc_spec, tmp_path)
    assert result.ok, result.message
    qc_charges = result.summary["esp_charges"]
    assert sum(qc_charges) == pytest.approx(0.0, abs=1e-9)
    assert qc_charges[2] < -0.4 and qc_charges[1] > 0.5  # carbonyl O and C
    md_charges = charges_for_species(qc_spec, result.summary, "COC(C)=O")
    # COC(C)=O numbers the atoms: C(methoxy) O C(carbonyl) C(methyl) O(carbonyl)
    assert md_charges[2] == qc_charges[1] and md_charges[4] == qc_charges[2]
    assert md_charges[1] == qc_charges[3] and md_charges[0] == qc_charges[4]
    species = smiles_species("COC(C)=O", "S1", 0.93)
    molecule = parameterise(species, 1.0, md_charges)
    assert molecule.charges == pytest.approx(md_charges, abs=1e-12)
    # without charges the same species gets AM1-BCC charges, which differ
    am1bcc = parameterise(species, 1.0)
    assert am1bcc.charges != pytest.approx(md_charges, abs=1e-3)
    # the whole MD build: the box's record of the species carries the QC charges
    md_spec = {
        "salts": [{"name": "LiPF6", "concentration": 1.0}],
        "solvents": [{"smiles": "COC(C)=O", "density": 0.93, "charges": md_charges}],
        "salt_pairs": 1,
        "preset": "fast",
    }
    MDEngine().prepare(md_spec, tmp_path / "md", EngineContext(python=sys.executable))
    system = json.loads((tmp_path / "md" / "system.json").read_text())
    [solvent] = [s for s in system["species"] if s["name"] == "S1"]
    assert solvent["forcefield"] == "GAFF2"
    assert solvent["charges"] == pytest.approx(md_charges, abs=1e-12)


@pytest.mark.skipif(find_program("xtb") is None, reason="xtb is not installed")
def test_thermochemistry_at_the_jobs_temperature(tmp_path: Path) -> None:
    four_rt = FOUR_RT_HARTREE * 350.0 / 298.15
    for engine, spec in (
        ("xtb", {"method": "GFN2-xTB"}),
        ("pyscf", {"method": "HF", "basis": "STO-3G"}),
    ):
        s = _water(engine, tmp_path / engine, temperature=350.0, **spec)
        assert s["thermo_temperature_k"] == pytest.approx(350.0)
        thermal = s["enthalpy_hartree"] - s["scf_energy_hartree"] - s["zero_point_energy_hartree"]
        # 4 RT at 350 K plus the bending mode's first thermal population (under 3e-5 hartree)
        assert thermal == pytest.approx(four_rt, abs=5e-5), engine


def test_pyscf_mk_charges_of_methane_match_gaussians_at_the_same_level() -> None:
    """Reference: Gaussian 09 D.01, `# B3LYP/6-311G(d,p) Pop=MK`, methane with C-H 1.090755 A
    (the test data of the repESP project, github.com/jszopi/repESP, data/methane/methane_mk.log):
    SCF energy -40.5337484279 hartree; ESP charges C -0.500314, H 0.125323, 0.124834,
    0.124834, 0.125323 (379 fitting points)."""
    from pyscf import dft, gto

    from molyte.engines.qc.esp import pyscf_esp_charges

    a = 0.629748  # the log's standard orientation, Angstrom
    mol = gto.M(
        atom=f"C 0 0 0; H {a} {a} {a}; H {-a} {-a} {a}; H {-a} {a} {-a}; H {a} {-a} {-a}",
        basis="6-311g**",
        verbose=0,
    )
    mf = dft.RKS(mol)
    mf.xc = "b3lyp"
    mf.kernel()
    assert mf.e_tot == pytest.approx(-40.5337484279, abs=1e-5)  # the same level of theory
    charges = pyscf_esp_charges(mf)
    # within 0.015 e of Gaussian's: the two programs place their ~400 points differently
    assert charges == pytest.approx([-0.500314, 0.125323, 0.124834, 0.124834, 0.125323], abs=0.015)
    assert sum(charges) == pytest.approx(0.0, abs=1e-12)
