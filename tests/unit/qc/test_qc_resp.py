"""RESP charges (`molyte.engines.qc.resp`): the restrained fit on potentials made by known
point charges, the two stages' equivalences, and the charge scheme in the QC spec."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from pydantic import ValidationError

from molyte.domain.charges import charges_for_species
from molyte.domain.qc_spec import ChargeScheme, QCSpec
from molyte.engines.qc.esp import (
    ANGSTROM_TO_BOHR,
    fit_charges,
    mk_grid,
    normal_equations,
)
from molyte.engines.qc.pyscf_calc import pyscf_params
from molyte.engines.qc.resp import (
    RESP_B,
    bonded_neighbours,
    methyl_groups,
    resp_fit,
    restrained_fit,
    symmetry_classes,
)
from molyte.engines.qc.steps import Step, empty_step_summary

# Acetic acid (Angstrom): methyl C, its 3 H, carboxyl C, O(H), H(O), O(=).
ACETIC = ["C", "H", "H", "H", "C", "O", "H", "O"]
ACETIC_XYZ = np.array(
    [
        [1.45051389, -0.06628932, 0.0],
        [1.75521613, -0.62865986, -0.87500146],
        [1.75521613, -0.62865986, 0.87500146],
        [1.92173244, 0.90485897, 0.0],
        [-0.04233122, 0.09849378, 0.0],
        [-0.67064817, -1.07620915, 0.0],
        [-1.60837259, -0.91016601, 0.0],
        [-0.62675864, 1.13160510, 0.0],
    ]
)
# Charges with the equivalences RESP imposes (the methyl hydrogens equal), summing to zero.
ACETIC_CHARGES = np.array([-0.45, 0.14, 0.14, 0.14, 0.85, -0.66, 0.45, -0.61])


def _potential(
    coords: NDArray[np.float64], charges: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Atom and grid coordinates (bohr) and the potential of `charges` at the grid points."""
    atoms = coords * ANGSTROM_TO_BOHR
    points = mk_grid(ACETIC, coords) * ANGSTROM_TO_BOHR
    distances = np.linalg.norm(points[:, None, :] - atoms[None, :, :], axis=2)
    return atoms, points, (charges[None, :] / distances).sum(axis=1)


def test_acetic_acid_graph_classes_and_methyl_group() -> None:
    neighbours = bonded_neighbours(ACETIC, ACETIC_XYZ)
    assert neighbours == [{1, 2, 3, 4}, {0}, {0}, {0}, {0, 5, 7}, {4, 6}, {5}, {4}]
    classes = symmetry_classes(ACETIC, neighbours)
    assert classes[1] == classes[2] == classes[3]  # the methyl hydrogens
    assert len(set(classes)) == 6  # C, C', O(H), O(=), H(O) all different
    assert classes[5] != classes[7] and classes[6] != classes[1]
    assert methyl_groups(ACETIC, neighbours) == {0, 1, 2, 3}


def test_symmetry_classes_see_equivalent_groups_and_atoms() -> None:
    # dimethyl ether C(H3)-O-C(H3): both methyls one class, all six hydrogens one class
    symbols = ["C", "O", "C", "H", "H", "H", "H", "H", "H"]
    neighbours = [{1, 3, 4, 5}, {0, 2}, {1, 6, 7, 8}, {0}, {0}, {0}, {2}, {2}, {2}]
    classes = symmetry_classes(symbols, neighbours)
    assert classes[0] == classes[2] and len({classes[i] for i in range(3, 9)}) == 1
    assert len(set(classes)) == 3
    assert methyl_groups(symbols, neighbours) == set(range(9)) - {1}
    # ethanol C-C-O: the two carbons and their hydrogens differ (refinement splits them)
    symbols = ["C", "C", "O", "H", "H", "H", "H", "H", "H"]
    neighbours = [{1, 3, 4, 5}, {0, 2, 6, 7}, {1, 8}, {0}, {0}, {0}, {1}, {1}, {2}]
    classes = symmetry_classes(symbols, neighbours)
    assert len(set(classes)) == 6
    assert classes[3] == classes[4] == classes[5] != classes[6] == classes[7] != classes[8]
    # a carbonyl or a carbon with one hydrogen is not refitted in stage 2
    assert methyl_groups(["C", "O", "H", "H"], [{1, 2, 3}, {0}, {0}, {0}]) == set()


def test_resp_with_a_vanishing_restraint_returns_the_charges_that_made_the_potential() -> None:
    atoms, points, potential = _potential(ACETIC_XYZ, ACETIC_CHARGES)
    charges = resp_fit(ACETIC, atoms, points, potential, 0.0, strengths=(1e-12, 1e-12))
    assert charges == pytest.approx(ACETIC_CHARGES, abs=1e-6)


def test_the_restraint_pulls_the_buried_methyl_carbon_toward_zero() -> None:
    atoms, points, potential = _potential(ACETIC_XYZ, ACETIC_CHARGES)
    esp = fit_charges(atoms, points, potential, 0.0)
    assert esp == pytest.approx(ACETIC_CHARGES, abs=1e-8)  # unrestrained: exact
    resp = resp_fit(ACETIC, atoms, points, potential, 0.0)
    # the buried methyl carbon moves most, toward zero; the exposed oxygens hardly move
    assert abs(resp[0]) < abs(esp[0]) - 0.1  # measured: -0.45 -> -0.28
    shifts = np.abs(resp - esp)
    assert shifts[0] == shifts.max()
    assert shifts[5] < 0.03 and shifts[7] < 0.03
    assert resp.sum() == pytest.approx(0.0, abs=1e-12)
    assert resp[1] == resp[2] == resp[3]  # one charge, not merely close


