"""The `transport` block of the summary: MSD files, self-diffusion with block errors,
Nernst-Einstein and Einstein-Helfand conductivity, Haven ratio, Green-Kubo viscosity and the
Yeh-Hummer correction, each with the method it was computed by (the math is in `transport`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from molyte.engines.md.lammps_input import STRESS, segments
from molyte.engines.md.layout import SpeciesLayout
from molyte.engines.md.outputs import finite, write_csv
from molyte.engines.md.production import Production, read_stress
from molyte.engines.md.solvation import Streamed
from molyte.engines.md.transport import (
    N_BLOCKS,
    Estimate,
    block_slopes,
    diffusion,
    einstein_helfand,
    fit_diffusion,
    green_kubo_viscosity,
    msd_fft,
    nernst_einstein,
    ratio,
    short,
    transference_number,
    yeh_hummer,
)

EH_METHOD = (
    "Einstein-Helfand: slope of the MSD of the collective charge displacement sum q_i r_i "
    "(formal charges, centres of mass) / (6 V kB T)"
)
NE_METHOD = "Nernst-Einstein: e^2 / (V kB T) sum N_i z_i^2 D_i from the block self-diffusion"
HAVEN_METHOD = "Haven ratio: Nernst-Einstein / Einstein-Helfand conductivity"
GK_METHOD = (
    "Green-Kubo, time-decomposition method (Zhang, Otani & Maginn 2015): V / (kB T) times the "
    "running integral of the autocorrelation of pxy, pxz, pyz (mean of the three) in each "
    "block; a double exponential fitted to the blocks' mean integral from 0.5 ps to the "
    "cut-off, where their standard deviation s reaches 40 % of it (weights 1 / t^b, s ~ t^b); "
    "the viscosity is its plateau, the error a jackknife over blocks"
)
D_METHOD = "slope / 6 of the centre-of-mass MSD (system drift removed) over the diffusive window"
YH_METHOD = "D + 2.837297 kB T / (6 pi eta L) (Yeh-Hummer, Green-Kubo eta of this run)"


def empty_transport(reason: str) -> dict[str, Any]:
    """The `transport` block when there is nothing to compute it from."""
    marker = short(reason)
    return {
        "blocks": N_BLOCKS,
        "diffusion": [],
        "conductivity_einstein_helfand": marker.as_dict("S/m", EH_METHOD),
        "conductivity_nernst_einstein": marker.as_dict("S/m", NE_METHOD),
        "haven_ratio": marker.as_dict("1", HAVEN_METHOD),
        "viscosity": marker.as_dict("mPa s", GK_METHOD),
        "residence_time": [],
    }


def transport_block(
    streamed: Streamed,
    species: list[SpeciesLayout],
    info: dict[str, Any],
    frame_ps: float,
    workdir: Path,
    summary: dict[str, Any],
    files: dict[str, Any],
    warnings: list[str],
) -> dict[str, Any]:
    """MSDs, self-diffusion with block errors, Nernst-Einstein and Einstein-Helfand
    conductivity, Haven ratio; fills the summary's legacy keys and returns `transport`."""
    transport = empty_transport("too few frames")
    n_frames = len(streamed.lengths)
    if n_frames < 4:
        warnings.append(f"{n_frames} frames: too few for MSD and diffusion")
        return transport
    temperature = float(info["temperature"])
    volume = float(np.mean(np.prod(streamed.lengths, axis=1)))
    t = np.arange(n_frames, dtype=float) * frame_ps
    max_lag = n_frames // 2
    ions: list[tuple[SpeciesLayout, Estimate]] = []
    for s in species:
        centres = streamed.centres[s.name]
        values = msd_fft(centres)[: max_lag + 1]
        name = f"msd_{s.name}.csv"
        write_csv(workdir / name, ["t_ps", "msd_A2"], [t[: len(values)], values])
        files["msd"].append(name)
        fit = fit_diffusion(t[: len(values)], values)
        if fit is None:
            warnings.append(f"{s.name}: MSD too short to fit")
            transport["diffusion"].append(
                {"species": s.name, "D": short("MSD too short to fit").as_dict("cm^2/s", D_METHOD)}
            )
            continue
        if not fit.diffusive:
            warnings.append(
                f"{s.name}: no diffusive MSD window (log-log slope {fit.slope:.2f}); "
                "D from the second half of the lags, run longer"
            )
        d = finite(fit.D) if fit.D > 0 else None
        if d is None:
            warnings.append(f"{s.name}: the MSD does not grow over the fit window: no D")
        blocks = (
            diffusion(block_slopes(centres, frame_ps, fit.window))
            if fit.diffusive
            else short(f"no diffusive window in the MSD (log-log slope {fit.slope:.2f})")
        )
        summary["diffusion"].append(
            {
                "species": s.name, "D": d, "D_error": blocks.error, "unit": "cm^2/s",
                "fit_window_ps": list(fit.window), "loglog_slope": finite(fit.slope),
                "diffusive": fit.diffusive, "file": name,
            }
        )  # fmt: skip
        transport["diffusion"].append(
            {
                "species": s.name,
                "D": blocks.as_dict("cm^2/s", D_METHOD),
                "window_ps": list(fit.window),
            }
        )
        if s.formal_charge != 0 and d is not None:
            ions.append((s, blocks))
    charged = [s for s in species if s.formal_charge != 0]
    if not (
        any(s.formal_charge > 0 for s in charged) and any(s.formal_charge < 0 for s in charged)
    ):
        return transport
    settling = [s.name for s, _ in ions if not _diffusive(summary, s.name)]
    if len(ions) == len(charged) and settling:
        # A whole-run fit of a sub-diffusive MSD overestimates D: no number rather than a wrong one.
        warnings.append(
            f"no conductivity or transference number: the MSD of {', '.join(settling)} is not "
            "diffusive yet; run the NVT stage longer"
        )
    elif len(ions) == len(charged):
        counts = [s.count for s, _ in ions]
        charges = [s.formal_charge for s, _ in ions]
        legacy = [
            next(d["D"] for d in summary["diffusion"] if d["species"] == s.name) for s, _ in ions
        ]
        sigma = nernst_einstein(counts, charges, legacy, volume, temperature)
        summary["conductivity"] = {
            "value": finite(sigma), "unit": "S/m", "method": "Nernst-Einstein",
            "note": "formal ion charges, uncorrelated ions (no cross terms)",
        }  # fmt: skip
        summary["transference_number"] = finite(transference_number(counts, charges, legacy))
    ne = _nernst_einstein_estimate(ions, charged, volume, temperature)
    transport["conductivity_nernst_einstein"] = ne.as_dict("S/m", NE_METHOD)
    # The collective charge displacement M(t) (e A): uniform drift cancels in a neutral box.
    m = sum(s.formal_charge * streamed.centres[s.name].sum(axis=1) for s in charged)
    m = np.asarray(m)[:, None, :]
    m_msd = msd_fft(m)[: max_lag + 1]
    write_csv(workdir / "msd_charge.csv", ["t_ps", "msd_e2A2"], [t[: max_lag + 1], m_msd])
    files["msd"].append("msd_charge.csv")
    fit = fit_diffusion(t[: max_lag + 1], m_msd)
    if fit is None or not fit.diffusive:
        eh = short("no diffusive window in the MSD of the collective charge displacement")
    else:
        eh = einstein_helfand(block_slopes(m, frame_ps, fit.window), volume, temperature)
    transport["conductivity_einstein_helfand"] = eh.as_dict("S/m", EH_METHOD)
    transport["haven_ratio"] = ratio(ne, eh).as_dict("1", HAVEN_METHOD)
    return transport


