"""QCSpec validation: electron counts, allow-lists, combinations; errors name the field."""

from typing import Any

import pytest
from pydantic import ValidationError

from molyte.domain.qc_spec import QCSpec, RedoxKind, Task


def _errors(spec: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as err:
        QCSpec.model_validate(spec)
    return [(tuple(e["loc"]), e["msg"]) for e in err.value.errors()]


def test_defaults_and_a_valid_spec() -> None:
    spec = QCSpec.model_validate({"molecule": {"smiles": "O=C1OCCO1"}})
    assert spec.task is Task.OPT
    assert (spec.method, spec.basis) == ("B3LYP", "6-31G*")
    assert spec.molecule.electrons == 46  # C3H4O3
    assert spec.redox is RedoxKind.OXIDATION


@pytest.mark.parametrize(
    ("molecule", "ok"),
    [
        ({"smiles": "O"}, True),
        ({"smiles": "O", "multiplicity": 2}, False),  # 10 electrons, doublet
        ({"smiles": "[OH]", "multiplicity": 2}, True),  # hydroxyl radical, 9 electrons
        ({"smiles": "[OH]"}, False),
        ({"smiles": "[Li+]", "charge": 1}, True),
        ({"smiles": "[Li+]", "charge": 0, "multiplicity": 2}, False),  # charge != SMILES charge
        ({"smiles": "O=O", "multiplicity": 3}, True),
        ({"xyz": "O 0 0 0\nH 0 0 0.97", "multiplicity": 2}, True),
        ({"xyz": "O 0 0 0\nH 0 0 0.97"}, False),
        ({"xyz": "O 0 0 0\nH 0 0 0.97", "charge": -1}, True),
        ({"xyz": "H 0 0 0", "multiplicity": 4}, False),  # 3 unpaired of 1 electron
        ({"xyz": "H 0 0 0", "charge": 2}, False),  # negative electron count
    ],
)
def test_charge_and_multiplicity_against_electrons(molecule: dict[str, Any], ok: bool) -> None:
    spec = {"molecule": molecule, "task": "sp"}
    if ok:
        QCSpec.model_validate(spec)
    else:
        errors = _errors(spec)
        field = errors[0][0][1]
        assert errors[0][0] == ("molecule", field)
        assert field in ("charge", "multiplicity")
        assert field in errors[0][1]  # the message names the field too


def test_invalid_smiles_is_refused() -> None:
    errors = _errors({"molecule": {"smiles": "C1CC(("}})
    assert errors[0][0] == ("molecule", "smiles")
    assert "not a valid SMILES" in errors[0][1]


def test_one_of_smiles_or_xyz() -> None:
    for molecule in ({}, {"smiles": "O", "xyz": "O 0 0 0"}):
        errors = _errors({"molecule": molecule})
        assert errors[0] == (("molecule",), "Value error, give exactly one of smiles or xyz")


def test_unknown_element_in_xyz() -> None:
    errors = _errors({"molecule": {"xyz": "Xx 0 0 0"}})
    assert errors[0][0] == ("molecule", "xyz")
    assert "unknown element 'Xx'" in errors[0][1]


@pytest.mark.parametrize(
    "line", ["O 0 0 \uff10.97", "O 0 0 \u0660.97", "O\u00a00 0 0", "O 0 0 0\u2003"]
)
def test_xyz_numbers_and_spaces_are_ascii(line: str) -> None:
    errors = _errors({"molecule": {"xyz": f"{line}\nH 0 0 0.97", "multiplicity": 2}})
    assert errors[0][0] == ("molecule", "xyz") and "is not 'Element x y z'" in errors[0][1]


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        ({"method": "MP3"}, ("method",), "unknown method"),
        ({"basis": "6-31G(d)"}, ("basis",), "unknown basis"),
        ({"task": "binding_energy"}, (), "needs ion"),
        ({"ion": "K", "task": "binding_energy"}, ("ion",), "unknown ion"),
        ({"ion": "Li"}, (), "only used by task binding_energy"),
        ({"task": "redox"}, (), "implicit solvent"),
        ({"engine": "xtb"}, (), "only method GFN2-xTB"),
        ({"method": "GFN2-xTB", "engine": "pyscf"}, (), "runs only on engine xtb"),
        ({"method": "wB97X-D", "dispersion": "GD3BJ"}, (), "already includes dispersion"),
        ({"basis": "def2-SVPD", "engine": "gaussian"}, (), "not built into Gaussian"),
        ({"method": "wB97X-D", "engine": "pyscf"}, (), "not available in PySCF"),
        (
            {"method": "GFN2-xTB", "solvation": {"model": "pcm", "solvent": "ethanol"}},
            (),
            "no implicit model",
        ),
        ({"solvation": {"model": "smd", "epsilon": 30.0}}, ("solvation",), "named solvent"),
        ({"solvation": {"model": "pcm"}}, ("solvation",), "exactly one of"),
        ({"solvation": {"model": "none", "solvent": "water"}}, ("solvation",), "need a solvation"),
        ({"resources": {"memory_mb": 10}}, ("resources", "memory_mb"), "greater than"),
    ],
)
def test_refusals_name_the_field(change: dict[str, Any], loc: tuple[str, ...], words: str) -> None:
    errors = _errors({"molecule": {"smiles": "O"}, **change})
    assert errors[0][0] == loc
    assert words in errors[0][1]


def test_compound_tasks_validate() -> None:
    binding = QCSpec.model_validate(
        {"molecule": {"smiles": "O=C1OCCO1"}, "task": "binding_energy", "ion": "Na"}
    )
    assert binding.ion == "Na"
    redox = QCSpec.model_validate(
        {
            "molecule": {"smiles": "O=C1OCCO1"},
            "task": "redox",
            "redox": "reduction",
            "solvation": {"model": "pcm", "epsilon": 89.78},
        }
    )
    assert redox.redox is RedoxKind.REDUCTION


def test_default_charge_is_checked_against_the_smiles() -> None:
    errors = _errors({"molecule": {"smiles": "[Li+]"}})
    assert errors[0][0] == ("molecule", "charge")
    assert "formal charge 1" in errors[0][1]
