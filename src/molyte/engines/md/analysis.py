"""Numerical analysis of MD trajectories in numpy: RDF, coordination, MSD, diffusion, transport.

All lengths in A, times in ps, cubic or orthorhombic periodic boxes (minimum image).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

ELEMENTARY_CHARGE = 1.602176634e-19  # C
BOLTZMANN = 1.380649e-23  # J/K
A2_PER_PS_TO_CM2_PER_S = 1e-4  # 1 A^2/ps = 1e-16 cm^2 / 1e-12 s
# A window of the MSD counts as diffusive where its log-log slope is within this of 1.
SLOPE_TOLERANCE = 0.15
MIN_FIT_POINTS = 3
PAIR_BLOCK = 2_000_000  # distances computed at once in `rdf`


def minimum_image(delta: Array, lengths: Array) -> Array:
    return np.asarray(delta - lengths * np.round(delta / lengths), dtype=float)


@dataclass(frozen=True)
class RDF:
    r: Array  # bin centres
    g: Array
    cn: Array  # running coordination number at the bin's upper edge

    def coordination_at(self, cutoff: float) -> float:
        edges = self.r + (self.r[1] - self.r[0]) / 2
        return float(np.interp(cutoff, edges, self.cn))


def rdf(
    a_frames: list[Array],
    b_frames: list[Array],
    lengths: list[Array],
    r_max: float,
    dr: float = 0.05,
    same: bool = False,
) -> RDF:
    """g(r) of B around A averaged over frames, and the running coordination number of B.

    `same` means A and B are the same atoms (self pairs are left out).
    """
    edges = np.arange(0.0, r_max + dr / 2, dr)
    counts = np.zeros(len(edges) - 1)
    density_sum = 0.0
    n_a_total = 0
    chunk = max(1, PAIR_BLOCK // max(len(b_frames[0]) if b_frames else 1, 1))
    for a, b, box in zip(a_frames, b_frames, lengths, strict=True):
        for start in range(0, len(a), chunk):  # bounded memory: chunk x len(b) distances
            delta = minimum_image(a[start : start + chunk, None, :] - b[None, :, :], box)
            dist = np.sqrt((delta**2).sum(axis=-1))
            if same:
                rows = np.arange(dist.shape[0])
                dist[rows, start + rows] = -1.0  # self pairs fall outside the histogram
            counts += np.histogram(dist, bins=edges)[0]
        n_b = len(b) - (1 if same else 0)
        density_sum += len(a) * n_b / float(np.prod(box))
        n_a_total += len(a)
    shell = 4.0 / 3.0 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    mean_density = density_sum / max(n_a_total, 1)
    g = counts / max(n_a_total, 1) / (mean_density * shell) if mean_density else counts * 0
    cn = np.cumsum(counts) / max(n_a_total, 1)
    return RDF(r=(edges[1:] + edges[:-1]) / 2, g=g, cn=cn)


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


def msd(positions: Array, max_lag: int | None = None) -> Array:
    """Mean squared displacement for lags 0..max_lag frames, over particles and time origins.

    `positions` (frames, particles, 3) must be unwrapped.
    """
    n_frames = positions.shape[0]
    max_lag = n_frames - 1 if max_lag is None else min(max_lag, n_frames - 1)
    result = np.zeros(max_lag + 1)
    for lag in range(1, max_lag + 1):
        d = positions[lag:] - positions[:-lag]
        result[lag] = float((d**2).sum(axis=-1).mean())
    return result


@dataclass(frozen=True)
class DiffusionFit:
    D: float  # cm^2/s
    window: tuple[float, float]  # ps
    slope: float  # log-log slope of the MSD over the window
    diffusive: bool  # the window's log-log slope is within SLOPE_TOLERANCE of 1


def fit_diffusion(t: Array, values: Array) -> DiffusionFit | None:
    """Self-diffusion coefficient from MSD(t) = 6 D t + c over the diffusive window.

    The window is the longest run of consecutive lags whose local log-log slope is within
    SLOPE_TOLERANCE of 1 (the later one on a tie); without one, the second half of the lags,
    flagged as not diffusive.
    """
    mask = (t > 0) & (values > 0)
    t, values = t[mask], values[mask]
    if len(t) < 2:
        return None
    local = np.diff(np.log(values)) / np.diff(np.log(t))  # slope between points i and i+1
    good = np.abs(local - 1.0) <= SLOPE_TOLERANCE
    best: tuple[int, int] | None = None
    i = 0
    while i < len(good):
        if good[i]:
            j = i
            while j + 1 < len(good) and good[j + 1]:
                j += 1
            # segments i..j cover points i..j+1
            if j + 2 - i >= MIN_FIT_POINTS and (best is None or j + 2 - i >= best[1] - best[0]):
                best = (i, j + 2)
            i = j + 1
        else:
            i += 1
    diffusive = best is not None
    if best is None:
        best = (len(t) // 2, len(t)) if len(t) >= 4 else (0, len(t))
    a, b = best
    tw, vw = t[a:b], values[a:b]
    slope_6d = float(np.polyfit(tw, vw, 1)[0]) if len(tw) >= 2 else float(vw[0] / tw[0])
    loglog = float(np.polyfit(np.log(tw), np.log(vw), 1)[0]) if len(tw) >= 2 else float("nan")
    return DiffusionFit(
        D=slope_6d / 6.0 * A2_PER_PS_TO_CM2_PER_S,
        window=(float(tw[0]), float(tw[-1])),
        slope=loglog,
        diffusive=diffusive,
    )


def nernst_einstein(
    counts: list[int],
    charges: list[int],
    diffusion_cm2_s: list[float],
    volume_a3: float,
    temperature: float,
) -> float:
    """Ionic conductivity (S/m) from self-diffusion: e^2 / (V kB T) sum_i N_i z_i^2 D_i."""
    volume = volume_a3 * 1e-30
    total = sum(
        n * z * z * d * 1e-4 for n, z, d in zip(counts, charges, diffusion_cm2_s, strict=True)
    )
    return float(ELEMENTARY_CHARGE**2 / (volume * BOLTZMANN * temperature) * total)


def transference_number(
    counts: list[int], charges: list[int], diffusion_cm2_s: list[float]
) -> float:
    """Cation transference number from self-diffusion: cations' share of sum N z^2 D."""
    terms = [n * z * z * d for n, z, d in zip(counts, charges, diffusion_cm2_s, strict=True)]
    cations = sum(t for t, z in zip(terms, charges, strict=True) if z > 0)
    return float(cations / sum(terms))


