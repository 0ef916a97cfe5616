"""Transport from a production run: the diffusive window of an MSD and Nernst-Einstein from
self-diffusion (`fit_diffusion`, `nernst_einstein`, `transference_number`), and the estimators
with block-average uncertainties.

Every block estimator here returns an `Estimate`: a value with the standard error of the mean over
contiguous blocks of the production run (each block is analysed as an independent run), or no
value and the reason the run is too short for one. Units: lengths A, times ps, charges e,
pressures atm, volumes A^3, temperatures K on input; SI-derived units on output (named where
returned). Correlations and MSDs are FFT-based (tidynamics: O(N log N) per series).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tidynamics
from numpy.typing import NDArray
from scipy.optimize import curve_fit

Array = NDArray[np.float64]

ELEMENTARY_CHARGE = 1.602176634e-19  # C
BOLTZMANN = 1.380649e-23  # J/K
A2_PER_PS_TO_CM2_PER_S = 1e-4  # 1 A^2/ps = 1e-16 cm^2 / 1e-12 s
# A window of the MSD counts as diffusive where its log-log slope is within this of 1.
SLOPE_TOLERANCE = 0.15
LOCAL_SPAN = 2.0  # the local log-log slope at lag t is taken between t and 2t
MIN_FIT_POINTS = 3

N_BLOCKS = 5
MSD_CHUNK = 128  # particles per FFT in msd_fft: bounds its buffers to ~frames x 128 x 3
MIN_BLOCKS = 3  # fewer blocks than this give no standard error worth printing
YEH_HUMMER_XI = 2.837297  # cubic-lattice constant of Yeh & Hummer, J. Phys. Chem. B 108, 15873
ATM_TO_PA = 101325.0
GK_MIN_BLOCK_PS = 20.0  # shorter blocks cannot hold the stress correlation's slow tail
GK_BLOCK_PS = 200.0  # Green-Kubo's block length: runs longer than 1 ns get more blocks
GK_MAX_BLOCKS = 50  # (the jackknife refits once per block)
GK_SD_FRACTION = 0.4  # Green-Kubo t_cut: the blocks' standard deviation over their mean integral
GK_MIN_FIT_LAGS = 10  # fewer lags before t_cut cannot fix a double exponential's 4 parameters
# The fit starts here: before it a real stress's bond and libration oscillations ring in the
# running integral, which no double exponential follows and the 1 / t^b weights favour (a 60 fs
# oscillation with 9x the variance took a synthetic estimate to 0.85 of the truth; 1.04 from here)
GK_FIT_FROM_PS = 0.5
GK_FIT_POINTS = 2000  # the fit thins the lags to about this many (the running integral is smooth)
# The fitted plateau may exceed the integral reached at t_cut by this share; more is a guess.
GK_MAX_EXTRAPOLATION = 0.25
# A fluid's mean shear stress is zero. A run whose mean stands this far out of its blocks' noise
# (t, with the blocks' standard error) and is this large a share of the stress's spread holds a
# residual stress (a solid, a glass, an unrelaxed box): <P>^2 t would swell the integral.
GK_MEAN_STRESS_T = 5.0
GK_MEAN_STRESS_SHARE = 0.2
MIN_DEPARTURES = 10  # residence time: fewer observed exits than this is not a lifetime


@dataclass(frozen=True)
class Estimate:
    """A number with its uncertainty (standard error over `blocks`), or why there is none."""

    value: float | None
    error: float | None
    blocks: int
    too_short: str | None = None  # the reason, when the run is too short for a value

    def as_dict(self, unit: str, method: str) -> dict[str, object]:
        """The summary.json form: value, error, unit, method, blocks, too_short."""
        return {
            "value": self.value,
            "error": self.error,
            "unit": unit,
            "method": method,
            "blocks": self.blocks,
            "too_short": self.too_short,
        }


def short(reason: str, blocks: int = 0) -> Estimate:
    return Estimate(None, None, blocks, reason)


@dataclass(frozen=True)
class DiffusionFit:
    D: float  # cm^2/s
    window: tuple[float, float]  # ps
    slope: float  # log-log slope of the MSD over the window
    diffusive: bool  # the window's log-log slope is within SLOPE_TOLERANCE of 1


def local_exponents(t: Array, values: Array) -> tuple[NDArray[np.intp], NDArray[np.intp], Array]:
    """The MSD's local log-log slope beta(t) = log(MSD(2t) / MSD(t)) / log(2t / t), at every
    positive lag t whose partner 2t is in range: (indices of t, indices of 2t, beta).

    Taken over a factor LOCAL_SPAN in time rather than between neighbouring lags, where the
    MSD's statistical noise (a few % at long lags) makes the slope swing by whole units.
    """
    starts = np.nonzero(t > 0)[0].astype(np.intp)
    ends = np.searchsorted(t, LOCAL_SPAN * t[starts]).astype(np.intp)
    keep = ends < len(t)
    starts, ends = starts[keep], ends[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = np.log(values[ends] / values[starts]) / np.log(t[ends] / t[starts])
    return starts, ends, np.asarray(beta, dtype=float)


def fit_diffusion(t: Array, values: Array) -> DiffusionFit | None:
    """Self-diffusion coefficient from MSD(t) = 6 D t + c over the diffusive window.

    The window is the longest run of consecutive lags whose local exponent (`local_exponents`)
    is within SLOPE_TOLERANCE of 1, from its first lag t to the last one's 2t (the later run on
    a tie); without one, the second half of the lags, flagged as not diffusive. An MSD still
    caged at the end of the run therefore has no window, however noisy its tail.
    """
    mask = (t > 0) & (values > 0)
    t, values = t[mask], values[mask]
    if len(t) < 2:
        return None
    starts, ends, beta = local_exponents(t, values)
    good = np.abs(beta - 1.0) <= SLOPE_TOLERANCE
    best: tuple[int, int] | None = None
    i = 0
    while i < len(good):
        if good[i]:
            j = i
            while j + 1 < len(good) and good[j + 1]:
                j += 1
            if j + 1 - i >= MIN_FIT_POINTS and (best is None or j + 1 - i >= best[1] - best[0] + 1):
                best = (int(starts[i]), int(ends[j]))
            i = j + 1
        else:
            i += 1
    diffusive = best is not None
    if best is None:
        a, b = (len(t) // 2, len(t)) if len(t) >= 4 else (0, len(t))
    else:
        a, b = best[0], best[1] + 1
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


def mean_and_error(values: Array) -> tuple[float, float]:
    """Mean of independent block estimates and its standard error, std(ddof=1) / sqrt(n)."""
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


def block_average(series: Array, n_blocks: int = N_BLOCKS) -> Estimate:
    """Mean of a correlated time series with the standard error from `n_blocks` block means.

    Blocks much longer than the correlation time have nearly independent means, so their
    scatter measures the real uncertainty, where std/sqrt(N) of the raw samples would not.
    """
    x = np.asarray(series, dtype=float)
    size = len(x) // n_blocks
    if n_blocks < MIN_BLOCKS or size < 1:
        return short(f"{len(x)} samples: too few for {n_blocks} blocks")
    means = x[: size * n_blocks].reshape(n_blocks, size).mean(axis=1)
    _, error = mean_and_error(means)
    return Estimate(float(x.mean()), error, n_blocks)


def msd_fft(positions: Array) -> Array:
    """MSD over lags 0..frames-1 of (frames, particles, 3) unwrapped positions, averaged over
    particles and all time origins, by the FFT algorithm (Kneller et al., Comput. Phys. Commun.
    91, 191; the one tidynamics.msd implements for one particle), MSD_CHUNK particles at a
    time so the FFT buffers stay small."""
    n, particles = positions.shape[0], positions.shape[1]
    total = np.zeros(n)
    for start in range(0, particles, MSD_CHUNK):
        x = np.asarray(positions[:, start : start + MSD_CHUNK], dtype=float)
        squares = (x**2).sum(axis=2)  # (frames, particles)
        # S2(m) = sum_k r(k) . r(k + m): the autocorrelation, by a zero-padded FFT
        spectrum = np.fft.rfft(x, n=2 * n, axis=0)
        s2 = np.fft.irfft(np.abs(spectrum) ** 2, axis=0)[:n].sum(axis=2)
        # S1(m) = sum_{k < n - m} (r(k)^2 + r(k + m)^2), by a running sum
        s1 = np.empty_like(s2)
        running = 2.0 * squares.sum(axis=0)
        s1[0] = running
        for m in range(1, n):
            running = running - squares[m - 1] - squares[n - m]
            s1[m] = running
        total += (s1 - 2.0 * s2).sum(axis=1)
    return np.asarray(total / (n - np.arange(n)) / max(particles, 1), dtype=float)


def _slope(t: Array, values: Array, window: tuple[float, float]) -> float | None:
    mask = (t >= window[0] - 1e-9) & (t <= window[1] + 1e-9)
    if mask.sum() < MIN_FIT_POINTS:
        return None
    return float(np.polyfit(t[mask], values[mask], 1)[0])


def block_slopes(
    series: Array, dt_ps: float, window: tuple[float, float], n_blocks: int = N_BLOCKS
) -> Estimate:
    """Slope (per ps) of the MSD of `series` (frames, particles, 3) over the lag `window`, from
    each of `n_blocks` contiguous blocks; value and error over the blocks.

    A block's MSD is used up to half the block's length (where every lag still averages over
    many time origins), so the window's end is cut there. When the blocks are too short for
    MIN_FIT_POINTS lags of the window (shorter than about twice the time the MSD takes to
    become diffusive), fewer and longer blocks are used, down to MIN_BLOCKS; below that the run
    is too short.
    """
    for count in range(n_blocks, MIN_BLOCKS - 1, -1):
        size = series.shape[0] // count
        max_lag = size // 2
        t = np.arange(max_lag + 1) * dt_ps
        fit = (window[0], min(window[1], max_lag * dt_ps))
        if int(((t >= fit[0] - 1e-9) & (t <= fit[1] + 1e-9)).sum()) >= MIN_FIT_POINTS:
            break
    else:
        size = series.shape[0] // MIN_BLOCKS
        return short(
            f"blocks of {size * dt_ps:g} ps: the MSD becomes diffusive at {window[0]:g} ps, "
            f"blocks of at least {2 * window[0] + 2 * MIN_FIT_POINTS * dt_ps:g} ps are needed",
            MIN_BLOCKS,
        )
    slopes = []
    for b in range(count):
        values = msd_fft(series[b * size : (b + 1) * size])[: max_lag + 1]
        slope = _slope(t, values, fit)
        assert slope is not None  # the window holds MIN_FIT_POINTS lags
        slopes.append(slope)
    value, error = mean_and_error(np.array(slopes))
    if value <= 0:
        # An MSD cannot shrink: a mean slope at or below zero is noise, not a small number.
        return short(
            f"the MSD slope over {count} blocks is {value:.3g} ± {error:.2g} A^2/ps, not above "
            "zero: the noise dominates, run the NVT stage longer",
            count,
        )
    return Estimate(value, error, count)


def diffusion(slope: Estimate) -> Estimate:
    """Self-diffusion coefficient (cm^2/s) from the MSD slope (A^2/ps): D = slope / 6."""
    if slope.value is None or slope.error is None:
        return slope
    factor = A2_PER_PS_TO_CM2_PER_S / 6.0
    return Estimate(slope.value * factor, slope.error * factor, slope.blocks)


def einstein_helfand(slope: Estimate, volume_a3: float, temperature: float) -> Estimate:
    """Ionic conductivity (S/m) from the slope (e^2 A^2/ps) of the MSD of the collective
    charge displacement M(t) = sum_i q_i r_i(t): sigma = slope / (6 V kB T)."""
    if slope.value is None or slope.error is None:
        return slope
    # e^2 A^2/ps -> C^2 m^2/s: e^2 x 1e-20 / 1e-12
    factor = ELEMENTARY_CHARGE**2 * 1e-8 / (6.0 * volume_a3 * 1e-30 * BOLTZMANN * temperature)
    return Estimate(slope.value * factor, slope.error * factor, slope.blocks)


def ratio(numerator: Estimate, denominator: Estimate) -> Estimate:
    """numerator / denominator with first-order error propagation (independent errors)."""
    a, b = numerator, denominator
    if a.value is None or b.value is None or a.error is None or b.error is None or b.value == 0:
        reason = a.too_short or b.too_short or "no value to divide"
        return short(reason, min(a.blocks, b.blocks))
    r = a.value / b.value
    rel = math.hypot(a.error / a.value if a.value else 0.0, b.error / b.value)
    return Estimate(r, abs(r) * rel, min(a.blocks, b.blocks))


def yeh_hummer(
    d_pbc: Estimate, viscosity: Estimate, box_length_a: float, temperature: float
) -> Estimate:
    """Infinite-system self-diffusion (cm^2/s): D_pbc + xi kB T / (6 pi eta L) (Yeh & Hummer
    2004, cubic box of edge L), with the viscosity eta in mPa s; errors added in quadrature."""
    if d_pbc.value is None or d_pbc.error is None:
        return d_pbc
    if viscosity.value is None or viscosity.error is None or viscosity.value <= 0:
        return short(f"no viscosity for the correction ({viscosity.too_short})", d_pbc.blocks)
    correction = yeh_hummer_correction(viscosity.value, box_length_a, temperature)
    corr_error = correction * viscosity.error / viscosity.value
    return Estimate(d_pbc.value + correction, math.hypot(d_pbc.error, corr_error), d_pbc.blocks)


def yeh_hummer_correction(viscosity_mpas: float, box_length_a: float, temperature: float) -> float:
    """The finite-size correction xi kB T / (6 pi eta L) in cm^2/s."""
    eta = viscosity_mpas * 1e-3  # Pa s
    m2_per_s = YEH_HUMMER_XI * BOLTZMANN * temperature / (6 * math.pi * eta * box_length_a * 1e-10)
    return m2_per_s * 1e4


Params = tuple[float, float, float, float]  # c1, tau1, c2, tau2 of `double_exponential`


def double_exponential(t: Array, c1: float, tau1: float, c2: float, tau2: float) -> Array:
    """The running integral c1 (1 - e^(-t/tau1)) + c2 (1 - e^(-t/tau2)) of the autocorrelation
    A (alpha e^(-t/tau1) + (1 - alpha) e^(-t/tau2)), with c1 = A alpha tau1 and
    c2 = A (1 - alpha) tau2. The same curve as the paper's (A, alpha, tau1, tau2), written by
    its two plateaus: a fit that starts after the fast decay sees c1 only as an offset, which
    these parameters leave one value, where A, alpha and tau1 would drift along a valley."""
    return np.asarray(c1 * (1.0 - np.exp(-t / tau1)) + c2 * (1.0 - np.exp(-t / tau2)), dtype=float)


def double_exponential_jacobian(t: Array, c1: float, tau1: float, c2: float, tau2: float) -> Array:
    """d `double_exponential` / d (c1, tau1, c2, tau2), shape (len(t), 4)."""
    e1, e2 = np.exp(-t / tau1), np.exp(-t / tau2)
    return np.stack([1.0 - e1, -c1 * t / tau1**2 * e1, 1.0 - e2, -c2 * t / tau2**2 * e2], axis=1)


def plateau(params: Params) -> float:
    """The double exponential's limit at long times, c1 + c2 = A (alpha tau1 + (1 - alpha) tau2)."""
    return params[0] + params[2]


