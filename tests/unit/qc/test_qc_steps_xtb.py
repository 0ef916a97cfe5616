"""Compound-task steps and arithmetic, ion placement, and the xtb parser on captured output."""

import json
import math
from pathlib import Path
from typing import Any

import pytest

from molyte.domain.qc_spec import QCSpec, Task
from molyte.engines.qc.geometry import embed_smiles, place_ion, read_xyz, xyz_text
from molyte.engines.qc.steps import (
    HARTREE_TO_EV,
    HARTREE_TO_KCAL_MOL,
    combine,
    empty_step_summary,
    plan_steps,
)
from molyte.engines.qc.xtb import parse_xtb, parse_xtb_output, xtb_command

XTB = Path(__file__).parents[2] / "data" / "qc" / "xtb_ec_ohess"


def _done(step: Any, **values: float) -> dict[str, Any]:
    result = empty_step_summary(step)
    result.update(normal_termination=True, **values)
    return result


def test_binding_energy_steps_and_value() -> None:
    spec = QCSpec.model_validate(
        {"molecule": {"smiles": "O=C1OCCO1"}, "task": "binding_energy", "ion": "Li"}
    )
    atoms = embed_smiles("O=C1OCCO1")
    steps = plan_steps(spec, atoms)
    assert [(s.name, s.task, s.charge) for s in steps] == [
        ("solvent", Task.OPT, 0),
        ("ion", Task.SP, 1),
        ("complex", Task.OPT, 1),
    ]
    assert steps[1].atoms == (("Li", 0.0, 0.0, 0.0),)
    assert len(steps[2].atoms) == len(atoms) + 1
    energies = {"solvent": -342.0, "ion": -7.28, "complex": -349.36}
    results = {s.name: _done(s, scf_energy_hartree=energies[s.name]) for s in steps}
    summary = combine(spec, "pyscf", steps, results)
    assert summary["normal_termination"] is True
    assert summary["binding_energy_hartree"] == pytest.approx(-0.08)
    assert summary["binding_energy_kcal_mol"] == pytest.approx(-0.08 * HARTREE_TO_KCAL_MOL)
    assert summary["charge"] == 1  # the complex is the main step
    assert set(summary["steps"]) == {"solvent", "ion", "complex"}


def test_li_sits_on_the_carbonyl_oxygen_of_ec() -> None:
    atoms = embed_smiles("O=C1OCCO1")
    complex_ = place_ion(atoms, "Li")
    li = complex_[-1]
    carbonyl_o = atoms[0]  # first atom of the SMILES
    assert math.dist(li[1:], carbonyl_o[1:]) == pytest.approx(1.95, abs=1e-5)
    carbon = atoms[1]
    # Li, O and C are collinear: the ion sits on the C=O axis, away from the carbon
    assert math.dist(li[1:], carbon[1:]) == pytest.approx(
        1.95 + math.dist(carbonyl_o[1:], carbon[1:]), abs=1e-3
    )


@pytest.mark.parametrize(
    ("kind", "other", "charge", "sign"),
    [("oxidation", "oxidized", 1, 1), ("reduction", "reduced", -1, -1)],
)
def test_redox_potential_vs_li(kind: str, other: str, charge: int, sign: int) -> None:
    spec = QCSpec.model_validate(
        {
            "molecule": {"smiles": "O=C1OCCO1"},
            "task": "redox",
            "redox": kind,
            "solvation": {"model": "pcm", "solvent": "acetonitrile"},
        }
    )
    steps = plan_steps(spec, embed_smiles("O=C1OCCO1"))
    assert [(s.name, s.charge, s.multiplicity) for s in steps] == [
        ("initial", 0, 1),
        (other, charge, 2),
    ]
    assert all(s.task is Task.OPT_FREQ for s in steps)
    g = {"initial": -342.0, other: -342.0 + sign * 0.25}
    results = {s.name: _done(s, free_energy_hartree=g[s.name]) for s in steps}
    summary = combine(spec, "pyscf", steps, results)
    absolute = 0.25 * HARTREE_TO_EV  # 6.80 V for both directions with these numbers
    assert summary["redox_potential_absolute_v"] == pytest.approx(absolute)
    assert summary["redox_potential_v"] == pytest.approx(absolute - 4.44 + 3.04)
    assert "4.44" in summary["redox_reference"] and "-3.04" in summary["redox_reference"]


def test_a_failed_step_names_the_failure() -> None:
    spec = QCSpec.model_validate(
        {"molecule": {"smiles": "O=C1OCCO1"}, "task": "binding_energy", "ion": "Li"}
    )
    steps = plan_steps(spec, embed_smiles("O=C1OCCO1"))
    failed = empty_step_summary(steps[0])
    failed["failure_reason"] = "SCF_NOT_CONVERGED"
    summary = combine(spec, "pyscf", steps, {"solvent": failed})
    assert summary["normal_termination"] is False
    assert summary["failure_reason"] == "SCF_NOT_CONVERGED"
    assert "binding_energy_kcal_mol" not in summary


def test_xtb_command() -> None:
    spec = QCSpec.model_validate(
        {
            "molecule": {"smiles": "[OH-]", "charge": -1},
            "method": "GFN2-xTB",
            "task": "opt_freq",
            "solvation": {"model": "smd", "solvent": "dichloromethane"},
        }
    )
    step = plan_steps(spec, embed_smiles("[OH-]"))[0]
    assert xtb_command("/usr/bin/xtb", spec, step) == [
        "/usr/bin/xtb", "input.xyz", "--gfn", "2", "--ohess", "--chrg", "-1", "--uhf", "0",
        "--json", "--alpb", "ch2cl2",
    ]  # fmt: skip


