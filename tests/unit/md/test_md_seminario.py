"""The Seminario method, original and modified, on Hessians of known harmonic force fields
(built analytically)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from molyte.engines.md.seminario import (
    HessianShapeError,
    angle_constant,
    angle_shares,
    bond_constant,
    check_hessian,
    modified_angle_constants,
)
from molyte.engines.md.topology import angles_of
from molyte.errors import InvalidInput


def bond_gradient(coords: np.ndarray, a: int, b: int) -> np.ndarray:
    """d r_ab / d x (3N), the Wilson B vector of a bond."""
    g = np.zeros_like(coords)
    u = (coords[b] - coords[a]) / np.linalg.norm(coords[b] - coords[a])
    g[a], g[b] = -u, u
    return g.ravel()


def angle_gradient(coords: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """d theta_abc / d x (3N), the Wilson B vector of a bend."""
    g = np.zeros_like(coords)
    ra, rc = coords[a] - coords[b], coords[c] - coords[b]
    la, lc = np.linalg.norm(ra), np.linalg.norm(rc)
    ea, ec = ra / la, rc / lc
    cos = float(ea @ ec)
    sin = math.sqrt(1.0 - cos * cos)
    g[a] = (cos * ea - ec) / (la * sin)
    g[c] = (cos * ec - ea) / (lc * sin)
    g[b] = -g[a] - g[c]
    return g.ravel()


def harmonic_hessian(coords: np.ndarray, terms: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """At the minimum of sum k/2 (q - q0)^2 the Hessian is sum k B B^T (q's curvature drops
    out because q = q0)."""
    return sum((k * np.outer(b, b) for b, k in terms), np.zeros((coords.size, coords.size)))


def triatomic(theta_deg: float, r_ab: float = 1.0, r_cb: float = 1.0) -> np.ndarray:
    t = math.radians(theta_deg)
    return np.array(
        [[r_ab, 0.0, 0.0], [0.0, 0.0, 0.0], [r_cb * math.cos(t), r_cb * math.sin(t), 0.0]]
    )


def test_diatomic_bond_is_exact() -> None:
    coords = np.array([[0.1, -0.2, 0.3], [0.9, 0.4, 1.1]])
    hessian = harmonic_hessian(coords, [(bond_gradient(coords, 0, 1), 2845.12)])
    bond = bond_constant(hessian, coords, 0, 1)
    assert bond.k == pytest.approx(2845.12, rel=1e-12)
    assert bond.length == pytest.approx(math.sqrt(0.8**2 + 0.6**2 + 0.8**2))
    assert bond_constant(hessian, coords, 1, 0).k == pytest.approx(bond.k, rel=1e-12)


@pytest.mark.parametrize("r_cb", [1.0, 1.2])
def test_right_angle_between_stiff_bonds_is_recovered(r_cb: float) -> None:
    coords = triatomic(90.0, 1.0, r_cb)
    k_bond, k_angle = 1.0e6, 300.0
    hessian = harmonic_hessian(
        coords,
        [
            (bond_gradient(coords, 0, 1), k_bond),
            (bond_gradient(coords, 1, 2), k_bond),
            (angle_gradient(coords, 0, 1, 2), k_angle),
        ],
    )
    angle = angle_constant(hessian, coords, 0, 1, 2)
    assert angle.theta == pytest.approx(90.0)
    assert angle.k == pytest.approx(k_angle, rel=1e-3)
    assert bond_constant(hessian, coords, 0, 1).k == pytest.approx(k_bond, rel=1e-6)


def test_tetrahedral_bend_follows_the_closed_form() -> None:
    """Between stiff, equal bonds the method returns k (1 + sin t - cos t) / 2: +13.8 % at the
    tetrahedral angle. This is the method's own answer, not an error of the code."""
    theta = math.degrees(math.acos(-1.0 / 3.0))
    coords = triatomic(theta)
    hessian = harmonic_hessian(
        coords,
        [
            (bond_gradient(coords, 0, 1), 1.0e6),
            (bond_gradient(coords, 1, 2), 1.0e6),
            (angle_gradient(coords, 0, 1, 2), 500.0),
        ],
    )
    t = math.radians(theta)
    expected = 500.0 * (1.0 + math.sin(t) - math.cos(t)) / 2.0
    assert angle_constant(hessian, coords, 0, 1, 2).k == pytest.approx(expected, rel=1e-3)
    assert expected / 500.0 == pytest.approx(1.138, abs=1e-3)


