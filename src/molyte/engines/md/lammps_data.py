"""The LAMMPS data file (`atom_style full`) of a packed box of parameterised molecules.

Types are numbered per species, in box order: every (species, atom type) pair is one LAMMPS
atom type, and every distinct bonded term of a species is one bond/angle/dihedral/improper
type, so the comments in the data file name where each came from (`# EC OCC`, `# EC C_2-O_2`).

Pair coefficients: the `Pair Coeffs` section gives each type's own epsilon and sigma, and the
input script mixes them geometrically (`pair_modify mix geometric`, the OPLS-AA rule). The one
exception is a pair of two GAFF2 types, which gets an explicit `pair_coeff i j` with the
Lorentz-Berthelot rule (arithmetic sigma, geometric epsilon), so GAFF2 molecules meet each other
as in Amber; every pair with an OPLS-AA type (ions included) uses the geometric rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from molyte.engines.md.topology import ForceField, MoleculeFF, Term

SECTIONS = (("bonds", "Bonds"), ("angles", "Angles"), ("dihedrals", "Dihedrals"),
            ("impropers", "Impropers"))  # fmt: skip


@dataclass
class TypeTable:
    """Numbered parameter sets of one kind of term (1-based ids)."""

    keys: list[tuple[str, str, str, tuple[float, ...]]] = field(default_factory=list)

    def id_of(self, species: str, term: Term) -> int:
        key = (species, term.label, term.style, term.coeffs)
        if key not in self.keys:
            self.keys.append(key)
        return self.keys.index(key) + 1


@dataclass
class BoxSystem:
    """Everything the data file and input script need about the packed box."""

    molecules: list[MoleculeFF]  # one per species, charges already scaled
    counts: list[int]
    coords: NDArray[np.float64]  # all atoms, molecule after molecule, species in order
    box_length: float
    atom_types: list[tuple[int, int]] = field(init=False)  # (species idx, type idx)
    terms: dict[str, TypeTable] = field(init=False)

    def __post_init__(self) -> None:
        self.atom_types = [
            (s, t)
            for s, molecule in enumerate(self.molecules)
            for t in range(len(molecule.atom_types))
        ]
        self.terms = {name: TypeTable() for name, _ in SECTIONS}
        for molecule in self.molecules:
            for name, _ in SECTIONS:
                for term in getattr(molecule, name):
                    self.terms[name].id_of(molecule.name, term)

    def atom_type_id(self, species: int, type_index: int) -> int:
        return self.atom_types.index((species, type_index)) + 1

    @property
    def n_atoms(self) -> int:
        return sum(m.n_atoms * n for m, n in zip(self.molecules, self.counts, strict=True))

    @property
    def total_charge(self) -> float:
        return sum(m.total_charge * n for m, n in zip(self.molecules, self.counts, strict=True))

    def dihedral_styles(self) -> list[str]:
        return sorted({key[2] for key in self.terms["dihedrals"].keys})

    def shake_types(self) -> tuple[list[int], list[int]]:
        """Bond types with a hydrogen, and the H-O-H angle type of rigid water, for SHAKE.

        A species with an atom carrying more than three hydrogens is left out: LAMMPS SHAKE
        clusters hold at most four atoms.
        """
        bonds: set[int] = set()
        angles: set[int] = set()
        for molecule in self.molecules:
            elements = molecule.elements
            h_count = [0] * molecule.n_atoms
            for term in molecule.bonds:
                i, j = term.atoms
                h_count[i] += elements[j] == "H"
                h_count[j] += elements[i] == "H"
            if max(h_count, default=0) > 3:
                continue
            for term in molecule.bonds:
                if any(elements[a] == "H" for a in term.atoms):
                    bonds.add(self.terms["bonds"].id_of(molecule.name, term))
            if molecule.name == "water":
                for term in molecule.angles:
                    angles.add(self.terms["angles"].id_of(molecule.name, term))
        return sorted(bonds), sorted(angles)

    def gaff_pair_coeffs(self) -> list[tuple[int, int, float, float]]:
        """Explicit Lorentz-Berthelot (i, j, epsilon, sigma) for every pair of GAFF2 types."""
        gaff = [
            (i + 1, self.molecules[s].atom_types[t])
            for i, (s, t) in enumerate(self.atom_types)
            if self.molecules[s].forcefield is ForceField.GAFF2
        ]
        pairs = []
        for a, (i, ti) in enumerate(gaff):
            for j, tj in gaff[a + 1 :]:
                pairs.append(
                    (i, j, math.sqrt(ti.epsilon * tj.epsilon), 0.5 * (ti.sigma + tj.sigma))
                )
        return pairs


def format_coeffs(style: str, coeffs: tuple[float, ...], hybrid: bool) -> str:
    """Coefficients as LAMMPS expects them for `style` (integers where it wants integers)."""
    if style == "fourier":
        words = [str(int(coeffs[0]))]
        for k, n, d in zip(coeffs[1::3], coeffs[2::3], coeffs[3::3], strict=True):
            words += [f"{k:.6f}", str(int(n)), f"{d:.2f}"]
    elif style == "cvff":
        words = [f"{coeffs[0]:.6f}", str(int(coeffs[1])), str(int(coeffs[2]))]
    else:
        words = [f"{c:.6f}" for c in coeffs]
    return " ".join(([style] if hybrid else []) + words)


def rounded_charges(charges: list[float], decimals: int = 6) -> list[float]:
    """Charges rounded for printing, the rounding error moved onto the largest one, so the
    printed charges of a molecule add up to its (rounded) net charge exactly."""
    rounded = [round(q, decimals) for q in charges]
    residual = round(round(sum(charges), decimals) - sum(rounded), decimals)
    largest = max(range(len(charges)), key=lambda i: abs(charges[i]))
    rounded[largest] = round(rounded[largest] + residual, decimals)
    return rounded


def render_data(system: BoxSystem, title: str) -> str:
    """The whole data file as text."""
    counts = {name: 0 for name, _ in SECTIONS}
    for molecule, n in zip(system.molecules, system.counts, strict=True):
        for name, _ in SECTIONS:
            counts[name] += n * len(getattr(molecule, name))
    hybrid_dihedrals = len(system.dihedral_styles()) > 1
    length = system.box_length
    out = [f"{title}", ""]
    out.append(f"{system.n_atoms} atoms")
    for name, _ in SECTIONS:
        out.append(f"{counts[name]} {name}")
    out.append("")
    out.append(f"{len(system.atom_types)} atom types")
    for name, _ in SECTIONS:
        out.append(f"{len(system.terms[name].keys)} {name[:-1]} types")
    out += ["", f"0.0 {length:.6f} xlo xhi", f"0.0 {length:.6f} ylo yhi",
            f"0.0 {length:.6f} zlo zhi", "", "Masses", ""]  # fmt: skip
    for i, (s, t) in enumerate(system.atom_types, 1):
        atom_type = system.molecules[s].atom_types[t]
        out.append(f"{i} {atom_type.mass:.4f}  # {system.molecules[s].name} {atom_type.name}")
    out += ["", "Pair Coeffs # lj/cut/coul/long", ""]
    for i, (s, t) in enumerate(system.atom_types, 1):
        atom_type = system.molecules[s].atom_types[t]
        out.append(
            f"{i} {atom_type.epsilon:.6f} {atom_type.sigma:.6f}"
            f"  # {system.molecules[s].name} {atom_type.name}"
        )
    for name, title_case in SECTIONS:
        table = system.terms[name]
        if not table.keys:
            continue
        style_note = "hybrid" if name == "dihedrals" and hybrid_dihedrals else table.keys[0][2]
        out += ["", f"{title_case[:-1]} Coeffs # {style_note}", ""]
        for i, (species, label, style, coeffs) in enumerate(table.keys, 1):
            hybrid = name == "dihedrals" and hybrid_dihedrals
            out.append(f"{i} {format_coeffs(style, coeffs, hybrid)}  # {species} {label}")
    out += ["", "Atoms # full", ""]
    atom_id = 0
    mol_id = 0
    first_atom: list[int] = []  # per molecule instance: id of its first atom minus one
    for s, (molecule, n) in enumerate(zip(system.molecules, system.counts, strict=True)):
        type_ids = [system.atom_type_id(s, t) for t in molecule.type_of]
        charges = rounded_charges(molecule.charges)
        for _ in range(n):
            mol_id += 1
            first_atom.append(atom_id)
            for a in range(molecule.n_atoms):
                x, y, z = system.coords[atom_id]
                atom_id += 1
                out.append(
                    f"{atom_id} {mol_id} {type_ids[a]} {charges[a]:.6f} {x:.5f} {y:.5f} {z:.5f}"
                )
    for name, title_case in SECTIONS:
        if counts[name] == 0:
            continue
        out += ["", title_case, ""]
        term_id = 0
        instance = 0
        for molecule, n in zip(system.molecules, system.counts, strict=True):
            ids = [system.terms[name].id_of(molecule.name, t) for t in getattr(molecule, name)]
            for _ in range(n):
                offset = first_atom[instance]
                instance += 1
                for type_id, term in zip(ids, getattr(molecule, name), strict=True):
                    term_id += 1
                    atoms = " ".join(str(offset + a + 1) for a in term.atoms)
                    out.append(f"{term_id} {type_id} {atoms}")
    out.append("")
    return "\n".join(out)
