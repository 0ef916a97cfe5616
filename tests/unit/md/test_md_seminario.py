"""The Seminario method on Hessians of known harmonic force fields (built analytically)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from molyte.engines.md.seminario import (
    HessianShapeError,
    angle_constant,
    bond_constant,
    check_hessian,
)


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