def test_bonds_of_a_bent_molecule_within_a_few_percent() -> None:
    """Realistic stiffness (water-like: bonds 4600, bend 380 kJ/mol per A^2 or rad^2): the bond
    constants come back within 2 %, the bend's own coupling being small."""
    coords = triatomic(104.5, 0.96, 0.96)
    hessian = harmonic_hessian(
        coords,
        [
            (bond_gradient(coords, 0, 1), 4600.0),
            (bond_gradient(coords, 1, 2), 4600.0),
            (angle_gradient(coords, 0, 1, 2), 380.0),
        ],
    )
    for a, b in ((0, 1), (1, 2)):
        assert bond_constant(hessian, coords, a, b).k == pytest.approx(4600.0, rel=0.02)
    assert angle_constant(hessian, coords, 0, 1, 2).theta == pytest.approx(104.5)


def test_angle_is_symmetric_in_its_end_atoms() -> None:
    coords = triatomic(120.0, 1.0, 1.3)
    hessian = harmonic_hessian(
        coords,
        [
            (bond_gradient(coords, 0, 1), 3000.0),
            (bond_gradient(coords, 1, 2), 2000.0),
            (angle_gradient(coords, 0, 1, 2), 600.0),
        ],
    )
    forward = angle_constant(hessian, coords, 0, 1, 2).k
    assert angle_constant(hessian, coords, 2, 1, 0).k == pytest.approx(forward, rel=1e-9)


def test_bad_hessians_are_refused_with_a_clear_error() -> None:
    coords = np.zeros((2, 3))
    coords[1, 2] = 1.0
    with pytest.raises(HessianShapeError, match=r"must be \(6, 6\), not \(5, 5\)"):
        check_hessian(np.eye(5), coords)
    unsymmetric = np.eye(6)
    unsymmetric[0, 3] = 0.5
    with pytest.raises(HessianShapeError, match="not symmetric"):
        bond_constant(unsymmetric, coords, 0, 1)
    with pytest.raises(HessianShapeError, match=r"\(N, 3\) array"):
        check_hessian(np.eye(6), coords.ravel())
    with pytest.raises(HessianShapeError, match="NaN"):
        check_hessian(np.full((6, 6), np.nan), coords)


def centre(directions: list[tuple[float, float, float]], length: float = 1.0) -> np.ndarray:
    """A central atom 0 at the origin with one bonded atom along each direction."""
    units = [np.asarray(d) / np.linalg.norm(d) for d in directions]
    return np.vstack([np.zeros(3), *(length * u for u in units)])


def force_field_hessian(
    coords: np.ndarray, bonds: list[tuple[int, int]], k_bond: float, k_angle: float
) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """The Hessian of one k_bond on every bond and one k_angle on every angle, and the angles."""
    angles = angles_of(len(coords), bonds)
    terms = [(bond_gradient(coords, a, b), k_bond) for a, b in bonds]
    terms += [(angle_gradient(coords, *t), k_angle) for t in angles]
    return harmonic_hessian(coords, terms), angles


def test_modified_method_leaves_a_lone_angle_as_it_was() -> None:
    """No other angle bends either bond: both divisors are 1 and the methods agree."""
    coords = triatomic(104.5, 0.96, 1.1)
    hessian, angles = force_field_hessian(coords, [(0, 1), (1, 2)], 4600.0, 380.0)
    assert angle_shares(coords, angles) == {(0, 1, 2): 1.0, (2, 1, 0): 1.0}
    (modified,) = modified_angle_constants(hessian, coords, angles)
    original = angle_constant(hessian, coords, 0, 1, 2)
    assert modified.k == pytest.approx(original.k, rel=1e-12)
    assert modified.theta == pytest.approx(104.5)


def test_shares_at_symmetric_centres() -> None:
    """Tetrahedral: the in-plane perpendiculars to one bond in the planes of its three angles
    meet at cos = c/(1 + c) = -1/2 (c = -1/3), so each divisor is 1 + 1/4. Trigonal planar:
    the two angles at a bond lie in one plane, divisor 2."""
    tetrahedral = centre([(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)])
    shares = angle_shares(tetrahedral, angles_of(5, [(0, 1), (0, 2), (0, 3), (0, 4)]))
    assert len(shares) == 12
    assert all(v == pytest.approx(1.25, abs=1e-12) for v in shares.values())
    planar = centre([(1, 0, 0), (-0.5, math.sqrt(3) / 2, 0), (-0.5, -math.sqrt(3) / 2, 0)])
    shares = angle_shares(planar, angles_of(4, [(0, 1), (0, 2), (0, 3)]))
    assert all(v == pytest.approx(2.0, abs=1e-12) for v in shares.values())


