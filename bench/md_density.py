"""Density of pure library solvents (OPLS-AA / SPC/E) against experiment.

    python bench/md_density.py [--ps 300] [--timestep 2] [--workdir .bench/md_density]

Builds a box of each pure solvent with the engine's own pieces (library force field, Packmol,
data file, input script), runs minimisation + NPT at 298.15 K and 1 atm with LAMMPS, and prints
the mean density over the second half of NPT (the same window as summary.json) next to the
experimental value. Target: within 5 %. Not part of the test run. `make bench` runs it shortened
(see bench/run_all.py); the default here is the full length.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from molyte.engines.md.composition import library_species
from molyte.engines.md.lammps_data import BoxSystem, render_data
from molyte.engines.md.lammps_input import ScriptSettings, Stage, render_input, steps
from molyte.engines.md.library import library_molecule
from molyte.engines.md.logparse import find_failure, parse_thermo
from molyte.engines.md.packing import pack
from molyte.engines.md.tools import require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Target, table, targets_table

# g/cm^3 at 298.15 K, 1 atm: the experimental densities listed with the project's force-field
# reference data (no primary source is given there; bench/md_validation.py cites its own).
EXPERIMENT = {"DMC": 1.063, "PC": 1.200, "water": 0.997}
MOLECULES = {"DMC": 125, "PC": 125, "water": 400}
PACK_DENSITY = 0.8
TARGET_PERCENT = 5.0


def run_one(name: str, n: int, ps: float, timestep: float, workdir: Path) -> dict[str, float]:
    workdir.mkdir(parents=True, exist_ok=True)
    molecule = library_molecule(name)
    species = library_species(name)
    edge = (n * species.volume) ** (1 / 3)
    pack_edge = edge / PACK_DENSITY ** (1 / 3)
    coords = pack([molecule], [n], pack_edge, 1234, workdir)
    system = BoxSystem([molecule], [n], coords, pack_edge)
    bonds, angles = system.shake_types()
    settings = ScriptSettings(
        temperature=298.15, pressure=1.0, timestep=timestep, anneal_temperature=400,
        thermo_interval=500, dump_interval=10**7, restart_interval=10**6, seed=4321,
        cutoff=max(6.0, min(12.0, int(edge / 2) - 1.0)), minimize=True,  # as the builder
        dihedral_styles=system.dihedral_styles(), shake_bonds=bonds, shake_angles=angles,
    )  # fmt: skip
    stages = [Stage("minimize", 0, 0), Stage("npt", 0, steps(ps, timestep))]
    (workdir / "system.data").write_text(render_data(system, f"pure {name}"))
    (workdir / "in.lammps").write_text(render_input(settings, stages))
    start = time.monotonic()
    subprocess.run(
        [require_tool("lmp"), "-in", "in.lammps", "-log", "log.lammps", "-screen", "none"],
        cwd=workdir, check=False,
    )  # fmt: skip
    log = (workdir / "log.lammps").read_text()
    failure = find_failure(log)
    if failure is not None:
        raise RuntimeError(f"{name}: {failure.reason}: {failure.message}")
    npt = [float(r["density"]) for r in parse_thermo(log) if r["stage"] == "npt"]
    half = npt[len(npt) // 2 :]
    return {
        "atoms": system.n_atoms, "density": statistics.fmean(half),
        "std": statistics.pstdev(half), "seconds": time.monotonic() - start,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ps", type=float, default=100.0, help="NPT length per solvent")
    parser.add_argument("--timestep", type=float, default=2.0, help="fs (SHAKE on X-H)")
    parser.add_argument("--workdir", type=Path, default=Path(".bench/md_density"))
    parser.add_argument("--solvents", nargs="*", default=list(EXPERIMENT))
    args = parser.parse_args()
    rows = []
    for name in args.solvents:
        result = run_one(name, MOLECULES[name], args.ps, args.timestep, args.workdir / name)
        rows.append((name, result))
        print(f"done {name}: {result}", file=sys.stderr, flush=True)
    print(report(rows, args.ps, args.timestep))


def report(rows: list[tuple[str, dict[str, float]]], ps: float, timestep: float) -> str:
    """The densities against experiment as Markdown, with one target row per solvent."""
    cells, targets = [], []
    for name, r in rows:
        exp = EXPERIMENT[name]
        dev = 100 * (r["density"] - exp) / exp
        cells.append(
            (name, MOLECULES[name], int(r["atoms"]), f"{ps:g}", f"{r['density']:.4f}",
             f"{r['std']:.4f}", f"{exp:.3f}", f"{dev:+.1f} %", f"{r['seconds']:.0f}")
        )  # fmt: skip
        targets.append(Target(f"{name}: deviation from experiment", abs(dev), TARGET_PERCENT, "%"))
    return "\n".join(
        [
            f"## Density of pure solvents (OPLS-AA / SPC/E), {ps:g} ps NPT at {timestep:g} fs",
            "",
            table(
                [
                    "solvent",
                    "molecules",
                    "atoms",
                    "NPT ps",
                    "computed",
                    "std",
                    "experiment",
                    "deviation",
                    "wall s",
                ],
                cells,
            ),
            "",
            "Density in g/cm^3: mean (and standard deviation) over the second half of NPT at "
            "298.15 K and 1 atm, after minimisation; experiment at 298.15 K.",
            "",
            "### Targets",
            "",
            targets_table(targets),
        ]
    )


if __name__ == "__main__":
    main()
