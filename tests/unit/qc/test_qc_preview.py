"""The QC job preview the API shows while a user fills in the form."""

import pytest

from molyte.domain.qc_spec import QCSpec
from molyte.engines.qc.preview import hill_formula, preview


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"molecule": {"smiles": "O=C1OCCO1"}},
            {"atoms": 10, "electrons": 46, "formula": "C3H4O3", "steps": ["molecule"]},
        ),
        (
            {"molecule": {"smiles": "[Li+]", "charge": 1}, "task": "sp"},
            {"atoms": 1, "electrons": 2, "formula": "Li", "steps": ["molecule"]},
        ),
        (
            {"molecule": {"xyz": "O 0 0 0\nH 0 0 0.97", "charge": -1}, "task": "sp"},
            {"atoms": 2, "electrons": 10, "formula": "HO", "steps": ["molecule"]},
        ),
        (
            {"molecule": {"smiles": "COC(=O)OC"}, "task": "binding_energy", "ion": "Na"},
            {
                "atoms": 12,
                "electrons": 48,
                "formula": "C3H6O3",
                "steps": ["solvent", "ion", "complex"],
            },
        ),
        (
            {
                "molecule": {"smiles": "O=C1OCCO1"},
                "task": "redox",
                "redox": "reduction",
                "solvation": {"model": "smd", "solvent": "acetonitrile"},
            },
            {"atoms": 10, "electrons": 46, "formula": "C3H4O3", "steps": ["initial", "reduced"]},
        ),
    ],
)
def test_preview(spec: dict[str, object], expected: dict[str, object]) -> None:
    result = preview(QCSpec.model_validate(spec))
    assert {k: result[k] for k in expected} == expected


def test_hill_formula_without_carbon() -> None:
    assert hill_formula(["P", "F", "F", "F", "F", "F", "F", "Li"]) == "F6LiP"
