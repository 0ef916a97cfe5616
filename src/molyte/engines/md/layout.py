"""Where each species' atoms are in the box, from `system.json` (the builder's record): the
molecules of a species are contiguous, species in the order of the spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class SpeciesLayout:
    name: str
    resname: str
    kind: str
    count: int
    n_atoms: int
    first: int  # index of the first atom of the first molecule
    elements: list[str]
    atom_names: list[str]
    masses: np.ndarray
    formal_charge: int
    coordinating: list[str]

    def atoms_of(self, elements: set[str]) -> np.ndarray:
        """Indices (in the whole box) of this species' atoms of the given elements."""
        local = [i for i, e in enumerate(self.elements) if e in elements]
        starts = self.first + self.n_atoms * np.arange(self.count)
        return np.asarray((starts[:, None] + np.array(local)[None, :]).ravel(), dtype=int)

    def molecule_starts(self) -> np.ndarray:
        return np.asarray(self.first + self.n_atoms * np.arange(self.count), dtype=np.int64)


def layout(info: dict[str, Any]) -> list[SpeciesLayout]:
    """The species of `system.json` with the index of their first atom."""
    result = []
    first = 0
    for s in info["species"]:
        n_atoms = len(s["elements"])
        result.append(
            SpeciesLayout(
                s["name"],
                s["resname"],
                s["kind"],
                s["count"],
                n_atoms,
                first,
                s["elements"],
                s["atom_names"],
                np.array(s["masses"]),
                s["formal_charge"],
                s["coordinating"],
            )
        )
        first += n_atoms * s["count"]
    return result


def donor_elements(s: SpeciesLayout) -> set[str]:
    """The elements of a solvent that coordinate a cation: O if it has any, else N."""
    return {"O"} if "O" in s.elements else ({"N"} if "N" in s.elements else set())
