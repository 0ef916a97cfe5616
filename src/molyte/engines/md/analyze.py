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
    "concentrations": {"basis": "solvent" | "solution" | "molal", "mol_per_l_solvent": c,
                       "mol_per_l_solution_estimated": c, "mol_per_kg_solvent": m} | null,
                      # the built box's total salt (composition.py, step 6); null: no salt
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

This module is the driver (and the command batch scripts run, so its name stays); the parts
are `layout` (which atoms are which), `production` (trajectory and stress segments),
`solvation` (RDFs, shells, residence times), `transport_summary` (the `transport` block) and
`outputs` (the CSV, PDB and XYZ files), over the math in `structure` and `transport`.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from molyte.engines.md.layout import layout
from molyte.engines.md.logparse import log_files, merge_thermo
from molyte.engines.md.names import ERROR_FILE, SUMMARY
from molyte.engines.md.outputs import finite, write_structures, write_thermo
from molyte.engines.md.production import last_frame, production
from molyte.engines.md.solvation import first_pass, second_pass, write_rdfs
from molyte.engines.md.trajectory import read_data_atoms
from molyte.engines.md.transport_summary import (
    add_yeh_hummer,
    empty_transport,
    transport_block,
    viscosity_block,
)


def mean_std(rows: list[dict[str, Any]], key: str) -> tuple[float | None, float | None, int]:
    values = np.array([float(r[key]) for r in rows if key in r])
    if len(values) == 0:
        return None, None, 0
    return finite(float(values.mean())), finite(float(values.std())), len(values)


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
        "concentrations": info.get("concentrations"),  # absent from a box built before
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
        last = last_frame(run.frames())
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
        summary["box_length"] = finite(float(np.mean(streamed.lengths)))
        volume = float(np.mean(np.prod(streamed.lengths, axis=1)))
        cutoffs = write_rdfs(streamed, species, workdir, summary, files, warnings)
        transport = transport_block(
            streamed, species, info, frame_ps, workdir, summary, files, warnings
        )
        transport["viscosity"] = viscosity_block(workdir, run, dt, volume, info, warnings)
        add_yeh_hummer(transport, summary, float(summary["box_length"]), float(info["temperature"]))
        shells, residence = second_pass(run, species, cutoffs, frame_ps)
        transport["residence_time"] = residence
        if shells is not None:
            summary["solvation_shell"] = shells
        summary["transport"] = transport
    summary["files"] = files
    summary["warnings"] = warnings
    (out or workdir / SUMMARY).write_text(json.dumps(summary, indent=1, allow_nan=False))
    return summary


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
