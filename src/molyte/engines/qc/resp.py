"""Restrained electrostatic-potential (RESP) charges: the two-stage fit of Bayly, Cieplak,
Cornell & Kollman, J. Phys. Chem. 97 (1993) 10269, to the potential on the Merz-Kollman grid
of `esp.py`.

Plain ESP charges of atoms buried inside a molecule (the carbon of a methyl group, say) are
poorly determined by the potential outside: many charge sets fit it almost equally well, and
the fit picks large, conformation-dependent values. RESP adds a hyperbolic restraint toward
zero, `a * sum_i (sqrt(q_i^2 + b^2) - b)` with b = 0.1 e, which costs little where the potential
pins a charge down and pulls the poorly determined ones toward zero.

The two stages, as in the paper and in Amber's `resp`/`respgen` (its "RESP-A1" model):

1. a = 0.0005 au on every heavy atom, hydrogens unrestrained; atoms equivalent by symmetry
   have one charge, except the hydrogens of methyl and methylene groups, which are free here
   (constraining them equal at this stage would hold the rest of the fit to their average
   before their carbon is settled);
2. only the methyl and methylene groups (sp3 carbons, i.e. four neighbours, with two or more
   hydrogens, and those hydrogens) are fitted again, with a = 0.001 au on their carbons, their
   symmetry-equivalent atoms (the hydrogens of one group, equivalent groups) given one charge
   and every other charge fixed at its stage-1 value.

Equivalence is topological: atoms are bonded when closer than 1.25 times the sum of their
covalent radii, and the classes come from refining element labels by the labels of the
neighbours until the partition stops changing (the graph's colour refinement). Like Amber's
tools, this does not tell apart atoms that differ only in geometry (cis and trans hydrogens of
a =CH2, diastereotopic hydrogens); those get one charge.

The restraint makes the fit nonlinear. Its derivative a q / sqrt(q^2 + b^2) is added to the
normal equations A q = B of the ESP fit as a q-dependent diagonal a / sqrt(q^2 + b^2), and the
linear system is solved again until no charge moves by more than 1e-6 e. This is the form of
Amber's `resp` program, for which the published a values were chosen: A is unnormalised (a sum
over the points, atomic units), so the restraint's weight relative to the fit grows with
fewer points. Each step minimises a quadratic that lies above the restrained objective and
touches it at the current charges, so the objective never rises and the iteration converges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from molyte.engines.qc.esp import ANGSTROM_TO_BOHR, EspSamples, NoRadiusError, normal_equations

RESP_B = 0.1  # e, the hyperbola's width
STAGE1_A = 0.0005  # au, on every heavy atom
STAGE2_A = 0.001  # au, on the methyl/methylene carbons refitted in stage 2
TOLERANCE = 1e-6  # e, the largest change of a charge in the last iteration
MAX_ITERATIONS = 500
RESP_METHOD = (
    "two-stage RESP (Bayly et al. 1993) on the Merz-Kollman grid: a = 0.0005/0.001 au, "
    "b = 0.1 e, hydrogens unrestrained, CH3/CH2 hydrogens equivalenced in stage 2"
)
# Covalent radii in Angstrom (Cordero et al., Dalton Trans. (2008) 2832; sp3 carbon) of the
# elements with a Merz-Kollman radius: what tells bonded atoms from neighbours in space.
COVALENT_RADII = {
    "H": 0.31, "Li": 1.28, "B": 0.84, "C": 0.76, "N": 0.71, "O": 0.66, "F": 0.57,
    "Na": 1.66, "Si": 1.11, "P": 1.07, "S": 1.05, "Cl": 1.02, "Br": 1.20,
}  # fmt: skip
BOND_TOLERANCE = 1.25


class RespNotConvergedError(RuntimeError):
    """The restrained fit did not settle within MAX_ITERATIONS (not seen in practice)."""


def bonded_neighbours(symbols: Sequence[str], coords: NDArray[np.float64]) -> list[set[int]]:
    """The atoms bonded to each atom, judged by distance (`coords` in Angstrom)."""
    missing = sorted({s for s in symbols if s not in COVALENT_RADII})
    if missing:
        raise NoRadiusError(f"no covalent radius for {', '.join(missing)}")
    radii = np.array([COVALENT_RADII[s] for s in symbols])
    distances = np.linalg.norm(coords[:, None, :] - coords[None, :, :], axis=2)
    bonded = distances < BOND_TOLERANCE * (radii[:, None] + radii[None, :])
    np.fill_diagonal(bonded, False)
    return [set(np.flatnonzero(row).tolist()) for row in bonded]


def symmetry_classes(symbols: Sequence[str], neighbours: Sequence[set[int]]) -> list[int]:
    """One class number per atom; atoms of a class are topologically equivalent (same element,
    neighbours of the same classes, recursively). Numbers are 0, 1, ... in order of first
    appearance."""
    labels = _renumber([(s,) for s in symbols])
    while True:
        signatures = [
            (labels[i], *sorted(labels[j] for j in neighbours[i])) for i in range(len(symbols))
        ]
        refined = _renumber(signatures)
        if max(refined, default=-1) == max(labels, default=-1):  # no class split: stable
            return refined
        labels = refined


def _renumber(signatures: Sequence[tuple[object, ...]]) -> list[int]:
    """Class numbers for signatures, equal signatures equal numbers, in order of appearance."""
    numbers: dict[tuple[object, ...], int] = {}
    return [numbers.setdefault(s, len(numbers)) for s in signatures]


def methyl_groups(symbols: Sequence[str], neighbours: Sequence[set[int]]) -> set[int]:
    """The atoms of methyl and methylene groups (and methane): each carbon with four bonded
    neighbours of which two or more are hydrogens, and those hydrogens."""
    atoms: set[int] = set()
    for i, symbol in enumerate(symbols):
        hydrogens = {j for j in neighbours[i] if symbols[j] == "H"}
        if symbol == "C" and len(neighbours[i]) == 4 and len(hydrogens) >= 2:
            atoms |= {i, *hydrogens}
    return atoms


def restrained_fit(
    matrix: NDArray[np.float64],
    vector: NDArray[np.float64],
    total_charge: float,
    restraint: Sequence[float],
    groups: Sequence[int],
    fixed: Mapping[int, float] | None = None,
    b: float = RESP_B,
    tolerance: float = TOLERANCE,
) -> NDArray[np.float64]:
    """The charges minimising the ESP misfit of the normal equations `matrix` q = `vector`
    (see `esp.normal_equations`) plus `restraint[i]` * (sqrt(q_i^2 + b^2) - b) per atom, with
    their sum `total_charge`, atoms of one `groups` number sharing one charge, and the atoms
    in `fixed` held at its values (their `groups` and `restraint` entries are not used).
    A restraint of zero everywhere gives the plain constrained ESP fit."""
    n = len(vector)
    fixed = dict(fixed or {})
    base = np.zeros(n)
    for atom, charge in fixed.items():
        base[atom] = charge
    free_groups = sorted({groups[i] for i in range(n) if i not in fixed})
    column = {group: k for k, group in enumerate(free_groups)}
    # q = T p + base: p holds one charge per free group, T spreads it over the group's atoms.
    spread = np.zeros((n, len(free_groups)))
    for i in range(n):
        if i not in fixed:
            spread[i, column[groups[i]]] = 1.0
    remaining = total_charge - base.sum()
    if not free_groups:
        if abs(remaining) > 1e-9:
            raise ValueError("every charge is fixed and they do not add up to the total charge")
        return base
    m = len(free_groups)
    # The reduced problem bordered by the total-charge constraint (Lagrange multiplier).
    system = np.zeros((m + 1, m + 1))
    system[:m, :m] = spread.T @ matrix @ spread
    system[:m, m] = system[m, :m] = spread.sum(axis=0)
    rhs = np.concatenate([spread.T @ (vector - matrix @ base), [remaining]])
    weights = spread.T @ np.asarray(restraint, dtype=float)  # a summed over each group's atoms
    charges = np.linalg.solve(system, rhs)[:m]  # the unrestrained fit starts the iteration
    if not weights.any():
        return spread @ charges + base
    for _ in range(MAX_ITERATIONS):
        restrained = system.copy()
        restrained[np.arange(m), np.arange(m)] += weights / np.sqrt(charges**2 + b * b)
        updated = np.linalg.solve(restrained, rhs)[:m]
        change = float(np.abs(updated - charges).max())
        charges = updated
        if change < tolerance:
            return spread @ charges + base
    raise RespNotConvergedError(f"RESP did not converge in {MAX_ITERATIONS} iterations")


def resp_fit(
    symbols: Sequence[str],
    coords: NDArray[np.float64],
    points: NDArray[np.float64],
    potential: NDArray[np.float64],
    total_charge: float,
    strengths: tuple[float, float] = (STAGE1_A, STAGE2_A),
) -> NDArray[np.float64]:
    """Two-stage RESP charges of atoms at `coords` fitted to `potential` (hartree/e) at
    `points`, both in bohr, adding up to `total_charge` (the module docstring has the rules);
    `strengths` are the restraints' a of the two stages (au)."""
    neighbours = bonded_neighbours(symbols, coords / ANGSTROM_TO_BOHR)
    classes = symmetry_classes(symbols, neighbours)
    refit = methyl_groups(symbols, neighbours)
    matrix, vector = normal_equations(coords, points, potential)
    heavy = [symbol != "H" for symbol in symbols]
    n = len(symbols)
    # Stage 1: methyl/methylene hydrogens each on their own (numbers past every class).
    stage1_groups = [n + i if symbols[i] == "H" and i in refit else classes[i] for i in range(n)]
    stage1 = restrained_fit(
        matrix, vector, total_charge, [strengths[0] * h for h in heavy], stage1_groups
    )
    if not refit:
        return stage1
    fixed = {i: float(stage1[i]) for i in range(n) if i not in refit}
    stage2_restraint = [strengths[1] if heavy[i] and i in refit else 0.0 for i in range(n)]
    return restrained_fit(matrix, vector, total_charge, stage2_restraint, classes, fixed)


def resp_charges(samples: EspSamples) -> list[float]:
    """The two-stage RESP charges of `samples` (see `esp.pyscf_esp_samples`), in atom order."""
    charges = resp_fit(
        samples.symbols, samples.coords, samples.points, samples.potential, samples.total_charge
    )
    return [float(q) for q in charges]
