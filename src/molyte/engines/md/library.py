"""The molecule and force-field library: OPLS-AA ions and solvents shipped as package data.

`data/species.json` lists each species (SMILES, atom types, density, source) and
`data/opls_electrolytes.ff` holds the OPLS-AA parameters in fftool's format (kJ/mol, k/2 form),
each group with its citation; the ionic-liquid cations read CL&P's own `data/il.ff` (a species
record names its file in `ff`). `data/README.md` gives the sources and licences. Parameters are
converted here to LAMMPS `units real` (see `topology`).

A record with `"forcefield": "GAFF2"` (anions and diluents that no OPLS-AA/CL&P source covers)
is a named library entry whose parameters come from GAFF2/AM1-BCC at build time (`gaff`).
An ionic liquid (`ionic_liquids` in species.json) is a solvent made of one cation and one
anion of the library: it names the two ions and the liquid's density.

A library species gets its topology from its SMILES, its atom types from the record (or from
the atom names of its z-matrix), and each bonded term by looking up the bonded types of its
atoms; a missing term is an error, never a silent zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from itertools import permutations
from typing import Any

import numpy as np
from rdkit import Chem
from rdkit.Chem import Descriptors

from molyte.engines.md.gaff import gaff2_molecule
from molyte.engines.md.geometry import embed, map_geometry, parse_zmat
from molyte.engines.md.topology import (
    KJ_PER_KCAL,
    AtomType,
    ForceField,
    Kind,
    MoleculeFF,
    Term,
    angle_degrees,
    angles_of,
    dihedrals_of,
    improper_centres,
)
from molyte.errors import InvalidInput

DATA = files("molyte.engines.md") / "data"
FF_FILE = "opls_electrolytes.ff"
# An angle of a z-matrix geometry this far (degrees) from the term's equilibrium value is left
# out: the trans F-P-F (180 deg) of octahedral PF6-, which the 90 deg term cannot describe.
ANGLE_MISFIT = 45.0


@dataclass(frozen=True)
class OplsAtom:
    name: str
    bonded: str
    mass: float
    charge: float
    sigma: float
    epsilon_kj: float


@dataclass(frozen=True)
class FFTable:
    """Parameters of an fftool `.ff` file, keyed by type names, in the file's own units."""

    atoms: dict[str, OplsAtom]
    bonds: dict[tuple[str, ...], tuple[float, ...]]
    angles: dict[tuple[str, ...], tuple[float, ...]]
    dihedrals: dict[tuple[str, ...], tuple[float, ...]]
    impropers: dict[tuple[str, ...], tuple[float, ...]]


def parse_ff(text: str) -> FFTable:
    """Parse an fftool force-field file; a term given twice with different values is an error."""
    atoms: dict[str, OplsAtom] = {}
    tables: dict[str, dict[tuple[str, ...], tuple[float, ...]]] = {
        "BONDS": {}, "ANGLES": {}, "DIHEDRALS": {}, "IMPROPER": {},
    }  # fmt: skip
    width = {"BONDS": 2, "ANGLES": 3, "DIHEDRALS": 4, "IMPROPER": 4}
    section = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if line[0] in ("ATOMS", *tables):
            section = line[0]
            continue
        if section == "ATOMS":
            name, bonded, mass, charge, _pot, sigma, epsilon = line[:7]
            atoms[name] = OplsAtom(
                name, bonded, float(mass), float(charge), float(sigma), float(epsilon)
            )
        elif section:
            n = width[section]
            key = tuple(line[:n])
            values = tuple(float(v) for v in line[n + 1 :])
            table = tables[section]
            known = table.get(key, table.get(key[::-1]))
            if known is not None and known != values:
                raise ValueError(f"{section} {' '.join(key)} given twice with different values")
            table[key] = values
    return FFTable(
        atoms, tables["BONDS"], tables["ANGLES"], tables["DIHEDRALS"], tables["IMPROPER"]
    )


@cache
def ff_table(name: str = FF_FILE) -> FFTable:
    """The parsed parameters of one `.ff` file of the package data."""
    return parse_ff((DATA / name).read_text())


@cache
def _records() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "species.json").read_text())
    return data


def _species_records() -> dict[str, dict[str, Any]]:
    data = _records()
    return {r["name"]: r for r in data["ions"] + data["solvents"]}


