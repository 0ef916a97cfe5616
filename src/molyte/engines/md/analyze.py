"""Analysis of a finished MD work directory: `python -m molyte.engines.md.analyze WORKDIR`.

Reads `system.json` (written by the builder), the LAMMPS logs (`log.lammps`, then continuation
logs `log.1.lammps`, ...), the production trajectory `traj.lammpstrj` (NVT, unwrapped) and
`final.data`, and writes:
- `thermo.csv`: stage, step, time_ps, temp (K), press (atm), density (g/cm^3), pe, ke, etotal,
  evdwl, ecoul, elong, ebond, eangle, edihed, eimp (kcal/mol), vol (A^3), lx (A);
- `final.pdb`, `final.xyz` (species resnames as PDB residue names; molecules made whole and
  wrapped into the box by their centre of mass); `final.data` is LAMMPS's own;
- `rdf_<cation>_<element>_<species>.csv`: r (A), g, cn (running coordination number);
- `msd_<species>.csv`: t_ps, msd_A2 (centre-of-mass MSD, system drift removed);
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
                   "loglog_slope": s, "diffusive": bool, "file": "msd_Li.csv"}, ...],
    "conductivity": {"value": S/m, "unit": "S/m", "method": "Nernst-Einstein"} | null,
    "transference_number": t+ | null,
    "frames": n, "production_ps": ps,
    "files": {"thermo": ..., "final_pdb": ..., "final_xyz": ..., "final_data": ...,
              "trajectory": ..., "rdf": [...], "msd": [...]},
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from molyte.engines.md.analysis import (
    first_shell,
    fit_diffusion,
    molecule_centres,
    msd,
    nernst_einstein,
    rdf,
    shell_classes,
    transference_number,
)
from molyte.engines.md.lammps_input import TRAJECTORY
from molyte.engines.md.logparse import log_files, merge_thermo
from molyte.engines.md.trajectory import Frame, read_data_atoms, read_dump

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


def analyze(workdir: Path) -> dict[str, Any]:
    """Analyse `workdir`, write the result files and summary.json; return the summary."""
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

    trajectory = workdir / TRAJECTORY
    frames: list[Frame] = read_dump(trajectory) if trajectory.is_file() else []
    if frames:
        files["trajectory"] = TRAJECTORY
    final_data = workdir / "final.data"
    box: np.ndarray | None
    positions: np.ndarray | None
    if final_data.is_file():
        box, positions = read_data_atoms(final_data)
        files["final_data"] = "final.data"
    elif frames:
        box, positions = frames[-1].box, frames[-1].positions
        warnings.append("no final.data: final structure from the last trajectory frame")
    else:
        box = positions = None
    if positions is not None and box is not None:
        write_structures(positions, box, species, workdir)
        files["final_pdb"], files["final_xyz"] = "final.pdb", "final.xyz"

    summary["frames"] = len(frames)
    summary["production_ps"] = (
        (frames[-1].step - frames[0].step) * dt / 1000.0 if len(frames) > 1 else 0.0
    )
    lengths = [f.lengths for f in frames]
    summary["box_length"] = (
        _finite(float(np.mean([ln.mean() for ln in lengths])))
        if frames
        else (info["box_length_estimate"])
    )
    summary.update(
        rdf=[], solvation_shell=None, diffusion=[], conductivity=None, transference_number=None
    )
    files["rdf"], files["msd"] = [], []
    if not frames:
        warnings.append("no production trajectory: RDF, diffusion and conductivity not computed")
    else:
        _structure(frames, lengths, species, workdir, summary, files, warnings)
        _transport(frames, species, info, dt, workdir, summary, files, warnings)
    summary["files"] = files
    summary["warnings"] = warnings
    (workdir / SUMMARY).write_text(json.dumps(summary, indent=1, allow_nan=False))
    return summary


def _structure(
    frames: list[Frame],
    lengths: list[np.ndarray],
    species: list[SpeciesLayout],
    workdir: Path,
    summary: dict[str, Any],
    files: dict[str, Any],
    warnings: list[str],
) -> None:
    r_max = min(RDF_MAX, min(float(ln.min()) for ln in lengths) / 2.0)
    cations = [s for s in species if s.kind == "cation"]
    anions = [s for s in species if s.kind == "anion"]
    solvents = [s for s in species if s.kind == "solvent"]
    contact_cutoff: dict[tuple[str, str], float] = {}
    for cat in cations:
        a_idx = cat.atoms_of(set(cat.elements))
        partners = [(s, _donors(s)) for s in solvents] + [(s, set(s.coordinating)) for s in anions]
        for other, elements in partners:
            b_idx = other.atoms_of(elements)
            if not len(b_idx):
                continue
            element = "/".join(sorted(elements))
            result = rdf(
                [f.positions[a_idx] for f in frames],
                [f.positions[b_idx] for f in frames],
                lengths,
                r_max,
                RDF_DR,
            )
            name = f"rdf_{cat.name}_{element.replace('/', '')}_{other.name}.csv"
            _write_csv(workdir / name, ["r", "g", "cn"], [result.r, result.g, result.cn])
            files["rdf"].append(name)
            peak, cutoff = first_shell(result.r, result.g)
            if cutoff is None:
                warnings.append(f"{cat.name}-{element}({other.name}): no first minimum in g(r)")
            elif other.kind == "anion":
                contact_cutoff[(cat.name, other.name)] = cutoff
            summary["rdf"].append(
                {
                    "pair": f"{cat.name}-{element}({other.name})",
                    "file": name,
                    "first_peak_r": peak,
                    "cutoff": cutoff,
                    "coordination": result.coordination_at(cutoff) if cutoff else None,
                    "unit": "A",
                }
            )
    tally = {"SSIP": 0.0, "CIP": 0.0, "AGG": 0.0}
    weight = 0
    for an in anions:
        # SSIP/CIP/AGG counts metal ions (one atom each); molecular cations such as the
        # imidazolium of an ionic liquid are left out of the classification
        usable = [c for c in cations if (c.name, an.name) in contact_cutoff and c.n_atoms == 1]
        if not usable:
            continue
        c_idx = np.concatenate([c.atoms_of(set(c.elements)) for c in usable])
        cut = np.concatenate([np.full(c.count, contact_cutoff[(c.name, an.name)]) for c in usable])
        sites = an.atoms_of(set(an.coordinating))
        per_anion = len(sites) // an.count
        owner = np.repeat(np.arange(an.count), per_anion)
        fractions = shell_classes(
            [f.positions[c_idx] for f in frames],
            [f.positions[sites] for f in frames],
            owner,
            lengths,
            cut,
        )
        for key in tally:
            tally[key] += fractions[key] * an.count
        weight += an.count
    if weight:
        summary["solvation_shell"] = {
            **{k: v / weight for k, v in tally.items()},
            "definition": "fraction of anions with 0 (SSIP), 1 (CIP) or >=2 (AGG) cations within "
            "the cation-anion first-shell cutoff of any of their coordinating atoms",
        }
    elif anions:
        warnings.append("no cation-anion first-shell cutoff: solvation shell not classified")


def _transport(
    frames: list[Frame],
    species: list[SpeciesLayout],
    info: dict[str, Any],
    dt: float,
    workdir: Path,
    summary: dict[str, Any],
    files: dict[str, Any],
    warnings: list[str],
) -> None:
    if len(frames) < 4:
        warnings.append(f"{len(frames)} frames: too few for MSD and diffusion")
        return
    all_masses = np.concatenate([np.tile(s.masses, s.count) for s in species])
    drift = np.stack([all_masses @ f.positions / all_masses.sum() for f in frames])
    t = np.array([(f.step - frames[0].step) * dt / 1000.0 for f in frames])
    max_lag = len(frames) // 2
    ions: list[tuple[SpeciesLayout, float]] = []
    for s in species:
        starts = s.molecule_starts()
        centres = np.stack(
            [molecule_centres(f.positions, s.masses, starts, s.n_atoms) for f in frames]
        )
        centres -= drift[:, None, :]
        values = msd(centres, max_lag)
        name = f"msd_{s.name}.csv"
        _write_csv(workdir / name, ["t_ps", "msd_A2"], [t[: len(values)], values])
        files["msd"].append(name)
        fit = fit_diffusion(t[: len(values)], values)
        if fit is None:
            warnings.append(f"{s.name}: MSD too short to fit")
            continue
        if not fit.diffusive:
            warnings.append(
                f"{s.name}: no diffusive MSD window (log-log slope {fit.slope:.2f}); "
                "D from the second half of the lags, run longer"
            )
        d = _finite(fit.D) if fit.D > 0 else None
        if d is None:
            warnings.append(f"{s.name}: the MSD does not grow over the fit window: no D")
        summary["diffusion"].append(
            {
                "species": s.name, "D": d, "unit": "cm^2/s",
                "fit_window_ps": list(fit.window), "loglog_slope": _finite(fit.slope),
                "diffusive": fit.diffusive, "file": name,
            }
        )  # fmt: skip
        if s.formal_charge != 0 and d is not None:
            ions.append((s, d))
    if (
        ions
        and any(s.formal_charge > 0 for s, _ in ions)
        and any(s.formal_charge < 0 for s, _ in ions)
    ):
        volume = float(np.mean([np.prod(f.lengths) for f in frames]))
        counts = [s.count for s, _ in ions]
        charges = [s.formal_charge for s, _ in ions]
        diffusion = [d for _, d in ions]
        sigma = nernst_einstein(counts, charges, diffusion, volume, float(info["temperature"]))
        summary["conductivity"] = {
            "value": _finite(sigma), "unit": "S/m", "method": "Nernst-Einstein",
            "note": "formal ion charges, uncorrelated ions (no cross terms)",
        }  # fmt: skip
        summary["transference_number"] = _finite(transference_number(counts, charges, diffusion))


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
