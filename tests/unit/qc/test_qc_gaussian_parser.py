"""The Gaussian log parser on real Gaussian 16 outputs (cclib test data, tests/data/gaussian)."""

from pathlib import Path

import pytest

from molyte.engines.qc.gaussian import parse_gaussian_log

DATA = Path(__file__).parents[2] / "data" / "gaussian"
HARTREE_EV = 27.211386245988


def test_geometry_optimisation_log() -> None:
    s = parse_gaussian_log(DATA / "dvb_gopt.out")
    assert s["normal_termination"] is True
    assert s["failure_reason"] is None
    assert s["task"] == "opt"
    assert s["method"] == "B3LYP"
    assert s["basis"] == "STO-3G"
    assert (s["charge"], s["multiplicity"]) == (0, 1)
    # last "SCF Done:  E(RB3LYP) =  -382.308266602" of the optimisation
    assert s["scf_energy_hartree"] == pytest.approx(-382.308266602, abs=1e-9)
    # final orbitals: HOMO -0.15308, LUMO 0.03742 hartree
    assert s["homo_ev"] == pytest.approx(-0.15308 * HARTREE_EV, abs=2e-4)
    assert s["lumo_ev"] == pytest.approx(0.03742 * HARTREE_EV, abs=2e-4)
    assert s["gap_ev"] == pytest.approx((0.03742 + 0.15308) * HARTREE_EV, abs=4e-4)
    # the last standard orientation: 20 atoms, atom 1 is C at (0.269445, 1.410118, 0.0)
    assert len(s["geometry"]) == 20
    assert s["geometry"][0][0] == "C"
    assert s["geometry"][0][1:] == pytest.approx([0.269445, 1.410118, 0.0], abs=1e-6)
    assert [a[0] for a in s["geometry"]].count("H") == 10
    assert s["mulliken_charges"][:2] == pytest.approx([-0.004504, -0.077163])
    assert s["dipole_debye"] == pytest.approx(0.0, abs=1e-4)
    assert s["frequencies_cm1"] == []
    assert s["free_energy_hartree"] is None


def test_frequency_log() -> None:
    s = parse_gaussian_log(DATA / "dvb_ir.out")
    assert s["normal_termination"] is True
    assert s["task"] == "freq"
    freqs = s["frequencies_cm1"]
    assert len(freqs) == 54  # 3N - 6 for 20 atoms
    assert freqs[:3] == pytest.approx([53.1981, 84.7415, 149.4005])
    assert freqs[-1] == pytest.approx(3548.3320)
    assert s["imaginary_frequencies"] == []
    # "IR Intensities ---  0.0342  0.0000  0.3727 ..."
    assert len(s["ir_intensities"]) == 54
    assert s["ir_intensities"][:3] == pytest.approx([0.0342, 0.0, 0.3727])
    # "Sum of electronic and thermal Free Energies=  -382.164915"
    assert s["free_energy_hartree"] == pytest.approx(-382.164915, abs=1e-6)
    # "Zero-point correction=  0.177132 (Hartree/Particle)"
    assert s["zero_point_energy_hartree"] == pytest.approx(0.177132, abs=1e-6)
    assert s["scf_energy_hartree"] == pytest.approx(-382.308266602, abs=1e-9)


def test_single_point_log() -> None:
    s = parse_gaussian_log(DATA / "dvb_sp.out")
    assert s["normal_termination"] is True
    assert s["task"] == "sp"
    assert s["scf_energy_hartree"] == pytest.approx(-382.308266602, abs=1e-9)
    assert s["homo_ev"] == pytest.approx(-0.15308 * HARTREE_EV, abs=2e-4)


@pytest.mark.parametrize(
    ("name", "model", "energy", "homo", "lumo", "dipole", "oxygen"),
    [
        ("water_hf_solvent_pcm.log", "pcm", -74.9663496977, -0.38792, 0.57460, 1.7068, -0.349733),
        ("water_hf_solvent_smd.log", "smd", -74.9673020784, -0.38541, 0.57643, 1.7005, -0.347812),
    ],
)
def test_solvated_logs(
    name: str, model: str, energy: float, homo: float, lumo: float, dipole: float, oxygen: float
) -> None:
    s = parse_gaussian_log(DATA / name)
    assert s["normal_termination"] is True
    assert s["method"] == "HF"
    assert s["basis"] == "STO-3G"
    assert s["scf_energy_hartree"] == pytest.approx(energy, abs=1e-9)
    assert s["homo_ev"] == pytest.approx(homo * HARTREE_EV, abs=2e-4)
    assert s["lumo_ev"] == pytest.approx(lumo * HARTREE_EV, abs=2e-4)
    assert s["dipole_debye"] == pytest.approx(dipole, abs=1e-4)
    assert s["mulliken_charges"][0] == pytest.approx(oxygen)
    assert sum(s["mulliken_charges"]) == pytest.approx(0.0, abs=1e-5)
    # "Solvent : Toluene, Eps= 2.374100 Eps(inf)= 2.238315"
    assert s["solvation"]["model"] == model
    assert s["solvation"]["solvent"] == "toluene"
    assert s["solvation"]["epsilon"] == pytest.approx(2.3741)
    assert "SCRF=" in s["route"]
    assert [a[0] for a in s["geometry"]] == ["O", "H", "H"]