def ionic_liquid_record(name: str) -> dict[str, Any] | None:
    """The ionic liquid `name` (with `full_name`), or None when `name` is not one."""
    for record in _records()["ionic_liquids"]:
        if record["name"] == name:
            ions = _species_records()
            full = f"{ions[record['cation']]['full_name']} {ions[record['anion']]['full_name']}"
            return {"full_name": full, **record}
    return None


def salt_record(name: str) -> dict[str, Any]:
    for salt in _records()["salts"]:
        if salt["name"] == name:
            return dict(salt)
    known = ", ".join(s["name"] for s in _records()["salts"])
    raise InvalidInput(f"unknown salt {name!r}; choose one of {known}")


def species_record(name: str) -> dict[str, Any]:
    records = _species_records()
    if name not in records:
        raise InvalidInput(f"unknown species {name!r}; choose one of {', '.join(records)}")
    return dict(records[name])


def solvent_names() -> list[str]:
    """Molecular solvents, then ionic liquids."""
    data = _records()
    return [r["name"] for r in data["solvents"] + data["ionic_liquids"]]


def salt_names() -> list[str]:
    return [r["name"] for r in _records()["salts"]]


def molar_mass(smiles: str) -> float:
    """g/mol from the SMILES (average atomic weights)."""
    return float(Descriptors.MolWt(Chem.MolFromSmiles(smiles)))  # type: ignore[attr-defined]


def library_catalog() -> dict[str, list[dict[str, Any]]]:
    """Salts and solvents of the library with full names (served at `GET /api/v1/library`)."""
    solvents = [
        {
            "name": r["name"],
            "full_name": r["full_name"],
            "smiles": r["smiles"],
            "density": r["density"],
            "molar_mass": round(molar_mass(r["smiles"]), 3),
        }
        for r in _records()["solvents"]
    ]
    # composition imports this module; an ionic liquid's estimated density is computed there
    from molyte.engines.md.composition import ionic_liquid_species

    for name in (r["name"] for r in _records()["ionic_liquids"]):
        record = ionic_liquid_record(name)
        liquid = ionic_liquid_species(name)
        assert record is not None and liquid.density is not None
        solvents.append(
            {
                "name": name,
                "full_name": record["full_name"],
                "smiles": liquid.smiles,
                "density": round(liquid.density, 3),
                "density_estimated": "density" not in record,
                "molar_mass": round(liquid.molar_mass, 3),
                "ionic_liquid": True,
            }
        )
    salts = [
        {k: s[k] for k in ("name", "full_name", "cation", "anion")} for s in _records()["salts"]
    ]
    return {"salts": salts, "solvents": solvents}


def canonical_smiles(smiles: str) -> str:
    return str(Chem.MolToSmiles(Chem.MolFromSmiles(smiles)))


@cache
def library_name_of(smiles: str) -> str | None:
    """The library species whose SMILES is the same molecule, if any."""
    wanted = canonical_smiles(smiles)
    for name, record in _species_records().items():
        if canonical_smiles(record["smiles"]) == wanted:
            return name
    return None


@cache
def library_molecule(name: str) -> MoleculeFF:
    """The `MoleculeFF` of a library species (ion or solvent): OPLS-AA/CL&P from the package
    data, or GAFF2/AM1-BCC (antechamber) for a record marked `"forcefield": "GAFF2"`."""
    record = species_record(name)
    if record.get("forcefield") == ForceField.GAFF2:
        return gaff2_molecule(record["smiles"], name, record["resname"])
    table = ff_table(record.get("ff", FF_FILE))
    mol = Chem.AddHs(Chem.MolFromSmiles(record["smiles"]))
    if "geometry" in record:
        zmat_names, zmat_coords = parse_zmat((DATA / record["geometry"]).read_text())
        elements = [_element_of(table.atoms[t].mass) for t in zmat_names]
        order = map_geometry(mol, elements, zmat_coords)
        types = [zmat_names[i] for i in order]
        coords = zmat_coords[order]
    else:
        types = _record_types(record, mol)
        coords = embed(mol)
    bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds()]
    charge = Chem.GetFormalCharge(mol)
    kind = Kind.SOLVENT if charge == 0 else (Kind.CATION if charge > 0 else Kind.ANION)
    molecule = _opls_molecule(
        name, record, kind, types, coords, bonds, table, check_angles="geometry" in record
    )
    if abs(molecule.total_charge - Chem.GetFormalCharge(mol)) > 1e-6:
        raise ValueError(f"charges of {name} add up to {molecule.total_charge}")
    return molecule