@dataclass(frozen=True)
class TdmFit:
    params: Params  # the double exponential fitted to the blocks' mean running integral
    cut: int  # the index of t_cut, the last lag fitted
    exponent: float  # b of the blocks' standard deviation s(t) ~ t^b, the fit's weights


def gk_running_integrals(off_diagonal_atm: Array, dt_fs: float, n_blocks: int) -> Array:
    """Per block, the running integral (trapezoids, atm^2 ps) of the stress autocorrelation
    averaged over the components, at lags 0 .. half a block: shape (n_blocks, lags).

    The stress is not centred on each block's mean. A fluid's mean shear stress is zero, and
    centring on a block's own mean lowers its autocorrelation by about the variance of that mean,
    2 eta / T_block in integral units, so each running integral sinks by 2 eta t / T_block: a
    quarter of the viscosity at 10 ps in 80 ps blocks, where a slow tail is read.
    """
    p = np.asarray(off_diagonal_atm, dtype=float).reshape(len(off_diagonal_atm), -1)
    size = len(p) // n_blocks
    max_lag = size // 2
    acf = np.zeros((n_blocks, max_lag))
    for b in range(n_blocks):
        block = p[b * size : (b + 1) * size]
        acf[b] = np.mean([tidynamics.acf(block[:, k])[:max_lag] for k in range(p.shape[1])], 0)
    steps = (acf[:, 1:] + acf[:, :-1]) / 2.0 * dt_fs / 1000.0
    return np.concatenate([np.zeros((n_blocks, 1)), np.cumsum(steps, axis=1)], axis=1)


