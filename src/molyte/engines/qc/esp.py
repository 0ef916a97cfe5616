"""Electrostatic-potential (ESP) charges: point charges on the atoms fitted to a molecule's
electrostatic potential on a Merz-Kollman grid, for PySCF (Gaussian prints its own with
`Pop=MK`, parsed in `gaussian.py`).

The method (Singh & Kollman, J. Comput. Chem. 5 (1984) 129; Besler, Merz & Kollman, J. Comput.
Chem. 11 (1990) 431): points on four shells around the atoms at 1.4, 1.6, 1.8 and 2.0 times
their van der Waals radii, 1 point per square Angstrom, points inside any other atom's shell
removed; the charges minimise the squared error of the potential at the points, with their sum
fixed to the molecule's charge (one Lagrange multiplier, no restraint: plain ESP; the
restrained two-stage RESP fit to the same potential is in `resp.py`).
No installable package does this for PySCF on CPU (psiresp runs its QM through Psi4;
gpu4pyscf needs CUDA), so it is written here: `mk_grid` and `fit_charges` are pure numpy;
`pyscf_esp_samples` evaluates the potential.
Checked against Gaussian 09's Pop=MK for methane at B3LYP/6-311G(d,p): within 0.01 e
(tests/integration/qc/test_qc_thermo_esp.py). In an implicit solvent the density is the
solvent-polarised one, and only the molecule's own potential (nuclei and electrons) is
fitted, not the solvent's reaction field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

ANGSTROM_TO_BOHR = 1.0 / 0.52917721092  # CODATA 2010, as PySCF uses
# Radii in Angstrom: Merz-Kollman's for H, C, N, O, F, P, S, Cl (the values Gaussian's Pop=MK
# uses); Bondi's van der Waals radii (J. Phys. Chem. 68 (1964) 441) for Li, Na, Si, Br and
# Mantina et al. (J. Phys. Chem. A 113 (2009) 5806) for B, which MK does not define.
MK_RADII = {
    "H": 1.20, "Li": 1.82, "B": 1.92, "C": 1.50, "N": 1.50, "O": 1.40, "F": 1.35,
    "Na": 2.27, "Si": 2.10, "P": 1.80, "S": 1.75, "Cl": 1.70, "Br": 1.85,
}  # fmt: skip
MK_SCALES = (1.4, 1.6, 1.8, 2.0)
MK_DENSITY = 1.0  # points per square Angstrom
ESP_METHOD = "Merz-Kollman ESP fit (1.4-2.0 x vdW, 1 point/A^2, total charge constrained)"


class NoRadiusError(ValueError):
    """An element without a Merz-Kollman radius: its ESP charges are not fitted."""


def _sphere(n: int) -> NDArray[np.float64]:
    """`n` nearly even points on the unit sphere (a golden-angle spiral)."""
    k = np.arange(n) + 0.5
    z = 1.0 - 2.0 * k / n
    rho = np.sqrt(1.0 - z * z)
    phi = math.pi * (3.0 - math.sqrt(5.0)) * k
    return np.stack([rho * np.cos(phi), rho * np.sin(phi), z], axis=1)


def mk_grid(symbols: Sequence[str], coords: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Merz-Kollman fitting points (Angstrom) around atoms at `coords` (Angstrom)."""
    missing = sorted({s for s in symbols if s not in MK_RADII})
    if missing:
        raise NoRadiusError(f"no Merz-Kollman radius for {', '.join(missing)}")
    radii = np.array([MK_RADII[s] for s in symbols])
    shells = []
    for scale in MK_SCALES:
        for center, radius in zip(coords, radii * scale, strict=True):
            n = max(int(4.0 * math.pi * radius * radius * MK_DENSITY), 10)
            points = center + radius * _sphere(n)
            distances = np.linalg.norm(points[:, None, :] - coords[None, :, :], axis=2)
            # Keep a point only if it lies outside every atom's shell of this scale.
            outside = np.all(distances >= radii * scale - 1e-9, axis=1)
            shells.append(points[outside])
    return np.concatenate(shells)


def normal_equations(
    coords: NDArray[np.float64], points: NDArray[np.float64], potential: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The normal equations `A q = B` of the least-squares fit of point charges at `coords` to
    `potential` (hartree/e) at `points` (both in bohr): A_jk = sum_p 1/(r_pj r_pk) and
    B_j = sum_p V_p/r_pj, unweighted and unnormalised (the form RESP's restraint is scaled to)."""
    inverse = 1.0 / np.linalg.norm(points[:, None, :] - coords[None, :, :], axis=2)
    return inverse.T @ inverse, inverse.T @ potential


def fit_charges(
    coords: NDArray[np.float64],
    points: NDArray[np.float64],
    potential: NDArray[np.float64],
    total_charge: float,
) -> NDArray[np.float64]:
    """Atomic charges that best reproduce `potential` (hartree/e) at `points` with their sum
    fixed to `total_charge`; `coords` and `points` in bohr."""
    normal, rhs_charges = normal_equations(coords, points, potential)
    n = len(coords)
    # Normal equations of the least-squares fit bordered by the total-charge constraint.
    matrix = np.zeros((n + 1, n + 1))
    matrix[:n, :n] = normal
    matrix[:n, n] = matrix[n, :n] = 1.0
    rhs = np.concatenate([rhs_charges, [total_charge]])
    solution: NDArray[np.float64] = np.linalg.solve(matrix, rhs)[:n]
    return solution


@dataclass(frozen=True)
class EspSamples:
    """A molecule's electrostatic potential at its Merz-Kollman points, what a fit needs:
    atom symbols, atom and point coordinates (bohr), the potential there (hartree/e) and the
    molecule's charge."""

    symbols: list[str]
    coords: NDArray[np.float64]
    points: NDArray[np.float64]
    potential: NDArray[np.float64]
    total_charge: float


def pyscf_esp_samples(mf: Any) -> EspSamples:
    """The potential of a converged PySCF SCF object `mf` (nuclei and electrons) on the
    Merz-Kollman grid of its molecule; NoRadiusError for an element without a radius."""
    mol = mf.mol
    symbols = [mol.atom_pure_symbol(i) for i in range(mol.natm)]
    coords_bohr = np.asarray(mol.atom_coords(unit="Bohr"))
    points = mk_grid(symbols, coords_bohr / ANGSTROM_TO_BOHR) * ANGSTROM_TO_BOHR
    dm = np.asarray(mf.make_rdm1())
    if dm.ndim == 3:  # unrestricted: alpha + beta
        dm = dm[0] + dm[1]
    nuclear = np.linalg.norm(points[:, None, :] - coords_bohr[None, :, :], axis=2)
    potential = (mol.atom_charges()[None, :] / nuclear).sum(axis=1)
    # The electrons' potential at each point: the density contracted with the integrals of
    # 1/|r - point| (a unit point charge per fitting point), in chunks to bound the memory.
    for start in range(0, len(points), 512):
        chunk = points[start : start + 512]
        integrals = mol.intor("int1e_grids", grids=chunk)
        potential[start : start + 512] -= np.einsum("pij,ij->p", integrals, dm)
    return EspSamples(symbols, coords_bohr, points, potential, float(mol.charge))


def esp_charges(samples: EspSamples) -> list[float]:
    """The plain Merz-Kollman ESP charges of `samples`, in atom order."""
    charges = fit_charges(samples.coords, samples.points, samples.potential, samples.total_charge)
    return [float(q) for q in charges]


def pyscf_esp_charges(mf: Any) -> list[float]:
    """ESP charges of a converged PySCF SCF object `mf`, in atom order."""
    return esp_charges(pyscf_esp_samples(mf))
