"""Single-molecule geometries: RDKit ETKDG, z-matrices, and mapping a given geometry onto the
atom order of a SMILES (so topology always comes from the SMILES)."""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import NDArray
from rdkit import Chem
from rdkit.Chem import AllChem

from molyte.errors import InvalidInput

EMBED_SEED = 0xF00D
# Two atoms of a z-matrix geometry are bonded when closer than this times their covalent radii.
BOND_TOLERANCE = 1.15


def embed(mol: Chem.Mol, seed: int = EMBED_SEED) -> NDArray[np.float64]:
    """ETKDG coordinates (A) of `mol` (with explicit hydrogens), deterministic for a seed."""
    if mol.GetNumAtoms() == 1:
        return np.zeros((1, 3))
    work = Chem.Mol(mol)
    params = AllChem.ETKDGv3()  # type: ignore[attr-defined]
    params.randomSeed = seed
    if AllChem.EmbedMolecule(work, params) != 0:  # type: ignore[attr-defined]
        params.useRandomCoords = True
        if AllChem.EmbedMolecule(work, params) != 0:  # type: ignore[attr-defined]
            raise InvalidInput(f"RDKit could not embed {Chem.MolToSmiles(mol)} in 3D")
    return np.array(work.GetConformer().GetPositions(), dtype=float)


def parse_zmat(text: str) -> tuple[list[str], NDArray[np.float64]]:
    """Atom names and Cartesian coordinates of a z-matrix in fftool's format.

    Lines `i name [a r [b theta [c phi]]]` define atoms (references are 1-based), `x = v` lines
    define variables used in place of numbers; other lines are ignored.
    """
    variables: dict[str, float] = {}
    rows: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        match = re.fullmatch(r"(\w+)\s*=\s*(\S+)", line)
        if match:
            variables[match.group(1)] = float(match.group(2))
        elif line and line.split()[0].isdigit():
            rows.append(line.split())

    def value(word: str) -> float:
        return variables[word] if word in variables else float(word)

    names: list[str] = []
    coords: list[NDArray[np.float64]] = []
    for row in rows:
        names.append(row[1])
        refs = row[2:]
        if not refs:
            coords.append(np.zeros(3))
            continue
        a, r = int(refs[0]) - 1, value(refs[1])
        if len(refs) == 2:
            coords.append(coords[a] + np.array([0.0, 0.0, r]))
            continue
        b, theta = int(refs[2]) - 1, value(refs[3])
        if len(refs) == 4:
            helper = coords[b] + _perpendicular(coords[a] - coords[b])
            coords.append(_place(helper, coords[b], coords[a], r, theta, 0.0))
            continue
        c, phi = int(refs[4]) - 1, value(refs[5])
        coords.append(_place(coords[c], coords[b], coords[a], r, theta, phi))
    return names, np.array(coords)


def _perpendicular(v: NDArray[np.float64]) -> NDArray[np.float64]:
    trial = (
        np.array([1.0, 0.0, 0.0])
        if abs(v[0]) < 0.9 * np.linalg.norm(v)
        else np.array([0.0, 1.0, 0.0])
    )
    return np.cross(v, trial)


def _place(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    c: NDArray[np.float64],
    r: float,
    theta: float,
    phi: float,
) -> NDArray[np.float64]:
    """Point d with |cd| = r, angle b-c-d = theta, dihedral a-b-c-d = phi (degrees) (NeRF)."""
    bc = (c - b) / np.linalg.norm(c - b)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    t, p = np.radians(theta), np.radians(phi)
    local = np.array([-r * np.cos(t), r * np.sin(t) * np.cos(p), r * np.sin(t) * np.sin(p)])
    return np.asarray(c + local[0] * bc + local[1] * m + local[2] * n, dtype=float)


def map_geometry(mol: Chem.Mol, elements: list[str], coords: NDArray[np.float64]) -> list[int]:
    """For each atom of `mol`, the index of the matching atom of a geometry (by bonded graph).

    The geometry's bonds are found from distances; bond orders and charges are ignored, so a
    z-matrix of PF6- matches `F[P-](F)(F)(F)(F)F`.
    """
    if len(elements) != mol.GetNumAtoms():
        raise InvalidInput(
            f"geometry has {len(elements)} atoms, {Chem.MolToSmiles(mol)} has {mol.GetNumAtoms()}"
        )
    table = Chem.GetPeriodicTable()
    target = Chem.RWMol()
    for symbol in elements:
        target.AddAtom(Chem.Atom(symbol))
    for i in range(len(elements)):
        for j in range(i + 1, len(elements)):
            limit = BOND_TOLERANCE * (
                table.GetRcovalent(elements[i]) + table.GetRcovalent(elements[j])
            )
            if np.linalg.norm(coords[i] - coords[j]) < limit:
                target.AddBond(i, j, Chem.BondType.SINGLE)
    query = Chem.RWMol(mol)
    for atom in query.GetAtoms():
        atom.SetFormalCharge(0)
        atom.SetIsAromatic(False)
        atom.SetNoImplicit(True)
    for bond in query.GetBonds():
        bond.SetBondType(Chem.BondType.SINGLE)
        bond.SetIsAromatic(False)
    for m in (target, query):
        m.UpdatePropertyCache(strict=False)
        Chem.FastFindRings(m)
    match = target.GetSubstructMatch(query)
    if len(match) != mol.GetNumAtoms() or target.GetNumBonds() != query.GetNumBonds():
        raise InvalidInput(f"geometry does not match the bonds of {Chem.MolToSmiles(mol)}")
    return list(match)