def residual_stress(p: Array, n_blocks: int) -> str | None:
    """Why Green-Kubo does not apply to the stress samples `p` (n, k), or None for a fluid.

    The autocorrelation is of the stress itself, not of its fluctuations (`gk_running_integrals`
    says why), so a mean stress <P> adds <P>^2 t to every running integral. A fluid's is zero:
    a run's mean is only noise, whose size the block means tell. A mean of any component at
    least GK_MEAN_STRESS_T block standard errors from zero and GK_MEAN_STRESS_SHARE of the
    stress's standard deviation is a stress the box holds, not noise: a fluid run of 1 ns has a
    mean of a few hundredths of the spread.
    """
    for k in range(p.shape[1]):
        mean, spread = block_average(p[:, k], n_blocks), float(p[:, k].std())
        if mean.value is None or mean.error is None:
            continue
        if abs(mean.value) >= GK_MEAN_STRESS_T * mean.error and (
            abs(mean.value) > GK_MEAN_STRESS_SHARE * spread
        ):
            return (
                f"the mean shear stress is not zero ({mean.value:.3g} +- {mean.error:.2g} atm "
                f"against a spread of {spread:.3g} atm): the box holds a residual stress (a "
                "solid or glass, or not relaxed), and Green-Kubo applies to a fluid"
            )
    return None


