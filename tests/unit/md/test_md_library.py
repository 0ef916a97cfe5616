"""The OPLS-AA library: every species builds, is neutral or unit-charged, and has every term."""

from __future__ import annotations

import numpy as np
import pytest

from molyte.engines.md.geometry import parse_zmat
from molyte.engines.md.library import (
    DATA,
    ionic_liquid_record,
    library_catalog,
    library_molecule,
    library_name_of,
    parse_ff,
    solvent_names,
    species_record,
)
from molyte.engines.md.topology import KJ_PER_KCAL, ForceField, Kind, angles_of, dihedrals_of
from molyte.programs import find_program

CHARGES = {
    "Li": 1, "Na": 1, "Mg": 2, "Zn": 2, "EMIM": 1, "BMIM": 1, "C4mpyr": 1,
    "PF6": -1, "BF4": -1, "TFSI": -1, "FSI": -1, "OTf": -1, "NO3": -1, "ClO4": -1,
    "BOB": -1, "DFOB": -1,
}  # fmt: skip
IONS = list(CHARGES)
MOLECULAR = [n for n in solvent_names() if ionic_liquid_record(n) is None]
OPLS_SOLVENTS = [n for n in MOLECULAR if species_record(n).get("forcefield") != "GAFF2"]
GAFF2_SOLVENTS = [n for n in MOLECULAR if n not in OPLS_SOLVENTS]


@pytest.mark.parametrize("name", IONS + OPLS_SOLVENTS)
def test_species_builds_with_integer_charge_and_all_terms(name: str) -> None:
    molecule = library_molecule(name)
    assert molecule.forcefield is ForceField.OPLS
    assert abs(molecule.total_charge - molecule.formal_charge) < 1e-9
    assert molecule.formal_charge == CHARGES.get(name, 0)
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


def test_ionic_liquid_cations_follow_clandp() -> None:
    # CL&P charges (il.ff): imidazolium ring +0.56, N-CH3 +0.22, N-CH2 +0.09, ...
    emim = library_molecule("EMIM")
    assert emim.n_atoms == 19 and emim.kind is Kind.CATION
    names = [emim.atom_types[t].name for t in emim.type_of]
    assert names.count("NA") == 2 and names.count("CR") == 1 and names.count("HCR") == 1
    assert len(emim.impropers) == 5  # the five ring atoms are kept planar
    pyr = library_molecule("C4mpyr")
    assert pyr.n_atoms == 30 and pyr.impropers == []
    n4 = next(a for a in pyr.atom_types if a.name == "N4")
    assert n4.sigma == 3.25 and n4.epsilon == pytest.approx(0.71128 / KJ_PER_KCAL)


def test_divalent_cations_and_nitrate() -> None:
    mg, zn = library_molecule("Mg"), library_molecule("Zn")
    assert (mg.formal_charge, zn.formal_charge) == (2, 2)
    # Aqvist Mg2+ as in OPLS-AA (opls_411): sigma 1.644471 A, epsilon 0.875044 kcal/mol
    assert mg.atom_types[0].sigma == pytest.approx(1.644471)
    assert mg.atom_types[0].epsilon == pytest.approx(0.875044, rel=1e-5)
    assert zn.atom_types[0].epsilon == pytest.approx(0.0125, rel=1e-3)
    nitrate = library_molecule("NO3")
    assert len(nitrate.bonds) == 3 and all(t.coeffs[1] == 120.0 for t in nitrate.angles)
    perchlorate = library_molecule("ClO4")
    assert all(t.coeffs[1] == 1.44 for t in perchlorate.bonds)


def test_ionic_liquids_are_catalogued_as_solvents() -> None:
    catalog = {s["name"]: s for s in library_catalog()["solvents"]}
    emim_tfsi = catalog["[EMIM][TFSI]"]
    assert emim_tfsi["ionic_liquid"] is True
    assert emim_tfsi["molar_mass"] == pytest.approx(111.17 + 280.15, abs=0.1)
    assert emim_tfsi["full_name"].startswith("1-ethyl-3-methylimidazolium")
    assert len([s for s in catalog.values() if s.get("ionic_liquid")]) == 12


@pytest.mark.skipif(
    find_program("antechamber", beside_python=True) is None, reason="AmberTools not installed"
)
@pytest.mark.parametrize("name", GAFF2_SOLVENTS)
def test_gaff2_library_diluents_build(name: str) -> None:
    molecule = library_molecule(name)
    assert molecule.forcefield is ForceField.GAFF2
    assert molecule.formal_charge == 0 and abs(molecule.total_charge) < 1e-9
    assert molecule.elements.count("F") == {"TTE": 8, "BTFE": 6}[name]


@pytest.mark.parametrize(("name", "atoms", "rings"), [("BOB", 13, 2), ("DFOB", 9, 1)])
def test_borate_anions_build_with_every_term(name: str, atoms: int, rings: int) -> None:
    """The QC-derived borates: -1 e exactly (the boron's charge absorbs the rounding of the
    others), a term for every bond, angle and dihedral, the carbonyl carbons kept planar."""
    molecule = library_molecule(name)
    assert molecule.n_atoms == atoms and molecule.kind is Kind.ANION
    assert molecule.formal_charge == -1
    assert abs(molecule.total_charge + 1.0) < 1e-9
    bonds = [t.atoms for t in molecule.bonds]
    assert len(bonds) == atoms + rings - 1  # a connected graph with `rings` rings
    assert len(molecule.angles) == len(angles_of(atoms, bonds))  # type: ignore[arg-type]
    assert len(molecule.dihedrals) == len(dihedrals_of(atoms, bonds))  # type: ignore[arg-type]
    assert len(molecule.impropers) == 2 * rings  # one per carbonyl carbon
    elements = molecule.elements
    boron = elements.index("B")
    b_o = [t for t in molecule.bonds if boron in t.atoms and elements[sum(t.atoms) - boron] == "O"]
    assert len(b_o) == 4 if name == "BOB" else len(b_o) == 2
    assert all(1.4 < t.coeffs[1] < 1.6 for t in b_o)  # B-O of the HF/6-31G* minimum


def test_bob_separates_ring_and_cross_ring_o_b_o_angles() -> None:
    """The two chelate rings have their own ring-O types, so the O-B-O angle inside a ring
    (about 104 deg) and between the rings (about 112 deg) get their own terms."""
    bob = library_molecule("BOB")
    o_b_o = {t.label: t.coeffs[1] for t in bob.angles if t.label.count("O") == 2
             and "-BB-" in t.label}  # fmt: skip
    assert set(o_b_o) == {"OB1-BB-OB1", "OB2-BB-OB2", "OB1-BB-OB2"}
    assert o_b_o["OB1-BB-OB1"] == o_b_o["OB2-BB-OB2"] < 109.0 < o_b_o["OB1-BB-OB2"]


def test_borate_salts_are_catalogued() -> None:
    salts = {s["name"]: s for s in library_catalog()["salts"]}
    assert salts["LiBOB"] == {
        "name": "LiBOB", "full_name": "lithium bis(oxalato)borate", "cation": "Li", "anion": "BOB",
    }  # fmt: skip
    assert salts["LiDFOB"]["anion"] == "DFOB" and salts["NaDFOB"]["cation"] == "Na"
