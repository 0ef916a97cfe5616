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
`angle_constant` is that original method. `modified_angle_constants` is the "modified
Seminario method" (A. E. A. Allen, M. C. Payne, D. J. Cole, "Harmonic force constants for
molecular mechanics force fields via Hessian matrix projection", J. Chem. Theory Comput. 2018,
doi 10.1021/acs.jctc.7b00785). The perpendicular stiffness of an end atom A of the
angle A-B-C is shared by every angle A-B-X that bends the same bond B-A, so the modified method
divides it by 1 + (mean over the other angles A-B-X of (u_PA(ABC) . u_PA(ABX))^2), u_PA(ABX)
being the in-plane unit vector perpendicular to B-A in the plane of A-B-X: an angle whose
opening moves A the same way as this one's takes half the stiffness, one that moves A at right
angles to it (out of this plane) none. Bonds are the same in both methods. The mean (not the
sum) over the other angles is what the authors' published code computes; the paper's own
text was not available to check.

What the method gives is not the input of a harmonic force field in general: for an isolated
bend between two very stiff bonds of equal length it returns k_theta (1 + s)/2 with
s = sin(theta) - cos(theta), exact at 90 degrees and about 14 % high at the tetrahedral angle
(the bond eigenvector tilts into the bend; `tests/unit/md/test_md_seminario.py` checks both).
Neither method is exact where several angles meet: on Hessians of known force fields the tests
find, for one k on every angle, 1.5 k (original) and 0.75 k (modified) at a trigonal planar
centre, k and k/2 at a square planar one. Where a block has a degenerate eigenvalue (a centre
of high symmetry) its eigenvectors in that plane are arbitrary and sum_i lambda_i |u . v_i|
depends on which are returned; real molecules of low symmetry are not affected.
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


def _in_plane_perpendicular(
    coords: NDArray[np.float64], end: int, centre: int, other: int
) -> NDArray[np.float64]:
    """The unit vector in the plane end-centre-other, perpendicular to the bond centre-end:
    the direction in which `end` moves when the angle opens (u_PA of Seminario)."""
    u_end = _unit(coords[end] - coords[centre])
    u_other = _unit(coords[other] - coords[centre])
    normal = _unit(np.cross(u_other, u_end))
    return np.cross(normal, u_end)


def _angle_k(
    hessian: NDArray[np.float64],
    coords: NDArray[np.float64],
    angle: tuple[int, int, int],
    shares: tuple[float, float] = (1.0, 1.0),
) -> AngleConstant:
    """k of the angle a-b-c from the perpendicular stiffnesses of a and c, each divided by its
    share (1 in the original method), added in series: 1/k = 1/(R_ab^2 k_a) + 1/(R_cb^2 k_c)."""
    a, b, c = angle
    ab = coords[a] - coords[b]
    cb = coords[c] - coords[b]
    k_a = _stiffness(hessian, a, b, _in_plane_perpendicular(coords, a, b, c)) / shares[0]
    k_c = _stiffness(hessian, c, b, _in_plane_perpendicular(coords, c, b, a)) / shares[1]
    if k_a <= 0.0 or k_c <= 0.0:
        raise InvalidInput(
            f"angle {a}-{b}-{c}: a perpendicular stiffness is not positive "
            f"({k_a:.3g}, {k_c:.3g}); is the geometry a minimum of this Hessian?"
        )
    k = 1.0 / (1.0 / (float(ab @ ab) * k_a) + 1.0 / (float(cb @ cb) * k_c))
    cosine = float(np.clip(_unit(ab) @ _unit(cb), -1.0, 1.0))
    return AngleConstant((a, b, c), float(np.degrees(np.arccos(cosine))), k)


def angle_constant(
    hessian: NDArray[np.float64], coords: NDArray[np.float64], a: int, b: int, c: int
) -> AngleConstant:
    """The original Seminario force constant of the angle a-b-c (b central), per rad^2."""
    check_hessian(hessian, coords)
    return _angle_k(hessian, coords, (a, b, c))


def angle_shares(
    coords: NDArray[np.float64], angles: list[tuple[int, int, int]]
) -> dict[tuple[int, int, int], float]:
    """For each angle a-b-c and each of its ends (key (end, b, other end)), the divisor of the
    modified Seminario method: 1 + the mean of (u_P . u_P')^2 over the other angles of
    `angles` at b that bend the same bond b-end, u_P and u_P' the in-plane perpendiculars to
    that bond in the two angles' planes; 1 when no other angle bends that bond."""
    perpendicular = {}
    for a, b, c in angles:
        perpendicular[(a, b, c)] = _in_plane_perpendicular(coords, a, b, c)
        perpendicular[(c, b, a)] = _in_plane_perpendicular(coords, c, b, a)
    shares = {}
    for (end, centre, other), u in perpendicular.items():
        overlaps = [
            float(u @ v) ** 2
            for (end2, centre2, other2), v in perpendicular.items()
            if end2 == end and centre2 == centre and other2 != other
        ]
        shares[(end, centre, other)] = 1.0 + (float(np.mean(overlaps)) if overlaps else 0.0)
    return shares


def modified_angle_constants(
    hessian: NDArray[np.float64],
    coords: NDArray[np.float64],
    angles: list[tuple[int, int, int]],
) -> list[AngleConstant]:
    """The modified Seminario force constants (per rad^2) of `angles` (a, b, c with b
    central), in their order. `angles` must hold every angle of the molecule at each central
    atom it names: the correction of one angle depends on its neighbours."""
    check_hessian(hessian, coords)
    if len({(min(a, c), b, max(a, c)) for a, b, c in angles}) != len(angles):
        raise InvalidInput("an angle is listed twice")
    shares = angle_shares(coords, angles)
    return [
        _angle_k(hessian, coords, (a, b, c), (shares[(a, b, c)], shares[(c, b, a)]))
        for a, b, c in angles
    ]