def gk_block_counts(run_ps: float) -> list[int]:
    """The block counts Green-Kubo tries, in order: blocks of GK_BLOCK_PS (at most
    GK_MAX_BLOCKS), then half as many, and so on down to N_BLOCKS."""
    counts = []
    n = min(int(run_ps // GK_BLOCK_PS), GK_MAX_BLOCKS)
    while n > N_BLOCKS:
        counts.append(n)
        n //= 2
    return [*counts, N_BLOCKS]


def tdm_cutoff(mean: Array, spread: Array) -> int:
    """The index of t_cut: the first lag where the blocks' standard deviation reaches
    GK_SD_FRACTION of their mean running integral (or the mean is no longer positive), else the
    last lag."""
    over = np.nonzero(spread[1:] >= GK_SD_FRACTION * mean[1:])[0]
    return int(over[0]) + 1 if len(over) else len(mean) - 1


def fit_running_integral(
    t: Array, mean: Array, cut: int, exponent: float, start: Params | None = None
) -> Params | None:
    """The double exponential fitted to the mean running integral from GK_FIT_FROM_PS (or half
    of t_cut, if sooner) to t_cut, each point's residual divided by t^exponent, or None when
    no start converges. c1, c2 >= 0 (A >= 0, 0 <= alpha <= 1) and both times within
    (0, t_cut]: a slower decay is not in the data. From `start`, else from three starts, the
    best kept, as a fast and a slow decay leave shallow valleys to end in."""
    first = max(1, min(int(np.searchsorted(t, GK_FIT_FROM_PS)), cut // 2))
    lags = np.arange(first, cut + 1)
    lags = lags[:: math.ceil(len(lags) / GK_FIT_POINTS)]  # the curve is smooth: thin it
    x, y, weight = t[lags], mean[lags], t[lags] ** exponent
    t_cut, floor = float(t[cut]), float(t[1]) / 100.0
    height = max(float(mean[cut]), 1e-30)
    # tau1 in ps (the fast decay of a liquid's stress), tau2 as a share of t_cut
    starts = [start] if start is not None else [
        (fast * height, min(max(tau1, 2 * floor), 0.9 * t_cut),
         (1.0 - fast) * height, max(share * t_cut, 2 * floor))
        for fast, tau1, share in ((0.5, 0.1, 1 / 3), (0.8, 0.05, 0.9), (0.5, 0.3, 0.1))
    ]  # fmt: skip
    best: tuple[float, Params] | None = None
    for p0 in starts:
        try:
            popt, _ = curve_fit(
                double_exponential, x, y, p0=p0, sigma=weight, max_nfev=2000,
                jac=double_exponential_jacobian,
                bounds=([0.0, floor, 0.0, floor], [np.inf, t_cut, np.inf, t_cut]),
            )  # fmt: skip
        except (RuntimeError, ValueError):
            continue
        params = (float(popt[0]), float(popt[1]), float(popt[2]), float(popt[3]))
        chi2 = float((((double_exponential(x, *params) - y) / weight) ** 2).sum())
        if np.isfinite(chi2) and (best is None or chi2 < best[0]):
            best = (chi2, params)
    return None if best is None else best[1]


def tdm_fit(t: Array, integrals: Array) -> TdmFit | str:
    """The time-decomposition fit of the blocks' running integrals (mPa s) at lags t (ps), or
    why there is none (a sentence for the summary)."""
    n = len(integrals)
    mean, spread = integrals.mean(axis=0), integrals.std(axis=0, ddof=1)
    cut = tdm_cutoff(mean, spread)
    t_cut = float(t[cut])
    if mean[cut] <= 0:
        return (
            f"the Green-Kubo integral over {n} blocks is not above zero at {t_cut:g} ps: the "
            "stress autocorrelation is lost in the noise, run the NVT stage longer"
        )
    if cut < GK_MIN_FIT_LAGS:
        return (
            f"the {n} blocks' Green-Kubo integrals scatter by {GK_SD_FRACTION:.0%} of their "
            f"mean within {t_cut:g} ps: too noisy to fit, run the NVT stage longer"
        )
    positive = (t > 0) & (t <= t_cut) & (spread > 0)
    exponent = float(np.polyfit(np.log(t[positive]), np.log(spread[positive]), 1)[0])
    params = fit_running_integral(t, mean, cut, exponent)
    if params is None:
        return (
            f"the double-exponential fit of the Green-Kubo integral over {n} blocks up to "
            f"{t_cut:g} ps did not converge"
        )
    reached = float(double_exponential(t[cut : cut + 1], *params)[0])
    if plateau(params) - reached > GK_MAX_EXTRAPOLATION * reached:
        return (
            f"the Green-Kubo integral over {n} blocks is still rising at the cut-off "
            f"({t_cut:g} ps, where the blocks scatter by {GK_SD_FRACTION:.0%}): the fit puts "
            f"{plateau(params) - reached:.3g} mPa s beyond the {reached:.3g} reached there, a "
            "plateau the run does not show; run the NVT stage longer"
        )
    return TdmFit(params, cut, exponent)


def green_kubo_viscosity(
    off_diagonal_atm: Array,
    dt_fs: float,
    volume_a3: float,
    temperature: float,
    n_blocks: int | None = None,
) -> tuple[Estimate, float | None]:
    """Shear viscosity (mPa s) by Green-Kubo from off-diagonal pressure samples (n, k) in atm,
    every `dt_fs`: eta = V / (kB T) int_0^inf <P_ab(0) P_ab(t)> dt, averaged over the k
    components; also the integration cut-off t_cut (ps).

    The time-decomposition method (TDM) of Zhang, Otani & Maginn (J. Chem. Theory Comput. 11,
    3537, 2015) with contiguous blocks of the run as its independent trajectories: each block's
    running integral eta_i(t) (`gk_running_integrals`); their mean eta(t) and standard deviation
    s(t); s ~ t^b fitted over (0, t_cut]; the double exponential (`double_exponential`) fitted to
    eta(t) from GK_FIT_FROM_PS to t_cut, residuals weighted by 1 / t^b; the viscosity is its
    plateau. Fitting the whole rise, rather than reading the integral at one lag, keeps a slow
    tail that the noise hides at any single lag.

    t_cut is where s(t) reaches GK_SD_FRACTION (40 %) of eta(t), the paper's rule and the
    default of the authors' PyLAT, rather than a fixed share of the lags: past it a block's
    integral is mostly noise. s grows as sqrt(t / T_block), so t_cut is a fixed share of a block
    (about an eighth) and the mean's noise there is 40 % / sqrt(blocks): longer blocks reach
    slower tails, more blocks make the mean more precise. Hence blocks of GK_BLOCK_PS, the
    length of 1 ns in N_BLOCKS: on synthetic stresses with half the integral in a 5 ps tail,
    5 blocks of 200 ps (t_cut ~ 28 ps) or of 80 ps (400 ps, ~ 14 ps) gave 1.00 and 0.98 of it
    (medians of 30 runs), while 10 or 20 blocks of a 400 ps run cut at 5 or 2.4 ps, before the
    tail bends, and gave 0.86 and 0.77. A longer run adds blocks; when its fit is not
    acceptable (see below), half as many, longer blocks are tried, down to N_BLOCKS, so a slow
    tail gets the reach it needs. `n_blocks` forces one count.

    The error is the jackknife over blocks (each left out in turn, the fit repeated with the
    same t_cut and b): the standard error of the fitted plateau, as the other estimators here
    give that of a block mean. It leaves out the choice of t_cut and of the block count.

    No value, and the reason, when the blocks are shorter than GK_MIN_BLOCK_PS, or, with
    N_BLOCKS blocks, when they scatter by 40 % within GK_MIN_FIT_LAGS lags, when the mean
    integral is not above zero at t_cut, when no fit converges, or when the fit adds more than
    GK_MAX_EXTRAPOLATION of the integral reached at t_cut beyond it, a plateau the data do not
    show; and when the box holds a mean shear stress (`residual_stress`).
    """
    p = np.asarray(off_diagonal_atm, dtype=float).reshape(len(off_diagonal_atm), -1)
    run_ps = len(p) * dt_fs / 1000.0
    counts = gk_block_counts(run_ps) if n_blocks is None else [n_blocks]
    block_ps = len(p) // counts[-1] * dt_fs / 1000.0
    if counts[-1] < MIN_BLOCKS or block_ps < GK_MIN_BLOCK_PS:
        return short(
            f"blocks of {block_ps:g} ps: Green-Kubo needs {counts[-1]} blocks of at least "
            f"{GK_MIN_BLOCK_PS:g} ps of pressure samples",
            counts[-1],
        ), None
    held = residual_stress(p, counts[-1])
    if held is not None:
        return short(held, counts[-1]), None
    scale = volume_a3 * 1e-30 / (BOLTZMANN * temperature) * ATM_TO_PA**2 * 1e-12 * 1e3
    for count in counts:
        integrals = gk_running_integrals(p, dt_fs, count) * scale  # mPa s
        t = np.arange(integrals.shape[1], dtype=np.float64) * (dt_fs / 1000.0)
        fit = tdm_fit(t, integrals)
        if isinstance(fit, TdmFit):
            break
    if isinstance(fit, str):
        return short(fit, count), None
    others = [
        fit_running_integral(
            t, np.delete(integrals, b, 0).mean(0), fit.cut, fit.exponent, start=fit.params
        )
        for b in range(count)
    ]
    if any(other is None for other in others):
        return short(
            "the double-exponential fit of the Green-Kubo integral fails without one of the "
            f"{count} blocks: too unstable for an error",
            count,
        ), None
    jack = np.array([plateau(other) for other in others if other is not None])
    error = math.sqrt((count - 1) / count * float(((jack - jack.mean()) ** 2).sum()))
    return Estimate(plateau(fit.params), error, count), float(t[fit.cut])


class ResidenceCounter:
    """Residence time of ligands in a cation's first shell, streamed frame by frame.

    A (cation, ligand) pair is bound from the first frame in contact until the ligand has been
    out of contact for more than `tolerance` consecutive frames (shorter excursions are bridged
    and counted as bound, as in Impey, Madden & McDonald 1983). The residence time is the bound
    time divided by the number of exits, the maximum-likelihood lifetime of an exponential
    process when residences cut by the ends of the run are counted as bound time without an
    exit. Tallies are kept per block for the error.
    """

    def __init__(self, shape: tuple[int, int], tolerance: int, n_frames: int) -> None:
        self.bound = np.zeros(shape, dtype=bool)
        self.gap = np.zeros(shape, dtype=np.int32)
        self.tolerance = tolerance
        self.block_size = max(n_frames // N_BLOCKS, 1)
        self.on = np.zeros(N_BLOCKS)
        self.exits = np.zeros(N_BLOCKS)
        self.frame = 0

    def update(self, contact: NDArray[np.bool_]) -> None:
        """Add one frame's contact matrix (cations x ligands)."""
        block = min(self.frame // self.block_size, N_BLOCKS - 1)
        self.frame += 1
        rejoin = contact & self.bound
        self.on[block] += contact.sum() + self.gap[rejoin].sum()  # bridged gaps were bound
        self.gap[contact] = 0
        away = ~contact & self.bound
        self.gap[away] += 1
        left = away & (self.gap > self.tolerance)
        self.exits[block] += left.sum()
        self.bound[left] = False
        self.gap[left] = 0
        self.bound |= contact

    def result(self, dt_ps: float) -> Estimate:
        """Residence time in ps, with the standard error over the blocks."""
        total = self.exits.sum()
        if total < MIN_DEPARTURES or np.any(self.exits == 0):
            return short(
                f"{int(total)} ligand exits observed (at least {MIN_DEPARTURES}, and one in each "
                f"of {N_BLOCKS} blocks, are needed for a lifetime)",
                N_BLOCKS,
            )
        _, error = mean_and_error(self.on / self.exits * dt_ps)
        return Estimate(float(self.on.sum() / total * dt_ps), error, N_BLOCKS)
