"""Analysis of a finished MD work directory: `python -m molyte.engines.md.analyze WORKDIR`.

Reads `system.json` (written by the builder), the LAMMPS logs (`log.lammps`, then continuation
logs `log.1.lammps`, ...), the production trajectory (`traj.dcd`, `traj.1.dcd`, ...: NVT,
unwrapped; or `traj.lammpstrj` from a job run before the DCD), the pressure-tensor samples
(`stress.dat`, `stress.1.dat`, ...) and `final.data`, and writes:
- `thermo.csv`: stage, step, time_ps, temp (K), press (atm), density (g/cm^3), pe, ke, etotal,
  evdwl, ecoul, elong, ebond, eangle, edihed, eimp (kcal/mol), vol (A^3), lx (A);
- `final.pdb`, `final.xyz` (species resnames as PDB residue names; molecules made whole and
  wrapped into the box by their centre of mass); `final.data` is LAMMPS's own;
- `rdf_<cation>_<element>_<species>.csv`: r (A), g, cn (running coordination number);
- `msd_<species>.csv`: t_ps, msd_A2 (centre-of-mass MSD, system drift removed);
  `msd_charge.csv`: t_ps, msd_e2A2 (MSD of the collective charge displacement);
- `summary.json`, schema:
  {
    "engine": "lammps",
    "density": {"mean": g/cm^3, "std": g/cm^3, "unit": "g/cm^3", "samples": n,
                "window": "second half of the npt rows of thermo.csv"},
    "temperature": {"mean": K, "std": K, "unit": "K"},            # NVT rows
    "composition": {"<species>": count, ...}, "salt_pairs": {"<salt>": n, ...},
    "residue_names": {"<species>": "<PDB residue name>", ...},
    "box_length": A (mean NVT box edge), "box_length_unit": "A", "atoms": n,
    "rdf": [{"pair": "Li-O(EC)", "file": "rdf_Li_O_EC.csv", "first_peak_r": A,
             "cutoff": A, "coordination": n, "unit": "A"}, ...],
    "solvation_shell": {"SSIP": f, "CIP": f, "AGG": f, "definition": "..."} | null,
    "diffusion": [{"species": "Li", "D": cm^2/s or null, "unit": "cm^2/s", "fit_window_ps": [a, b],
                   "loglog_slope": s, "diffusive": bool, "file": "msd_Li.csv",
                   "D_error": block standard error | null, "D_yeh_hummer": cm^2/s | null}, ...],
    "conductivity": {"value": S/m, "unit": "S/m", "method": "Nernst-Einstein"} | null,
    "transference_number": t+ | null,
    "transport": {          # each E = {"value", "error", "unit", "method", "blocks",
      "blocks": 5,          #           "too_short": null | "why there is no value"}
      "diffusion": [{"species": ..., "D": E cm^2/s, "D_yeh_hummer": E, "window_ps": [a, b]}],
      "conductivity_einstein_helfand": E S/m, "conductivity_nernst_einstein": E S/m,
      "haven_ratio": E, "viscosity": E mPa s + "integration_cutoff_ps", "samples",
      "residence_time": [{"cation": ..., "partner": ..., **E ps}, ...]
    },
    "frames": n, "production_ps": ps,
    "files": {"thermo": ..., "final_pdb": ..., "final_xyz": ..., "final_data": ...,
              "trajectory": ..., "trajectory_segments": [...], "rdf": [...], "msd": [...]},
    "warnings": ["..."]
  }
Any value that cannot be computed (no production frames, no first minimum, ...) is null, with
the reason in `warnings`. On an exception the traceback goes to `analysis_error.txt` and the
command exits 1.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from molyte.engines.md.lammps_input import LEGACY_TRAJECTORY, STRESS, TRAJECTORY, segments
from molyte.engines.md.logparse import log_files, merge_thermo
from molyte.engines.md.structure import (
    RDFAccumulator,
    first_shell,
    first_shell_contacts,
    molecule_centres,
    shell_counts,
)
from molyte.engines.md.trajectory import (
    Frame,
    count_dcd_frames,
    dcd_step_range,
    iter_dcd,
    read_data_atoms,
    read_dump,
)
from molyte.engines.md.transport import (
    N_BLOCKS,
    Estimate,
    ResidenceCounter,
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

SUMMARY = "summary.json"
ERROR_FILE = "analysis_error.txt"
RDF_DR = 0.05
RDF_MAX = 12.0
THERMO_COLUMNS = (
    "stage", "step", "time_ps", "temp", "press", "density", "pe", "ke", "etotal", "evdwl",
    "ecoul", "elong", "ebond", "eangle", "edihed", "eimp", "vol", "lx",
)  # fmt: skip


@dataclass
class SpeciesLayout:
    name: str
    resname: str
    kind: str
    count: int
    n_atoms: int
    first: int  # index of the first atom of the first molecule
    elements: list[str]
    atom_names: list[str]
    masses: np.ndarray
    formal_charge: int
    coordinating: list[str]

    def atoms_of(self, elements: set[str]) -> np.ndarray:
        """Indices (in the whole box) of this species' atoms of the given elements."""
        local = [i for i, e in enumerate(self.elements) if e in elements]
        starts = self.first + self.n_atoms * np.arange(self.count)
        return np.asarray((starts[:, None] + np.array(local)[None, :]).ravel(), dtype=int)

    def molecule_starts(self) -> np.ndarray:
        return np.asarray(self.first + self.n_atoms * np.arange(self.count), dtype=np.int64)