def _record_types(record: dict[str, Any], mol: Chem.Mol) -> list[str]:
    heavy = list(record["types"])
    types: list[str] = []
    for atom in mol.GetAtoms():
        if atom.GetAtomicNum() == 1:
            parent = atom.GetNeighbors()[0].GetIdx()
            types.append(record["h_types"][heavy[parent]])
        else:
            types.append(heavy[atom.GetIdx()])
    return types


def _element_of(mass: float) -> str:
    table = Chem.GetPeriodicTable()
    z = min(range(1, 87), key=lambda n: abs(table.GetAtomicWeight(n) - mass))
    return str(table.GetElementSymbol(z))


def _lookup(
    table: dict[tuple[str, ...], tuple[float, ...]], key: tuple[str, ...], what: str, name: str
) -> tuple[float, ...]:
    found = table.get(key, table.get(key[::-1]))
    if found is None:
        raise ValueError(f"no OPLS-AA {what} parameters for {'-'.join(key)} in {name}")
    return found


def _opls_molecule(
    name: str,
    record: dict[str, Any],
    kind: Kind,
    types: list[str],
    coords: np.ndarray,
    bonds: list[tuple[int, int]],
    table: FFTable,
    *,
    check_angles: bool,
) -> MoleculeFF:
    unique = list(dict.fromkeys(types))
    atom_types = [
        AtomType(
            t,
            _element_of(table.atoms[t].mass),
            table.atoms[t].mass,
            table.atoms[t].sigma,
            table.atoms[t].epsilon_kj / KJ_PER_KCAL,
        )
        for t in unique
    ]
    bonded = [table.atoms[t].bonded for t in types]
    n = len(types)
    molecule = MoleculeFF(
        name=name,
        resname=record["resname"],
        kind=kind,
        smiles=record["smiles"],
        forcefield=ForceField.OPLS,
        formal_charge=round(sum(table.atoms[t].charge for t in types)),
        atom_types=atom_types,
        type_of=[unique.index(t) for t in types],
        charges=[table.atoms[t].charge for t in types],
        coords=np.asarray(coords, dtype=float),
    )
    key: tuple[str, ...]
    for i, j in bonds:
        key = (bonded[i], bonded[j])
        r0, k = _lookup(table.bonds, key, "bond", name)[:2]
        molecule.bonds.append(
            Term((i, j), "-".join(sorted(key)), "harmonic", (k / 2 / KJ_PER_KCAL, r0))
        )
    for i, j, k in angles_of(n, bonds):
        key = (bonded[i], bonded[j], bonded[k])
        theta0, kth = _lookup(table.angles, key, "angle", name)[:2]
        if check_angles and abs(angle_degrees(molecule.coords, i, j, k) - theta0) > ANGLE_MISFIT:
            continue
        label = "-".join(min(key, key[::-1]))
        molecule.angles.append(Term((i, j, k), label, "harmonic", (kth / 2 / KJ_PER_KCAL, theta0)))
    for quad in dihedrals_of(n, bonds):
        key = tuple(bonded[a] for a in quad)
        v = _lookup(table.dihedrals, key, "dihedral", name)
        if not any(v):
            continue  # an all-zero OPLS torsion (e.g. through a linear nitrile) adds nothing
        label = "-".join(min(key, key[::-1]))
        molecule.dihedrals.append(Term(quad, label, "opls", tuple(x / KJ_PER_KCAL for x in v[:4])))
    for centre, others in improper_centres(n, bonds):
        for a, b, c in permutations(others):
            key = (bonded[a], bonded[b], bonded[centre], bonded[c])
            if key in table.impropers:
                v2 = table.impropers[key][1]
                # OPLS improper 1/2 V2 (1 - cos 2phi) == cvff K [1 + d cos(n phi)], K=V2/2, d=-1
                molecule.impropers.append(
                    Term((a, b, centre, c), "-".join(key), "cvff", (v2 / 2 / KJ_PER_KCAL, -1, 2))
                )
                break
    return molecule