def shell_classes(
    cation_frames: list[Array],
    anion_site_frames: list[Array],
    site_owner: NDArray[np.int64],
    lengths: list[Array],
    cutoff: float | Array,
) -> dict[str, float]:
    """Fractions of anions that are SSIP / CIP / AGG, averaged over frames.

    An anion is in contact with a cation when any of its coordinating atoms (sites; `site_owner`
    gives the anion index of each site) is within `cutoff` of it. SSIP: no cation in contact
    (solvent-separated); CIP: exactly one (contact ion pair); AGG: two or more (aggregate).
    """
    tally = np.zeros(3)
    cut2 = np.asarray(cutoff, dtype=float) ** 2
    n_anions = int(site_owner.max()) + 1 if len(site_owner) else 0
    for cations, sites, box in zip(cation_frames, anion_site_frames, lengths, strict=True):
        delta = minimum_image(sites[:, None, :] - cations[None, :, :], box)
        contact = (delta**2).sum(axis=-1) < cut2  # (sites, cations)
        per_anion = np.zeros((n_anions, len(cations)), dtype=bool)
        np.logical_or.at(per_anion, site_owner, contact)
        partners = per_anion.sum(axis=1)
        tally += [np.sum(partners == 0), np.sum(partners == 1), np.sum(partners >= 2)]
    total = tally.sum()
    if total == 0:
        return {"SSIP": 0.0, "CIP": 0.0, "AGG": 0.0}
    return {k: float(v / total) for k, v in zip(("SSIP", "CIP", "AGG"), tally, strict=True)}