def layout(info: dict[str, Any]) -> list[SpeciesLayout]:
    result = []
    first = 0
    for s in info["species"]:
        n_atoms = len(s["elements"])
        result.append(
            SpeciesLayout(
                s["name"],
                s["resname"],
                s["kind"],
                s["count"],
                n_atoms,
                first,
                s["elements"],
                s["atom_names"],
                np.array(s["masses"]),
                s["formal_charge"],
                s["coordinating"],
            )
        )
        first += n_atoms * s["count"]
    return result


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def write_thermo(rows: list[dict[str, Any]], timestep_fs: float, path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(THERMO_COLUMNS)
        for row in rows:
            values = dict(row)
            if row["stage"] != "minimize":
                values["time_ps"] = round(float(row["step"]) * timestep_fs / 1000.0, 6)
            writer.writerow([_csv(values.get(c)) for c in THERMO_COLUMNS])


def _csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def mean_std(rows: list[dict[str, Any]], key: str) -> tuple[float | None, float | None, int]:
    values = np.array([float(r[key]) for r in rows if key in r])
    if len(values) == 0:
        return None, None, 0
    return _finite(float(values.mean())), _finite(float(values.std())), len(values)


def whole_molecules(
    positions: np.ndarray, box: np.ndarray, species: list[SpeciesLayout]
) -> np.ndarray:
    """Unwrapped positions shifted so every molecule's centre of mass lies in the box."""
    lo, length = box[:, 0], box[:, 1] - box[:, 0]
    out = positions.copy()
    for s in species:
        starts = s.molecule_starts()
        centres = molecule_centres(positions, s.masses, starts, s.n_atoms)
        shift = np.floor((centres - lo) / length) * length
        index = starts[:, None] + np.arange(s.n_atoms)[None, :]
        out[index] -= shift[:, None, :]
    return out


def write_structures(
    positions: np.ndarray, box: np.ndarray, species: list[SpeciesLayout], workdir: Path
) -> None:
    """final.pdb and final.xyz with species names as residue names."""
    length = box[:, 1] - box[:, 0]
    coords = whole_molecules(positions, box, species) - box[:, 0]
    pdb = [
        f"CRYST1{length[0]:9.3f}{length[1]:9.3f}{length[2]:9.3f}{90:7.2f}{90:7.2f}{90:7.2f}"
        " P 1           1"
    ]
    contents = " ".join(f"{s.name}x{s.count}" for s in species)
    box_text = f"{length[0]:.4f} {length[1]:.4f} {length[2]:.4f}"
    xyz = [str(len(coords)), f"Molyte final frame; box {box_text} A; species: {contents}"]
    serial = 0
    residue = 0
    for s in species:
        for _ in range(s.count):
            residue += 1
            for a in range(s.n_atoms):
                x, y, z = coords[serial]
                serial += 1
                element = s.elements[a]
                pdb.append(
                    f"HETATM{serial % 100000:5d} {s.atom_names[a][:4]:<4s} {s.resname[:4]:<4s}"
                    f"A{residue % 10000:4d}    {x:8.3f}{y:8.3f}{z:8.3f}{1.0:6.2f}{0.0:6.2f}"
                    f"          {element:>2s}"
                )
                xyz.append(f"{element} {x:.5f} {y:.5f} {z:.5f}")
    pdb.append("END")
    (workdir / "final.pdb").write_text("\n".join(pdb) + "\n")
    (workdir / "final.xyz").write_text("\n".join(xyz) + "\n")


def _write_csv(path: Path, header: list[str], columns: list[np.ndarray]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in zip(*columns, strict=True):
            writer.writerow([f"{v:.6g}" for v in row])


def _donors(s: SpeciesLayout) -> set[str]:
    return {"O"} if "O" in s.elements else ({"N"} if "N" in s.elements else set())


@dataclass
class Production:
    """The production trajectory: how to stream its frames, how many, the time between them."""

    frames: Callable[[], Iterator[Frame]]
    n_frames: int
    first_step: int
    last_step: int
    files: list[str]


def production(workdir: Path) -> Production | None:
    """The DCD segments of the run (or the text dump of a job from before them), or None."""
    dcd = segments(workdir, TRAJECTORY)
    if dcd:
        n = count_dcd_frames(dcd)
        if n:
            first, last = dcd_step_range(dcd)
            return Production(lambda: iter_dcd(dcd), n, first, last, [p.name for p in dcd])
    legacy = workdir / LEGACY_TRAJECTORY
    if legacy.is_file():
        frames = read_dump(legacy)
        if frames:
            return Production(
                lambda: iter(frames), len(frames), frames[0].step, frames[-1].step,
                [LEGACY_TRAJECTORY],
            )  # fmt: skip
    return None


def _last(frames: Iterator[Frame]) -> Frame:
    return deque(frames, maxlen=1)[0]


def analyze(workdir: Path, out: Path | None = None) -> dict[str, Any]:
    """Analyse `workdir`, write the result files and the summary (`out`, by default
    summary.json in `workdir`); return the summary."""
    info = json.loads((workdir / "system.json").read_text())
    species = layout(info)
    dt = float(info["timestep_fs"])
    warnings: list[str] = []
    files: dict[str, Any] = {}
    summary: dict[str, Any] = {
        "engine": "lammps",
        "composition": {s.name: s.count for s in species},
        "residue_names": {s.name: s.resname[:4] for s in species},
        "salt_pairs": info.get("salt_pairs", {}),
        "atoms": info["n_atoms"],
        "box_length_unit": "A",
    }

    rows = merge_thermo([p.read_text() for p in log_files(workdir)])
    write_thermo(rows, dt, workdir / "thermo.csv")
    files["thermo"] = "thermo.csv"
    npt = [r for r in rows if r["stage"] == "npt"]
    mean, std, n = mean_std(npt[len(npt) // 2 :], "density")
    summary["density"] = {
        "mean": mean, "std": std, "unit": "g/cm^3", "samples": n,
        "window": "second half of the npt rows of thermo.csv",
    }  # fmt: skip
    if not n:
        warnings.append("no NPT thermo rows: density not computed")
    nvt_rows = [r for r in rows if r["stage"] == "nvt"]
    t_mean, t_std, _ = mean_std(nvt_rows, "temp")
    summary["temperature"] = {"mean": t_mean, "std": t_std, "unit": "K"}

    run = production(workdir)
    if run is not None:
        files["trajectory"] = run.files[0]
        files["trajectory_segments"] = run.files  # the run and its continuations, in order
    final_data = workdir / "final.data"
    box: np.ndarray | None = None
    positions: np.ndarray | None = None
    if final_data.is_file():
        box, positions = read_data_atoms(final_data)
        files["final_data"] = "final.data"
    elif run is not None:
        last = _last(run.frames())
        box, positions = last.box, last.positions
        warnings.append("no final.data: final structure from the last trajectory frame")
    if positions is not None and box is not None:
        write_structures(positions, box, species, workdir)
        files["final_pdb"], files["final_xyz"] = "final.pdb", "final.xyz"

    summary["frames"] = run.n_frames if run else 0
    summary["production_ps"] = (run.last_step - run.first_step) * dt / 1000.0 if run else 0.0
    summary["box_length"] = info["box_length_estimate"]
    summary.update(
        rdf=[], solvation_shell=None, diffusion=[], conductivity=None, transference_number=None
    )
    files["rdf"], files["msd"] = [], []
    summary["transport"] = empty_transport("no production trajectory")
    if run is None:
        warnings.append("no production trajectory: RDF, diffusion and conductivity not computed")
    else:
        frame_ps = (run.last_step - run.first_step) * dt / 1000.0 / max(run.n_frames - 1, 1)
        streamed = first_pass(run, species)
        summary["box_length"] = _finite(float(np.mean(streamed.lengths)))
        volume = float(np.mean(np.prod(streamed.lengths, axis=1)))
        cutoffs = _structure(streamed, species, workdir, summary, files, warnings)
        transport = _transport(streamed, species, info, frame_ps, workdir, summary, files, warnings)
        transport["viscosity"] = _viscosity(workdir, run, dt, volume, info, warnings)
        _finite_size(transport, summary, float(summary["box_length"]), float(info["temperature"]))
        shells, residence = second_pass(run, species, cutoffs, frame_ps)
        transport["residence_time"] = residence
        if shells is not None:
            summary["solvation_shell"] = shells
        summary["transport"] = transport
    summary["files"] = files
    summary["warnings"] = warnings
    (out or workdir / SUMMARY).write_text(json.dumps(summary, indent=1, allow_nan=False))
    return summary


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


EH_METHOD = (
    "Einstein-Helfand: slope of the MSD of the collective charge displacement sum q_i r_i "
    "(formal charges, centres of mass) / (6 V kB T)"
)
NE_METHOD = "Nernst-Einstein: e^2 / (V kB T) sum N_i z_i^2 D_i from the block self-diffusion"
HAVEN_METHOD = "Haven ratio: Nernst-Einstein / Einstein-Helfand conductivity"
GK_METHOD = (
    "Green-Kubo: V / (kB T) times the integral of the autocorrelation of pxy, pxz, pyz "
    "(mean of the three), integrated until the autocorrelation is within 2 standard errors of 0"
)
D_METHOD = "slope / 6 of the centre-of-mass MSD (system drift removed) over the diffusive window"
YH_METHOD = "D + 2.837297 kB T / (6 pi eta L) (Yeh-Hummer, Green-Kubo eta of this run)"
RESIDENCE_METHOD = (
    "bound time / exits; bound while any donor atom is within the Li-donor first-shell "
    "cutoff, excursions up to {tolerance} frames bridged"
)
RESIDENCE_TOLERANCE_PS = 2.0


@dataclass
class Streamed:
    """What the first pass over the frames keeps: O(frames x molecules), not x atoms."""

    lengths: np.ndarray  # (frames, 3)
    centres: dict[str, np.ndarray]  # species -> (frames, molecules, 3), drift removed
    rdfs: dict[tuple[str, str], tuple[str, RDFAccumulator]]  # (cation, partner) -> (label, g)


def _partners(
    cation: SpeciesLayout, species: list[SpeciesLayout]
) -> list[tuple[SpeciesLayout, set[str]]]:
    """The species around a cation whose donor atoms make its first shell."""
    result = [(s, _donors(s)) for s in species if s.kind == "solvent"]
    result += [(s, set(s.coordinating)) for s in species if s.kind == "anion"]
    return [(s, e) for s, e in result if len(s.atoms_of(e))]


def first_pass(run: Production, species: list[SpeciesLayout]) -> Streamed:
    """Stream the frames once: box edges, centres of mass, cation-donor RDFs (freud)."""
    all_masses = np.concatenate([np.tile(s.masses, s.count) for s in species])
    total_mass = all_masses.sum()
    centres = {s.name: np.zeros((run.n_frames, s.count, 3)) for s in species}
    lengths = np.zeros((run.n_frames, 3))
    cations = [s for s in species if s.kind == "cation"]
    pairs = [(c, other, el) for c in cations for other, el in _partners(c, species)]
    rdfs: dict[tuple[str, str], tuple[str, RDFAccumulator]] = {}
    index: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for frame_no, frame in enumerate(run.frames()):
        lengths[frame_no] = frame.lengths
        drift = all_masses @ frame.positions / total_mass
        for s in species:
            com = molecule_centres(frame.positions, s.masses, s.molecule_starts(), s.n_atoms)
            centres[s.name][frame_no] = com - drift
        if frame_no == 0:
            r_max = min(RDF_MAX, float(frame.lengths.min()) / 2.0 - 1e-6)
            for c, other, el in pairs:
                rdfs[(c.name, other.name)] = ("/".join(sorted(el)), RDFAccumulator(r_max, RDF_DR))
                index[(c.name, other.name)] = (c.atoms_of(set(c.elements)), other.atoms_of(el))
        for key, (_, accumulator) in rdfs.items():
            a_idx, b_idx = index[key]
            accumulator.add(frame.lengths, frame.positions[a_idx], frame.positions[b_idx])
    return Streamed(lengths, centres, rdfs)


def _structure(
    streamed: Streamed,
    species: list[SpeciesLayout],
    workdir: Path,
    summary: dict[str, Any],
    files: dict[str, Any],
    warnings: list[str],
) -> dict[tuple[str, str], float]:
    """RDF files and first-shell entries; the cation-partner first-shell cutoffs."""
    cutoffs: dict[tuple[str, str], float] = {}
    for (cat, other), (element, acc) in streamed.rdfs.items():
        result = acc.result()
        r, g, cn = result.r, result.g, result.cn
        name = f"rdf_{cat}_{element.replace('/', '')}_{other}.csv"
        _write_csv(workdir / name, ["r", "g", "cn"], [r, g, cn])
        files["rdf"].append(name)
        peak, cutoff = first_shell(r, g)
        if cutoff is None:
            warnings.append(f"{cat}-{element}({other}): no first minimum in g(r)")
        else:
            cutoffs[(cat, other)] = cutoff
        coordination = result.coordination_at(cutoff) if cutoff else None
        summary["rdf"].append(
            {
                "pair": f"{cat}-{element}({other})", "file": name, "first_peak_r": peak,
                "cutoff": cutoff, "coordination": coordination, "unit": "A",
            }
        )  # fmt: skip
    kinds = {s.name: s.kind for s in species}
    if any(kinds[o] == "anion" for _, o in streamed.rdfs) and not any(
        kinds[o] == "anion" for _, o in cutoffs
    ):
        warnings.append("no cation-anion first-shell cutoff: solvation shell not classified")
    return cutoffs


def second_pass(
    run: Production,
    species: list[SpeciesLayout],
    cutoffs: dict[tuple[str, str], float],
    frame_ps: float,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Stream the frames again with the first-shell cutoffs: SSIP/CIP/AGG fractions of the
    anions and the residence time of each partner species in each cation's first shell."""
    by_name = {s.name: s for s in species}
    tolerance = int(RESIDENCE_TOLERANCE_PS / frame_ps) if frame_ps > 0 else 0
    counters: dict[tuple[str, str], ResidenceCounter] = {}
    sites: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for cat, other in cutoffs:
        c, o = by_name[cat], by_name[other]
        if c.n_atoms != 1:
            # Shells and residence times are counted around metal ions (one atom each); a
            # molecular cation such as an ionic liquid's imidazolium has no single centre.
            continue
        donors = _donors(o) if o.kind == "solvent" else set(o.coordinating)
        local = [i for i, e in enumerate(o.elements) if e in donors]
        owner = np.repeat(np.arange(o.count), len(local))
        sites[(cat, other)] = (c.atoms_of(set(c.elements)), o.atoms_of(donors), owner)
        counters[(cat, other)] = ResidenceCounter((c.count, o.count), tolerance, run.n_frames)
    anion_keys = [k for k in cutoffs if by_name[k[1]].kind == "anion"]
    tally = {"SSIP": 0.0, "CIP": 0.0, "AGG": 0.0}
    if counters:
        for frame in run.frames():
            contacts = {}
            for key, (c_idx, s_idx, owner) in sites.items():
                contact = first_shell_contacts(
                    frame.lengths, frame.positions[c_idx], frame.positions[s_idx], owner,
                    by_name[key[1]].count, cutoffs[key],
                )  # fmt: skip
                contacts[key] = contact
                counters[key].update(contact.T)
            for an in {k[1] for k in anion_keys}:
                partners = sum(contacts[k].sum(axis=1) for k in anion_keys if k[1] == an)
                for name, count in shell_counts(np.asarray(partners)).items():
                    tally[name] += count
    total = sum(tally.values())
    shells = None
    if total:
        shells = {
            **{k: v / total for k, v in tally.items()},
            "definition": "fraction of anions with 0 (SSIP), 1 (CIP) or >=2 (AGG) cations within "
            "the cation-anion first-shell cutoff of any of their coordinating atoms",
        }
    method = RESIDENCE_METHOD.format(tolerance=tolerance)
    residence = [
        {"cation": cat, "partner": other, **counter.result(frame_ps).as_dict("ps", method)}
        for (cat, other), counter in counters.items()
    ]
    return shells, residence


def _transport(
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
        _write_csv(workdir / name, ["t_ps", "msd_A2"], [t[: len(values)], values])
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
        d = _finite(fit.D) if fit.D > 0 else None
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
                "fit_window_ps": list(fit.window), "loglog_slope": _finite(fit.slope),
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
    if len(ions) == len(charged):
        counts = [s.count for s, _ in ions]
        charges = [s.formal_charge for s, _ in ions]
        legacy = [
            next(d["D"] for d in summary["diffusion"] if d["species"] == s.name) for s, _ in ions
        ]
        sigma = nernst_einstein(counts, charges, legacy, volume, temperature)
        summary["conductivity"] = {
            "value": _finite(sigma), "unit": "S/m", "method": "Nernst-Einstein",
            "note": "formal ion charges, uncorrelated ions (no cross terms)",
        }  # fmt: skip
        summary["transference_number"] = _finite(transference_number(counts, charges, legacy))
    ne = _nernst_einstein_estimate(ions, charged, volume, temperature)
    transport["conductivity_nernst_einstein"] = ne.as_dict("S/m", NE_METHOD)
    # The collective charge displacement M(t) (e A): uniform drift cancels in a neutral box.
    m = sum(s.formal_charge * streamed.centres[s.name].sum(axis=1) for s in charged)
    m = np.asarray(m)[:, None, :]
    m_msd = msd_fft(m)[: max_lag + 1]
    _write_csv(workdir / "msd_charge.csv", ["t_ps", "msd_e2A2"], [t[: max_lag + 1], m_msd])
    files["msd"].append("msd_charge.csv")
    fit = fit_diffusion(t[: max_lag + 1], m_msd)
    if fit is None or not fit.diffusive:
        eh = short("no diffusive window in the MSD of the collective charge displacement")
    else:
        eh = einstein_helfand(block_slopes(m, frame_ps, fit.window), volume, temperature)
    transport["conductivity_einstein_helfand"] = eh.as_dict("S/m", EH_METHOD)
    transport["haven_ratio"] = ratio(ne, eh).as_dict("1", HAVEN_METHOD)
    return transport


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


def _viscosity(
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


def read_stress(paths: list[Path]) -> np.ndarray:
    """Rows (step, pxy, pxz, pyz) of `fix ave/time` files, later segments replacing the
    steps they repeat; a last line cut by a killed run is dropped."""
    tables = []
    for path in paths:
        lines = path.read_text().splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines.pop()
        tables.append(np.loadtxt(lines, comments="#", ndmin=2).reshape(-1, 4))
    merged = tables[0]
    for table in tables[1:]:
        if len(table):
            merged = np.concatenate([merged[merged[:, 0] < table[0, 0]], table])
    return merged


def _finite_size(
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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    workdir = Path(args[0] if args else ".").resolve()
    try:
        summary = analyze(workdir)
    except Exception:
        (workdir / ERROR_FILE).write_text(traceback.format_exc())
        print(f"analysis failed: see {workdir / ERROR_FILE}", file=sys.stderr)
        return 1
    density = summary["density"]
    print(f"analysis done: density {density['mean']} +- {density['std']} g/cm^3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
