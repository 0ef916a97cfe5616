"""Starting geometries: RDKit ETKDG + MMFF for a SMILES, the given block for XYZ; XYZ text I/O;
an ion placed beside a solvent molecule for binding energies."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from molyte.domain.qc_spec import MoleculeSpec, parse_xyz_atoms
from molyte.errors import InvalidInput

Atom = tuple[str, float, float, float]

# A fixed seed makes the same SMILES give the same coordinates (and the same input file).
EMBED_SEED = 20240607
# Ion-oxygen distances of first-shell contacts, Angstrom (Li-O ~1.9-2.0, Na-O ~2.3-2.4 in
# crystal and solvation-shell structures; e.g. Ohtaki & Radnai, Chem. Rev. 93 (1993) 1157).
ION_CONTACT = {"Li": 1.95, "Na": 2.35}
# Atoms an alkali cation binds to, most preferred first.
_DONORS = ("O", "N", "F", "S", "Cl")


def initial_geometry(molecule: MoleculeSpec) -> list[Atom]:
    """Atoms of the molecule: the given XYZ, or RDKit ETKDG + MMFF (UFF if MMFF lacks types)."""
    if molecule.xyz is not None:
        return parse_xyz_atoms(molecule.xyz)
    assert molecule.smiles is not None
    return embed_smiles(molecule.smiles)


def embed_smiles(smiles: str) -> list[Atom]:
    """3D coordinates for a SMILES with hydrogens, from ETKDG then an MMFF (or UFF) relaxation."""
    from rdkit import Chem, rdBase
    from rdkit.Chem import rdDistGeom, rdForceFieldHelpers

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise InvalidInput(f"RDKit cannot parse SMILES {smiles!r}")
    mol = Chem.AddHs(mol)
    params: Any = rdDistGeom.ETKDGv3()
    params.randomSeed = EMBED_SEED
    if rdDistGeom.EmbedMolecule(mol, params) != 0:
        params.useRandomCoords = True
        if rdDistGeom.EmbedMolecule(mol, params) != 0:
            raise InvalidInput(f"RDKit could not build 3D coordinates for {smiles!r}")
    if mol.GetNumAtoms() > 1:
        if rdForceFieldHelpers.MMFFHasAllMoleculeParams(mol):
            rdForceFieldHelpers.MMFFOptimizeMolecule(mol, maxIters=2000)
        elif rdForceFieldHelpers.UFFHasAllMoleculeParams(mol):
            rdForceFieldHelpers.UFFOptimizeMolecule(mol, maxIters=2000)
    conf = mol.GetConformer()
    atoms: list[Atom] = []
    for atom in mol.GetAtoms():
        pos = conf.GetAtomPosition(atom.GetIdx())
        atoms.append((atom.GetSymbol(), round(pos.x, 6), round(pos.y, 6), round(pos.z, 6)))
    return atoms


def place_ion(atoms: list[Atom], ion: str) -> list[Atom]:
    """The molecule with `ion` added beside its best donor atom, pointing away from the donor's
    neighbours (a carbonyl O gets the ion along the C=O axis)."""
    donors = [i for d in _DONORS for i, a in enumerate(atoms) if a[0] == d]
    if not donors:
        raise InvalidInput("the molecule has no O, N, F, S or Cl atom for the ion to bind to")
    # Among atoms of the preferred element, pick the one with fewest heavy neighbours (C=O over
    # the ether O of a carbonate): the most exposed lone pairs.
    element = atoms[donors[0]][0]
    candidates = [i for i in donors if atoms[i][0] == element]
    donor = min(candidates, key=lambda i: (len(_neighbours(atoms, i)), i))
    d = _xyz(atoms[donor])
    away = [0.0, 0.0, 0.0]
    for j in _neighbours(atoms, donor):
        n = _xyz(atoms[j])
        for k in range(3):
            away[k] += d[k] - n[k]
    norm = math.sqrt(sum(c * c for c in away))
    if norm < 1e-6:  # a lone atom or a symmetric site: any direction will do
        away, norm = [0.0, 0.0, 1.0], 1.0
    r = ION_CONTACT[ion]
    pos = [d[k] + r * away[k] / norm for k in range(3)]
    return [*atoms, (ion, round(pos[0], 6), round(pos[1], 6), round(pos[2], 6))]


def _neighbours(atoms: list[Atom], i: int) -> list[int]:
    """Indices of atoms within bonding distance (1.9 Angstrom; 1.3 for hydrogen) of atom `i`."""
    out = []
    for j, b in enumerate(atoms):
        if j == i:
            continue
        limit = 1.3 if "H" in (b[0], atoms[i][0]) else 1.9
        if math.dist(_xyz(atoms[i]), _xyz(b)) < limit:
            out.append(j)
    return out


def _xyz(atom: Atom) -> tuple[float, float, float]:
    return (atom[1], atom[2], atom[3])


def xyz_text(atoms: list[Atom], comment: str = "") -> str:
    """An XYZ file: atom count, comment line, one `Element x y z` line per atom."""
    lines = [str(len(atoms)), comment]
    lines += [f"{s:<2} {x:14.8f} {y:14.8f} {z:14.8f}" for s, x, y, z in atoms]
    return "\n".join(lines) + "\n"


def read_xyz(path: Path) -> list[Atom]:
    """Atoms of an XYZ file (the last frame if the file holds several)."""
    lines = path.read_text().splitlines()
    frames: list[list[Atom]] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        count = int(lines[i].split()[0])
        block = lines[i + 2 : i + 2 + count]
        frames.append(
            [(p[0], float(p[1]), float(p[2]), float(p[3])) for p in map(str.split, block)]
        )
        i += 2 + count
    if not frames:
        raise InvalidInput(f"{path.name} holds no XYZ frame")
    return frames[-1]