def test_trigonal_planar_centre_modified_is_closer() -> None:
    """BF3-like centre, one k on each of the three 120 deg angles. -H of a ligand and the centre
    is symmetric here, k_b bb^T + 3k/R^2 pp^T (p the in-plane perpendicular): the original
    method puts two 3k springs in series, 1.5 k; the modified one halves each, 0.75 k."""
    k = 600.0
    coords = centre([(1, 0, 0), (-0.5, math.sqrt(3) / 2, 0), (-0.5, -math.sqrt(3) / 2, 0)], 1.37)
    bonds = [(0, 1), (0, 2), (0, 3)]
    hessian, angles = force_field_hessian(coords, bonds, 2700.0, k)
    for fit in modified_angle_constants(hessian, coords, angles):
        assert fit.theta == pytest.approx(120.0)
        assert fit.k == pytest.approx(0.75 * k, rel=1e-9)
        original = angle_constant(hessian, coords, *fit.atoms).k
        assert original == pytest.approx(1.5 * k, rel=1e-9)
        assert abs(fit.k - k) < abs(original - k)
    for a, b in bonds:
        assert bond_constant(hessian, coords, a, b).k == pytest.approx(2700.0, rel=1e-9)


def test_square_planar_centre_is_halved_by_the_modified_method() -> None:
    """Four 90 deg angles (no trans terms) at a planar centre with stiff bonds: -H of a ligand
    and the centre holds 2k/R^2 across the bond, so the original method returns k exactly and
    the modified one, two angles sharing each bond in one plane, k/2. The correction is not an
    improvement everywhere; this is the method's answer, not an error of the code."""
    k = 300.0
    coords = centre([(1, 0, 0), (0, 1, 0), (-1, 0, 0), (0, -1, 0)])
    bonds = [(0, 1), (0, 2), (0, 3), (0, 4)]
    angles = [(1, 0, 2), (2, 0, 3), (3, 0, 4), (4, 0, 1)]
    terms = [(bond_gradient(coords, a, b), 1.0e6) for a, b in bonds]
    terms += [(angle_gradient(coords, *t), k) for t in angles]
    hessian = harmonic_hessian(coords, terms)
    for fit in modified_angle_constants(hessian, coords, angles):
        assert fit.k == pytest.approx(0.5 * k, rel=1e-3)
        assert angle_constant(hessian, coords, *fit.atoms).k == pytest.approx(k, rel=1e-3)


# DFOB-, RHF/6-31G* minimum (borates_derivation.txt), SMILES order F[B-]1(F)OC(=O)C(=O)O1.
DFOB_COORDS = np.array(
    [
        [-1.98735, 0.29287, 1.09058],
        [-1.21267, -0.08540, 0.02796],
        [-1.97359, -0.57182, -1.00011],
        [-0.19661, -1.08966, 0.44979],
        [1.00659, -0.64428, 0.27208],
        [2.02629, -1.20622, 0.51122],
        [0.89293, 0.77797, -0.31589],
        [1.81200, 1.47620, -0.59952],
        [-0.36759, 1.05035, -0.43611],
    ]
)
DFOB_BONDS = [(0, 1), (1, 2), (1, 3), (3, 4), (4, 5), (4, 6), (6, 7), (6, 8), (8, 1)]


def test_oxalatoborate_ring_of_a_known_force_field() -> None:
    """DFOB-'s geometry, every bond 3000 kJ/mol/A^2 and every angle 600 kJ/mol/rad^2: the
    original method returns about twice the angle constants, the modified one is closer on
    average, but neither is exact. The ring O (one angle, B-O-C) gets no correction, yet its
    block also carries the angles at B and C: both methods return about 2.6 k there."""
    k = 600.0
    hessian, angles = force_field_hessian(DFOB_COORDS, DFOB_BONDS, 3000.0, k)
    modified = np.array([f.k for f in modified_angle_constants(hessian, DFOB_COORDS, angles)])
    original = np.array([angle_constant(hessian, DFOB_COORDS, *t).k for t in angles])
    assert np.mean(original) / k == pytest.approx(1.93, abs=0.02)
    assert np.mean(modified) / k == pytest.approx(1.34, abs=0.02)
    rms_modified, rms_original = (
        float(np.sqrt(np.mean((x / k - 1) ** 2))) for x in (modified, original)
    )
    assert rms_modified < 0.7 * rms_original
    for angle, kmod, korig in zip(angles, modified, original, strict=True):
        if angle[1] in (3, 8):  # B-O-C at a ring O
            assert kmod == pytest.approx(korig, rel=1e-12)
            assert kmod / k == pytest.approx(2.61, abs=0.02)
        else:
            assert kmod < 0.85 * korig


def test_modified_method_refuses_a_repeated_angle() -> None:
    coords = triatomic(104.5)
    hessian, _ = force_field_hessian(coords, [(0, 1), (1, 2)], 4600.0, 380.0)
    with pytest.raises(InvalidInput, match="listed twice"):
        modified_angle_constants(hessian, coords, [(0, 1, 2), (2, 1, 0)])