def test_xtb_parser_on_captured_output() -> None:
    atoms = read_xyz(XTB / "xtbopt.xyz")
    spec = QCSpec.model_validate(
        {"molecule": {"smiles": "O=C1OCCO1"}, "method": "GFN2-xTB", "task": "opt_freq"}
    )
    step = plan_steps(spec, atoms)[0]
    s = parse_xtb(
        step,
        (XTB / "xtb.out").read_text(),
        (XTB / "xtb.err").read_text(),
        (XTB / "xtbout.json").read_text(),
        atoms,
    )
    assert s["normal_termination"] is True
    assert s["failure_reason"] is None
    # "| TOTAL ENERGY  -20.696572579042 Eh |", "| TOTAL FREE ENERGY  -20.653047855934 Eh |"
    assert s["scf_energy_hartree"] == pytest.approx(-20.69657258, abs=1e-8)
    assert s["free_energy_hartree"] == pytest.approx(-20.653047855934, abs=1e-12)
    # HOMO-LUMO GAP 5.902950625472 eV
    assert s["homo_ev"] == pytest.approx(-12.18905825)
    assert s["lumo_ev"] == pytest.approx(-6.28610763)
    assert s["gap_ev"] == pytest.approx(5.902950625472, abs=1e-6)
    # 10 atoms -> 24 vibrations, translations and rotations dropped, none imaginary
    assert len(s["frequencies_cm1"]) == 24
    assert s["frequencies_cm1"][0] == pytest.approx(105.00704615)
    assert s["frequencies_cm1"][-1] == pytest.approx(2987.50858877)
    assert s["imaginary_frequencies"] == []
    # "IR intensities (km mol-1)": mode 7 is 0.00; the C=O stretch (1752 cm-1) is 1147.47
    assert len(s["ir_intensities"]) == 24
    assert s["ir_intensities"][0] == pytest.approx(0.0, abs=1e-2)
    carbonyl = s["frequencies_cm1"].index(pytest.approx(1752.1125252))
    assert s["ir_intensities"][carbonyl] == pytest.approx(1147.47, abs=0.01)
    assert s["dipole_debye"] == pytest.approx(7.484)
    assert len(s["mulliken_charges"]) == 10
    assert sum(s["mulliken_charges"]) == pytest.approx(0.0, abs=1e-6)
    assert len(s["geometry"]) == 10


def test_xtb_output_file_parse() -> None:
    s = parse_xtb_output(XTB / "xtb.out")
    assert s["engine"] == "xtb"
    assert s["normal_termination"] is True
    assert s["scf_energy_hartree"] == pytest.approx(-20.69657258, abs=1e-8)


def test_xtb_failed_optimisation_is_named() -> None:
    spec = QCSpec.model_validate({"molecule": {"smiles": "O"}, "method": "GFN2-xTB"})
    step = plan_steps(spec, embed_smiles("O"))[0]
    log = "   *** FAILED TO CONVERGE GEOMETRY OPTIMIZATION IN 2 ITERATIONS ***\n"
    s = parse_xtb(step, log, "normal termination of xtb\n", None, list(step.atoms))
    assert s["normal_termination"] is False
    assert s["failure_reason"] == "OPT_NOT_CONVERGED"


def test_xyz_round_trip(tmp_path: Path) -> None:
    atoms = [("O", 0.0, 0.0, 0.1173), ("H", 0.0, 0.7572, -0.4692)]
    path = tmp_path / "a.xyz"
    path.write_text(xyz_text(atoms, "c"))
    assert read_xyz(path) == atoms


def test_missing_xtb_binary_is_named(tmp_path: Path) -> None:
    from molyte.engines.qc.xtb import run_xtb_step

    spec = QCSpec.model_validate({"molecule": {"smiles": "O"}, "method": "GFN2-xTB"})
    step = plan_steps(spec, embed_smiles("O"))[0]
    s = run_xtb_step(str(tmp_path / "no-xtb"), spec, step, tmp_path / "molecule")
    assert s["failure_reason"] == "ENGINE_UNAVAILABLE"
    assert s["normal_termination"] is False


def test_xtb_imaginary_frequency_is_flagged() -> None:
    """A saddle point: xtb lists the imaginary mode as a negative number before the ~0 ones."""
    spec = QCSpec.model_validate({"molecule": {"smiles": "O"}, "method": "GFN2-xTB"})
    step = plan_steps(spec, embed_smiles("O"))[0]
    data = {"vibrational frequencies/rcm": [-250.5, -0.01, 0.0, 0.0, 0.01, 0.02, 0.03, 3600, 3700]}
    s = parse_xtb(step, " * finished run on x\n", "", json.dumps(data), list(step.atoms))
    assert s["frequencies_cm1"] == [-250.5, 3600.0, 3700.0]
    assert s["imaginary_frequencies"] == [-250.5]


@pytest.mark.parametrize(
    ("returncode", "reason", "words"),
    [
        (-11, "SCRIPT_FAILED", "xtb crashed (exit status 139: killed by signal 11, SIGSEGV)"),
        (1, "SCRIPT_FAILED", "xtb crashed (exit status 1)"),
        (0, "UNKNOWN", "xtb did not terminate normally"),
    ],
)
def test_xtb_crash_is_named_with_its_exit_status(returncode: int, reason: str, words: str) -> None:
    spec = QCSpec.model_validate({"molecule": {"smiles": "O"}, "method": "GFN2-xTB"})
    step = plan_steps(spec, embed_smiles("O"))[0]
    err = "free(): corrupted unsorted chunks\n"
    s = parse_xtb(step, "", err, None, list(step.atoms), returncode=returncode)
    assert s["normal_termination"] is False
    assert s["failure_reason"] == reason
    assert s["message"].startswith(words) and "corrupted unsorted chunks" in s["message"]
