"""Structure of the liquid, frame by frame: RDF with running coordination, the first-shell
cutoff, cation-ligand contacts and SSIP/CIP/AGG counts, centres of mass (freud cell lists).

All lengths in A, cubic or orthorhombic periodic boxes (minimum image). The passes over a
trajectory that use these are in `solvation`; the transport math is in `transport`.
"""

from __future__ import annotations

from dataclasses import dataclass

import freud
import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def wrapped(positions: Array, lengths: Array) -> tuple[freud.box.Box, Array]:
    """A freud box for `lengths` and the positions wrapped into it (freud's box is centred on
    the origin; any origin will do for periodic distances)."""
    box = freud.box.Box.from_box(lengths)
    return box, np.asarray(box.wrap(positions - lengths / 2), dtype=float)


@dataclass(frozen=True)
class RDF:
    r: Array  # bin centres
    g: Array
    cn: Array  # running coordination number at the bin's upper edge

    def coordination_at(self, cutoff: float) -> float:
        edges = self.r + (self.r[1] - self.r[0]) / 2
        return float(np.interp(cutoff, edges, self.cn))


class RDFAccumulator:
    """g(r) of B around A averaged over frames, added one frame at a time (freud's cell-list
    RDF; A and B are different atoms), with the running coordination number of B."""

    def __init__(self, r_max: float, dr: float = 0.05) -> None:
        self._rdf = freud.density.RDF(bins=round(r_max / dr), r_max=r_max)

    def add(self, lengths: Array, a: Array, b: Array) -> None:
        """One frame: box edges and the positions of A and B."""
        box, points = wrapped(np.concatenate([a, b]), lengths)
        self._rdf.compute((box, points[len(a) :]), query_points=points[: len(a)], reset=False)

    def result(self) -> RDF:
        r, g, cn = (
            np.asarray(v, dtype=float)
            for v in (self._rdf.bin_centers, self._rdf.rdf, self._rdf.n_r)
        )
        return RDF(r=r, g=g, cn=cn)


def first_shell(
    r: Array, g: Array, smooth: int = 5, window: int = 6
) -> tuple[float | None, float | None]:
    """(first peak position, first minimum after it): the first-shell cutoff, or None.

    g(r) is smoothed over `smooth` bins. The first peak is the first local maximum above 1; the
    cutoff is the first point after it that is the lowest within +-`window` bins (so noise
    wiggles on the falling flank are not taken for the minimum).
    """
    if len(g) < 3:
        return None, None
    gs = np.convolve(g, np.ones(smooth) / smooth, mode="same")
    peak = None
    for i in range(1, len(gs) - 1):
        if gs[i] > 1.0 and gs[i] >= gs[i - 1] and gs[i] > gs[i + 1]:
            peak = i
            break
    if peak is None:
        return None, None
    lo = max(0, peak - smooth)
    position = float(r[lo + int(np.argmax(g[lo : peak + smooth + 1]))])  # the raw maximum
    for j in range(peak + 1, len(gs) - window):
        if gs[j] < gs[peak] and gs[j] <= gs[max(peak, j - window) : j + window + 1].min():
            return position, float(r[j])
    return position, None


def molecule_centres(
    positions: Array, masses: Array, first_atom: NDArray[np.int64], n_atoms: int
) -> Array:
    """Centres of mass of `len(first_atom)` molecules of `n_atoms` atoms each (unwrapped input)."""
    index = first_atom[:, None] + np.arange(n_atoms)[None, :]
    coords = positions[index]  # (m, n_atoms, 3)
    return np.asarray((coords * masses[None, :, None]).sum(axis=1) / masses.sum(), dtype=float)


def first_shell_contacts(
    lengths: Array, cations: Array, sites: Array, owner: NDArray[np.int64], n_ligands: int,
    cutoff: float,
) -> NDArray[np.bool_]:  # fmt: skip
    """(ligands, cations) contact matrix of one frame: a ligand touches a cation when any of
    its sites (`owner` gives the ligand of each site) is within `cutoff` of it."""
    box, points = wrapped(np.concatenate([cations, sites]), lengths)
    pairs = (
        freud.locality.AABBQuery(box, points[: len(cations)])
        .query(points[len(cations) :], {"r_max": cutoff})
        .toNeighborList()
    )
    contact = np.zeros((n_ligands, len(cations)), dtype=bool)
    contact[owner[pairs.query_point_indices], pairs.point_indices] = True
    return contact


def shell_counts(partners: NDArray[np.int64]) -> dict[str, int]:
    """How many anions have 0 (SSIP: solvent-separated), 1 (CIP: contact ion pair) or 2 and
    more (AGG: aggregate) cations in contact, from each anion's number of cation partners."""
    return {
        "SSIP": int(np.sum(partners == 0)),
        "CIP": int(np.sum(partners == 1)),
        "AGG": int(np.sum(partners >= 2)),
    }