def test_equivalent_hydrogens_are_exactly_equal_and_the_total_exact_with_noise() -> None:
    rng = np.random.default_rng(7)
    atoms, points, potential = _potential(ACETIC_XYZ, ACETIC_CHARGES)
    noisy = potential + rng.normal(0.0, 0.002, len(potential))
    esp = fit_charges(atoms, points, noisy, 0.0)
    assert abs(esp[1] - esp[3]) > 1e-4  # the plain fit lets them differ
    for total in (0.0, -1.0):
        resp = resp_fit(ACETIC, atoms, points, noisy, total)
        assert resp[1] == resp[2] == resp[3]
        assert resp.sum() == pytest.approx(total, abs=1e-12)


def _objective(
    matrix: NDArray[np.float64], vector: NDArray[np.float64], a: NDArray[np.float64], q: Any
) -> float:
    """What the restrained fit minimises: half the squared ESP misfit (up to a constant) plus
    the hyperbolic restraint."""
    restraint = a * (np.sqrt(q * q + RESP_B**2) - RESP_B)
    return float(0.5 * q @ matrix @ q - vector @ q + restraint.sum())


def test_the_restrained_fit_is_the_constrained_minimum() -> None:
    atoms, points, potential = _potential(ACETIC_XYZ, ACETIC_CHARGES)
    matrix, vector = normal_equations(atoms, points, potential)
    a = np.array([0.01 if s != "H" else 0.0 for s in ACETIC])  # strong, to move things
    q = restrained_fit(matrix, vector, 0.0, a.tolist(), list(range(8)))
    best = _objective(matrix, vector, a, q)
    for i, j in ((0, 4), (0, 1), (5, 7), (4, 6)):  # moves that keep the total
        for step in (1e-3, -1e-3):
            moved = q.copy()
            moved[i] += step
            moved[j] -= step
            assert _objective(matrix, vector, a, moved) > best


def test_fixed_charges_stay_and_groups_share_one_charge() -> None:
    atoms, points, potential = _potential(ACETIC_XYZ, ACETIC_CHARGES)
    matrix, vector = normal_equations(atoms, points, potential)
    fixed = {4: 0.8, 5: -0.6, 6: 0.4, 7: -0.6}
    q = restrained_fit(matrix, vector, 0.0, [0.001] * 8, [0, 1, 1, 1, 9, 9, 9, 9], fixed)
    assert [q[i] for i in fixed] == list(fixed.values())
    assert q[1] == q[2] == q[3] and q.sum() == pytest.approx(0.0, abs=1e-12)
    # no restraint, no groups: the plain ESP fit
    plain = restrained_fit(matrix, vector, 0.0, [0.0] * 8, list(range(8)))
    assert plain == pytest.approx(fit_charges(atoms, points, potential, 0.0), abs=1e-10)
    with pytest.raises(ValueError, match="every charge is fixed"):
        restrained_fit(matrix, vector, 1.0, [0.0] * 8, list(range(8)), dict.fromkeys(range(8), 0))


def test_a_lone_ion_carries_the_whole_charge() -> None:
    atoms = np.zeros((1, 3))
    points = mk_grid(["Li"], atoms) * ANGSTROM_TO_BOHR
    potential = 1.0 / np.linalg.norm(points, axis=1)
    assert resp_fit(["Li"], atoms, points, potential, 1.0) == pytest.approx([1.0], abs=1e-12)


# ---- the charge scheme in the spec, the run parameters, the summary and MD's hand-off ------


def _qc(**fields: Any) -> QCSpec:
    return QCSpec.model_validate({"molecule": {"smiles": "CO"}, "task": "sp", **fields})


def test_charges_default_to_esp_and_resp_reaches_the_pyscf_parameters() -> None:
    assert _qc().charges is ChargeScheme.ESP
    spec = _qc(charges="resp", method="HF", engine="pyscf")
    step = Step("molecule", spec.task, 0, 1, (("O", 0.0, 0.0, 0.0),))
    assert pyscf_params(spec, step)["charges"] == "resp"
    assert pyscf_params(_qc(), step)["charges"] == "esp"
    empty = empty_step_summary(step)
    assert empty["resp_charges"] is None and empty["resp_charges_method"] is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"method": "GFN2-xTB"}, "GFN2-xTB on engine xtb has none"),
        ({"method": "GFN2-xTB", "engine": "xtb"}, "GFN2-xTB on engine xtb has none"),
        ({"engine": "gaussian"}, "charges resp runs on engine pyscf (or auto), not gaussian"),
        ({"method": "wB97X-D"}, "engine pyscf, which has no method wB97X-D"),
        ({"method": "MP2", "engine": "gaussian"}, "not gaussian"),
    ],
)
def test_resp_without_a_potential_to_fit_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _qc(charges="resp", **fields)
    assert message in str(caught.value)


def test_unknown_charge_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="charges"):
        _qc(charges="chelpg")


def test_md_takes_a_jobs_resp_charges_before_its_esp_charges() -> None:
    spec = {"molecule": {"smiles": "O"}}
    summary = {"esp_charges": [-0.8, 0.4, 0.4], "resp_charges": [-0.7, 0.35, 0.35]}
    assert charges_for_species(spec, summary, "O") == [-0.7, 0.35, 0.35]
    summary["resp_charges"] = None  # a job that did not ask for RESP
    assert charges_for_species(spec, summary, "O") == [-0.8, 0.4, 0.4]
