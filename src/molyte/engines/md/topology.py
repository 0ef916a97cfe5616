"""One parameterised molecule (`MoleculeFF`) and the graph walks that list its bonded terms.

Every parameter is stored in LAMMPS `units real` and the functional forms of the styles the
input script declares:
- bonds and angles `harmonic`: E = K (x - x0)^2, K in kcal/mol/A^2 or kcal/mol/rad^2;
- dihedrals `opls` (K1..K4, kcal/mol) for OPLS-AA species, `fourier` ((K, n, d) terms,
  E = sum K [1 + cos(n phi - d)]) for GAFF2 species;
- impropers `cvff`: E = K [1 + d cos(n phi)], central atom third in the list;
- pair `lj/cut/coul/long`: sigma (A), epsilon (kcal/mol) per atom type.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

KJ_PER_KCAL = 4.184


class ForceField(StrEnum):
    OPLS = "OPLS-AA"
    GAFF2 = "GAFF2"


class Kind(StrEnum):
    CATION = "cation"
    ANION = "anion"
    SOLVENT = "solvent"


@dataclass(frozen=True)
class AtomType:
    """LJ site: `name` is unique within its molecule."""

    name: str
    element: str
    mass: float
    sigma: float
    epsilon: float


@dataclass(frozen=True)
class Term:
    """One bonded term: atom indices (0-based, in the molecule), a label and its parameters.

    `label` names the parameter set (the bonded types it was looked up by); two terms with the
    same label in one molecule have the same style and coefficients.
    """

    atoms: tuple[int, ...]
    label: str
    style: str
    coeffs: tuple[float, ...]


@dataclass
class MoleculeFF:
    """A molecule with geometry, per-atom types and charges, and all its bonded terms."""

    name: str
    resname: str
    kind: Kind
    smiles: str
    forcefield: ForceField
    formal_charge: int
    atom_types: list[AtomType]
    type_of: list[int]  # per atom: index into atom_types
    charges: list[float]
    coords: NDArray[np.float64]
    bonds: list[Term] = field(default_factory=list)
    angles: list[Term] = field(default_factory=list)
    dihedrals: list[Term] = field(default_factory=list)
    impropers: list[Term] = field(default_factory=list)

    @property
    def n_atoms(self) -> int:
        return len(self.type_of)

    @property
    def elements(self) -> list[str]:
        return [self.atom_types[t].element for t in self.type_of]

    @property
    def masses(self) -> list[float]:
        return [self.atom_types[t].mass for t in self.type_of]

    @property
    def molar_mass(self) -> float:
        return float(sum(self.masses))

    @property
    def total_charge(self) -> float:
        return float(sum(self.charges))

    def scaled(self, factor: float) -> MoleculeFF:
        """A copy with every partial charge multiplied by `factor` (ion charge scaling)."""
        return replace(self, charges=[q * factor for q in self.charges])


def angles_of(n_atoms: int, bonds: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Every i-j-k with i-j and j-k bonded, each once (i < k)."""
    neighbours = _neighbours(n_atoms, bonds)
    result = []
    for j in range(n_atoms):
        for i, k in combinations(sorted(neighbours[j]), 2):
            result.append((i, j, k))
    return result


def dihedrals_of(n_atoms: int, bonds: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Every proper dihedral i-j-k-l along bonded j-k, each once, i, l distinct (no 3-rings)."""
    neighbours = _neighbours(n_atoms, bonds)
    result = []
    for j, k in bonds:
        for i in sorted(neighbours[j] - {k}):
            for m in sorted(neighbours[k] - {j}):
                if i != m:
                    result.append((i, j, k, m))
    return result


def improper_centres(n_atoms: int, bonds: list[tuple[int, int]]) -> list[tuple[int, list[int]]]:
    """Atoms with exactly three neighbours, with those neighbours (candidate impropers)."""
    neighbours = _neighbours(n_atoms, bonds)
    return [(c, sorted(neighbours[c])) for c in range(n_atoms) if len(neighbours[c]) == 3]


def _neighbours(n_atoms: int, bonds: list[tuple[int, int]]) -> list[set[int]]:
    neighbours: list[set[int]] = [set() for _ in range(n_atoms)]
    for i, j in bonds:
        neighbours[i].add(j)
        neighbours[j].add(i)
    return neighbours


def angle_degrees(coords: NDArray[np.float64], i: int, j: int, k: int) -> float:
    """The i-j-k angle of a geometry, in degrees."""
    a = coords[i] - coords[j]
    b = coords[k] - coords[j]
    cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