def _diffusive(summary: dict[str, Any], species: str) -> bool:
    return any(d["species"] == species and d["diffusive"] for d in summary["diffusion"])


def _nernst_einstein_estimate(
    ions: list[tuple[SpeciesLayout, Estimate]],
    charged: list[SpeciesLayout],
    volume: float,
    temperature: float,
) -> Estimate:
    """Nernst-Einstein conductivity from the block diffusion estimates (errors in quadrature)."""
    missing = [s.name for s in charged if s.name not in {i.name for i, _ in ions}]
    reasons = [e.too_short or "no D" for _, e in ions if e.value is None]
    if missing or reasons:
        return short(reasons[0] if reasons else f"no D for {', '.join(missing)}")
    terms = [
        nernst_einstein([s.count], [s.formal_charge], [1.0], volume, temperature) for s, _ in ions
    ]
    value = sum(a * float(e.value or 0.0) for a, (_, e) in zip(terms, ions, strict=True))
    error = math.sqrt(
        sum((a * float(e.error or 0.0)) ** 2 for a, (_, e) in zip(terms, ions, strict=True))
    )
    return Estimate(value, error, min(e.blocks for _, e in ions))


def viscosity_block(
    workdir: Path, run: Production, dt: float, volume: float, info: dict[str, Any],
    warnings: list[str],
) -> dict[str, Any]:  # fmt: skip
    """Green-Kubo viscosity from the stress segments written during production."""
    files = segments(workdir, STRESS)
    if not files:
        return short("no pressure-tensor file (stress.dat)").as_dict("mPa s", GK_METHOD)
    rows = read_stress(files)
    rows = rows[rows[:, 0] >= run.first_step]
    if len(rows) < 2:
        return short("fewer than 2 pressure-tensor samples").as_dict("mPa s", GK_METHOD)
    interval_fs = float(rows[1, 0] - rows[0, 0]) * dt
    estimate, cut = green_kubo_viscosity(
        rows[:, 1:], interval_fs, volume, float(info["temperature"])
    )
    result = estimate.as_dict("mPa s", GK_METHOD)
    result["integration_cutoff_ps"] = cut
    result["samples"] = len(rows)
    return result


def add_yeh_hummer(
    transport: dict[str, Any], summary: dict[str, Any], box_length: float, temperature: float
) -> None:
    """Add the Yeh-Hummer corrected D beside each block D (needs this run's viscosity)."""
    v = transport["viscosity"]
    eta = Estimate(v["value"], v["error"], v["blocks"], v["too_short"])
    for entry in transport["diffusion"]:
        d = entry["D"]
        estimate = Estimate(d["value"], d["error"], d["blocks"], d["too_short"])
        entry["D_yeh_hummer"] = yeh_hummer(estimate, eta, box_length, temperature).as_dict(
            "cm^2/s", YH_METHOD
        )
    by_species = {e["species"]: e["D_yeh_hummer"] for e in transport["diffusion"]}
    for entry in summary["diffusion"]:
        entry["D_yeh_hummer"] = by_species.get(entry["species"], {}).get("value")
