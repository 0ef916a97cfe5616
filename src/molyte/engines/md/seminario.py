"""Bond and angle force constants from a Cartesian Hessian: the Seminario method
(J. M. Seminario, Int. J. Quantum Chem. 60 (1996) 1271).

The 3x3 block of the Hessian between two atoms, with its sign turned (-d2E/dx_A dx_B), is the
"interatomic force-constant matrix" of the pair. Its eigenvalues lambda_i and eigenvectors v_i
give the stiffness along any unit direction u as sum_i lambda_i |u . v_i|:
- a bond A-B: along the bond's unit vector;
- an angle A-B-C: the stiffness of A and of C perpendicular to their bond, in the plane of the
  angle, act in series, 1/k = 1/(R_AB^2 k_A) + 1/(R_CB^2 k_C).
The block is not symmetric when angle terms couple the two atoms; should its eigenvalues come
out complex, only their real parts (and those of the eigenvectors) are used. The force
constants are in the Hessian's energy unit per length^2 (bonds) and per rad^2 (angles), in the
form E = k/2 (x - x0)^2 of fftool's `.ff` files.
This is the original method, not the "modified Seminario" of A. E. A. Allen, M. C. Payne,
D. J. Cole, J. Chem. Theory Comput. (2018), doi 10.1021/acs.jctc.7b00785, which corrects
each angle for the other angles that share its bonds.

What the method gives is not the input of a harmonic force field in general: for an isolated
bend between two very stiff bonds of equal length it returns k_theta (1 + s)/2 with
s = sin(theta) - cos(theta), exact at 90 degrees and about 14 % high at the tetrahedral angle
(the bond eigenvector tilts into the bend; `tests/unit/md/test_md_seminario.py` checks both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from molyte.errors import InvalidInput

# A Hessian is symmetric when its largest asymmetry is at most this times its largest element.
SYMMETRY_TOLERANCE = 1e-6
HARTREE_TO_KJ_MOL = 2625.4996394799  # CODATA 2018, 1 Eh in kJ/mol
BOHR_TO_ANGSTROM = 0.529177210903  # CODATA 2018
# Hartree/bohr^2 -> kJ/mol/A^2 (bonds); an angle constant needs only the energy factor.
HESSIAN_TO_KJ_MOL_A2 = HARTREE_TO_KJ_MOL / BOHR_TO_ANGSTROM**2


class HessianShapeError(InvalidInput):
    """The Hessian is not a symmetric (3N, 3N) matrix matching the N atoms of the geometry."""


@dataclass(frozen=True)
class BondConstant:
    """A fitted bond: atoms (0-based), the equilibrium length and k in E = k/2 (r - r0)^2."""

    atoms: tuple[int, int]
    length: float
    k: float


@dataclass(frozen=True)
class AngleConstant:
    """A fitted angle A-B-C (B central): the equilibrium angle in degrees and k per rad^2."""

    atoms: tuple[int, int, int]
    theta: float
    k: float


def check_hessian(hessian: NDArray[np.float64], coords: NDArray[np.float64]) -> None:
    """Refuse a Hessian that is not a finite, symmetric (3N, 3N) array for N atoms."""
    if coords.ndim != 2 or coords.shape[1] != 3:
        raise HessianShapeError(f"coordinates must be an (N, 3) array, not {coords.shape}")
    n = 3 * len(coords)
    if hessian.shape != (n, n):
        raise HessianShapeError(
            f"the Hessian of {len(coords)} atoms must be ({n}, {n}), not {hessian.shape}"
        )
    if not (np.all(np.isfinite(hessian)) and np.all(np.isfinite(coords))):
        raise HessianShapeError("the Hessian or the coordinates hold NaN or infinity")
    scale = float(np.abs(hessian).max()) or 1.0
    asymmetry = float(np.abs(hessian - hessian.T).max())
    if asymmetry > SYMMETRY_TOLERANCE * scale:
        raise HessianShapeError(
            f"the Hessian is not symmetric (largest |H - H^T| {asymmetry:.3g}, "
            f"largest element {scale:.3g})"
        )


def _pair_eigen(
    hessian: NDArray[np.float64], a: int, b: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Eigenvalues and unit eigenvectors (columns), real parts, of -H_ab."""
    block = -hessian[3 * a : 3 * a + 3, 3 * b : 3 * b + 3]
    values, vectors = np.linalg.eig(block)
    vectors = np.real(vectors)
    vectors /= np.linalg.norm(vectors, axis=0)
    return np.real(values), vectors


def _stiffness(
    hessian: NDArray[np.float64], a: int, b: int, direction: NDArray[np.float64]
) -> float:
    """sum_i lambda_i |u . v_i| of the pair a-b along the unit vector `direction`."""
    values, vectors = _pair_eigen(hessian, a, b)
    return float(np.sum(values * np.abs(direction @ vectors)))


def _unit(vector: NDArray[np.float64]) -> NDArray[np.float64]:
    norm = float(np.linalg.norm(vector))
    if norm < 1e-12:
        raise InvalidInput("two atoms of a bond sit on the same point, or an angle is linear")
    return vector / norm


def bond_constant(
    hessian: NDArray[np.float64], coords: NDArray[np.float64], a: int, b: int
) -> BondConstant:
    """The Seminario force constant of the bond a-b (Hessian and coordinates in one length
    unit): the mean of the projections of the a-b and the b-a blocks, which differ when angle
    terms make the blocks unsymmetric."""
    check_hessian(hessian, coords)
    axis = coords[b] - coords[a]
    u = _unit(axis)
    k = 0.5 * (_stiffness(hessian, a, b, u) + _stiffness(hessian, b, a, u))
    return BondConstant((a, b), float(np.linalg.norm(axis)), k)


def angle_constant(
    hessian: NDArray[np.float64], coords: NDArray[np.float64], a: int, b: int, c: int
) -> AngleConstant:
    """The Seminario force constant of the angle a-b-c (b central), per rad^2."""
    check_hessian(hessian, coords)
    ab = coords[a] - coords[b]
    cb = coords[c] - coords[b]
    u_ab, u_cb = _unit(ab), _unit(cb)
    normal = _unit(np.cross(u_cb, u_ab))
    # In-plane directions perpendicular to each bond, in which a and c move to open the angle.
    u_pa = np.cross(normal, u_ab)
    u_pc = np.cross(u_cb, normal)
    r_ab2 = float(ab @ ab)
    r_cb2 = float(cb @ cb)
    k_a = _stiffness(hessian, a, b, u_pa)
    k_c = _stiffness(hessian, c, b, u_pc)
    if k_a <= 0.0 or k_c <= 0.0:
        raise InvalidInput(
            f"angle {a}-{b}-{c}: a perpendicular stiffness is not positive "
            f"({k_a:.3g}, {k_c:.3g}); is the geometry a minimum of this Hessian?"
        )
    k = 1.0 / (1.0 / (r_ab2 * k_a) + 1.0 / (r_cb2 * k_c))
    cosine = float(np.clip(u_ab @ u_cb, -1.0, 1.0))
    return AngleConstant((a, b, c), float(np.degrees(np.arccos(cosine))), k)
