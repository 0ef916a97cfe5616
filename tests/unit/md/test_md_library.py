"""The OPLS-AA library: every species builds, is neutral or unit-charged, and has every term."""

from __future__ import annotations

import numpy as np
import pytest

from molyte.engines.md.geometry import parse_zmat
from molyte.engines.md.library import (
    DATA,
    library_molecule,
    library_name_of,
    parse_ff,
    solvent_names,
)
from molyte.engines.md.topology import KJ_PER_KCAL, ForceField, Kind, angles_of, dihedrals_of

IONS = ["Li", "Na", "PF6", "BF4", "TFSI", "FSI", "OTf"]


@pytest.mark.parametrize("name", IONS + solvent_names())
def test_species_builds_with_integer_charge_and_all_terms(name: str) -> None:
    molecule = library_molecule(name)
    assert molecule.forcefield is ForceField.OPLS
    assert abs(molecule.total_charge - molecule.formal_charge) < 1e-9
    expected = {"Li": 1, "Na": 1}.get(name, -1 if name in IONS else 0)
    assert molecule.formal_charge == expected
    bonds = [t.atoms for t in molecule.bonds]
    assert len(bonds) == len({tuple(sorted(b)) for b in bonds})
    # every angle of the graph has a term (PF6- only its 12 cis angles, see below)
    if name != "PF6":
        assert len(molecule.angles) == len(angles_of(molecule.n_atoms, bonds))  # type: ignore[arg-type]
    assert len(molecule.dihedrals) <= len(dihedrals_of(molecule.n_atoms, bonds))  # type: ignore[arg-type]
    for term in molecule.bonds + molecule.angles + molecule.dihedrals + molecule.impropers:
        assert term.coeffs and all(np.isfinite(term.coeffs))
    assert molecule.coords.shape == (molecule.n_atoms, 3)


def test_pf6_is_octahedral_from_the_zmatrix() -> None:
    pf6 = library_molecule("PF6")
    p = pf6.elements.index("P")
    distances = np.linalg.norm(pf6.coords - pf6.coords[p], axis=1)
    assert np.allclose(sorted(distances)[1:], 1.606, atol=1e-6)
    assert len(pf6.angles) == 12  # the three trans F-P-F (180 deg) are left out
    assert all(t.coeffs[1] == 90.0 for t in pf6.angles)


def test_units_are_converted_to_lammps_real() -> None:
    ec = library_molecule("EC")
    # CT-HC: 2845.12 kJ/mol/A^2 in k/2 form -> 340 kcal/mol/A^2 in E = K (r - r0)^2
    ct_hc = next(t for t in ec.bonds if t.label == "CT-HC")
    assert ct_hc.coeffs == pytest.approx((2845.12 / 2 / KJ_PER_KCAL, 1.09))
    assert ct_hc.coeffs[0] == pytest.approx(340.0, rel=1e-4)
    oxygen = next(a for a in ec.atom_types if a.name == "OCC")
    assert oxygen.epsilon == pytest.approx(0.21, rel=1e-4)
    assert ec.impropers[0].style == "cvff" and ec.impropers[0].coeffs[1:] == (-1, 2)


def test_ion_kinds_and_charges() -> None:
    assert library_molecule("Li").kind is Kind.CATION
    tfsi = library_molecule("TFSI")
    assert tfsi.kind is Kind.ANION and tfsi.n_atoms == 15
    assert library_molecule("water").elements == ["O", "H", "H"]


def test_zmat_with_variables() -> None:
    names, coords = parse_zmat((DATA / "OTf.zmat").read_text())
    assert names[:2] == ["CBT", "F1"]
    assert np.linalg.norm(coords[1] - coords[0]) == pytest.approx(1.332)


def test_ff_parser_refuses_conflicting_duplicates() -> None:
    text = "ATOMS\nX X 1.0 0.0 lj 1 1\nBONDS\nX Y harm 1.0 100\nY X harm 1.1 100\n"
    with pytest.raises(ValueError, match="given twice"):
        parse_ff(text)


def test_smiles_of_library_molecules_is_recognised() -> None:
    assert library_name_of("C1COC(=O)O1") == "EC"
    assert library_name_of("CCCCCC") is None
