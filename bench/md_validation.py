"""Validation against experiment: every library solvent neat, and three standard electrolytes.

    python bench/md_validation.py [--short] [--only NAME ...] [--charge-scale 1.0]
                                  [--atoms N] [--npt-ps PS] [--nvt-ps PS]
                                  [--workdir .bench/md_validation]

Each system goes through the engine exactly as a job does: `builder.build` (library force
field, Packmol, data file, input script), LAMMPS, then `analyze` (summary.json). The table
gives the computed density (summary `density.mean`: mean over the second half of NPT) against
experiment, and for the electrolytes the conductivity the analysis reports (summary key
`conductivity`: the best estimator present, see `conductivity_of`) against experiment, each
with the literature source of the experimental value. Values marked "unverified" were not
checked against the paper in this project: treat them as approximate until someone does.

Targets: density within 3 % of experiment; conductivity within a factor 1.5, at the spec's
default ion charge scaling (1.0) unless `--charge-scale` says otherwise.

Modes: the default (full) mode runs boxes of about 3,000 atoms with 200 ps NPT and, for the
electrolytes, 1 ns NVT (hours on two cores). `--short` runs boxes of about 300 atoms, 3 ps NPT
and 2 ps NVT so that `make bench` finishes; a box still settling from its packing density after
3 ps and a conductivity from 2 ps are not results, they only show the pipeline runs end to end.
Interrupted (Ctrl-C, or run_all's budget), it prints the table of the systems done so far.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from molyte.domain.md_spec import MDSpec
from molyte.engines.md.analyze import analyze
from molyte.engines.md.builder import build
from molyte.engines.md.composition import ionic_liquid_species, library_species
from molyte.engines.md.library import ionic_liquid_record, solvent_names
from molyte.engines.md.logparse import find_failure
from molyte.engines.md.tools import require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Target, table, targets_table

DENSITY_PERCENT = 3.0
# Every mode squeezes Packmol's box to the liquid estimate for 2 ps before NPT (a spec's default
# is a tenth of NPT: 0.3 ps in the shortened mode).
COMPRESS_PS = 2.0
CONDUCTIVITY_FACTOR = 1.5
S_PER_M_TO_MS_PER_CM = 10.0

# Literature sources of the experimental values (key -> citation).
XU = "K. Xu, Chem. Rev. 104 (2004) 4303, Table 1 (25 C; EC at 40 C)"
CRC = "CRC Handbook of Chemistry and Physics (25 C)"
SUPPLIER = "supplier data sheet, 25 C (unverified)"
UNVERIFIED_IL = "literature value recalled, 298 K (unverified: check before publishing)"
UNVERIFIED_EL = "literature value recalled, 25 C (unverified: check before publishing)"


@dataclass(frozen=True)
class Experiment:
    density: float | None  # g/cm^3
    density_source: str
    conductivity: float | None = None  # mS/cm
    conductivity_source: str = ""
    temperature: float = 298.15


# Neat liquids (library names). Solids at 298 K (EC, some ionic liquids) are run where liquid.
NEAT: dict[str, Experiment] = {
    "EC": Experiment(1.321, XU, temperature=313.15),
    "PC": Experiment(1.200, XU),
    "DMC": Experiment(1.063, XU),
    "EMC": Experiment(1.006, XU),
    "DEC": Experiment(0.969, XU),
    "DME": Experiment(0.86, XU),
    "DOL": Experiment(1.06, XU),
    "ACN": Experiment(0.777, CRC),
    "water": Experiment(0.997, CRC),
    "VC": Experiment(1.355, SUPPLIER),
    "FEC": Experiment(1.454, SUPPLIER),
    "TTE": Experiment(1.533, SUPPLIER),
    "BTFE": Experiment(1.404, SUPPLIER),
    "[EMIM][TFSI]": Experiment(1.519, UNVERIFIED_IL),
    "[EMIM][FSI]": Experiment(1.45, UNVERIFIED_IL),
    "[EMIM][BF4]": Experiment(1.28, UNVERIFIED_IL),
    "[BMIM][TFSI]": Experiment(1.437, UNVERIFIED_IL),
    "[BMIM][BF4]": Experiment(1.201, UNVERIFIED_IL),
    "[BMIM][PF6]": Experiment(1.366, UNVERIFIED_IL),
    "[C4mpyr][TFSI]": Experiment(1.395, UNVERIFIED_IL),
}


@dataclass(frozen=True)
class Electrolyte:
    name: str
    salts: list[dict[str, Any]]
    solvents: list[dict[str, Any]]
    ratio_type: str
    experiment: Experiment
    extra: dict[str, Any] = field(default_factory=dict)


ELECTROLYTES = (
    Electrolyte(
        "1 M LiPF6 in EC:EMC 3:7 (w/w)",
        [{"name": "LiPF6", "concentration": 1.0}],
        [{"name": "EC", "ratio": 3}, {"name": "EMC", "ratio": 7}],
        "mass",
        Experiment(None, "no value known to this project", 9.0, UNVERIFIED_EL),
    ),
    Electrolyte(
        "1 M LiPF6 in PC",
        [{"name": "LiPF6", "concentration": 1.0}],
        [{"name": "PC", "ratio": 1}],
        "mole",
        Experiment(
            None,
            "no value known to this project",
            5.8,
            "M. Ue, K. Ida, S. Mori, J. Electrochem. Soc. 141 (1994) 2989 (recalled, unverified)",
        ),
    ),
    Electrolyte(
        "1 M LiTFSI in DME:DOL 1:1 (v/v)",
        [{"name": "LiTFSI", "concentration": 1.0}],
        [{"name": "DME", "ratio": 1}, {"name": "DOL", "ratio": 1}],
        "volume",
        Experiment(None, "no value known to this project", 10.0, UNVERIFIED_EL),
    ),
)


NEAT_HEADERS = (
    "liquid", "T K", "atoms", "computed", "std", "experiment", "deviation",
    "source of the experiment", "wall s",
)  # fmt: skip
ELECTROLYTE_HEADERS = (
    "electrolyte", "atoms", "density", "exp. density", "sigma mS/cm", "method",
    "exp. sigma mS/cm", "computed/exp.", "source of the experiment", "wall s",
)  # fmt: skip


@dataclass(frozen=True)
class Mode:
    atoms: int  # target box size
    npt_ps: float
    nvt_ps: float
    timestep: float


FULL = Mode(atoms=3000, npt_ps=200, nvt_ps=1000, timestep=2.0)
SHORT = Mode(atoms=300, npt_ps=3, nvt_ps=2, timestep=2.0)


def conductivity_of(summary: dict[str, Any]) -> tuple[float | None, str]:
    """The conductivity (S/m) and its method from summary.json, best estimator first.

    Today's analysis writes `{"value", "unit", "method": "Nernst-Einstein"}`. An analysis that
    adds a collective estimator (Einstein-Helfand, with cross correlations) may put it under the
    same key or beside it as a dict per method; one whose method names Einstein-Helfand wins.
    """
    entry = summary.get("conductivity")
    candidates: list[dict[str, Any]] = []
    if isinstance(entry, dict):
        if "value" in entry:
            candidates.append(entry)
        candidates += [v for v in entry.values() if isinstance(v, dict) and "value" in v]
    for key, value in summary.items():
        if key.startswith("conductivity_") and isinstance(value, dict) and "value" in value:
            candidates.append({"method": key.removeprefix("conductivity_"), **value})
    usable = [c for c in candidates if isinstance(c.get("value"), int | float)]
    if not usable:
        return None, "none"
    usable.sort(key=lambda c: "helfand" not in str(c.get("method", "")).lower())
    best = usable[0]
    return float(best["value"]), str(best.get("method", "unknown"))


def neat_spec(name: str, mode: Mode, charge_scale: float, temperature: float) -> dict[str, Any]:
    liquid = ionic_liquid_record(name) is not None
    unit = ionic_liquid_species(name) if liquid else library_species(name)
    return {
        "salts": [],
        "solvents": [{"name": name}],
        "molecules": max(10, round(mode.atoms / unit.n_atoms)),
        "temperature": temperature,
        "timestep": mode.timestep,
        "stages": {"compress_ps": COMPRESS_PS, "npt_ps": mode.npt_ps, "nvt_ps": 0},
        "ion_charge_scale": charge_scale,
        "thermo_interval": 100,
        "dump_interval": 10**6,
        "restart_interval": 10**6,
    }


def electrolyte_spec(e: Electrolyte, mode: Mode, charge_scale: float) -> dict[str, Any]:
    # about 13 solvent molecules of ~12 atoms per ion pair at 1 M: ~160 atoms per pair
    return {
        "salts": e.salts,
        "solvents": e.solvents,
        "ratio_type": e.ratio_type,
        "salt_pairs": max(3, round(mode.atoms / 160)),
        "temperature": e.experiment.temperature,
        "timestep": mode.timestep,
        "stages": {"compress_ps": COMPRESS_PS, "npt_ps": mode.npt_ps, "nvt_ps": mode.nvt_ps},
        "ion_charge_scale": charge_scale,
        "thermo_interval": 100,
        "dump_interval": 100,
        "restart_interval": 10**6,
        **e.extra,
    }


def run(spec_data: dict[str, Any], workdir: Path) -> tuple[dict[str, Any], int, float]:
    """Build, run LAMMPS and analyse one system: (summary, atoms, wall seconds)."""
    started = time.monotonic()
    spec = MDSpec.model_validate(spec_data)
    built = build(spec, workdir, title=str(spec_data["solvents"]))
    subprocess.run(
        [require_tool("lmp"), "-in", "in.lammps", "-log", "log.lammps", "-screen", "none"],
        cwd=workdir,
        check=False,
    )
    failure = find_failure((workdir / "log.lammps").read_text())
    if failure is not None:
        raise RuntimeError(f"{workdir.name}: {failure.reason}: {failure.message}")
    summary = analyze(workdir)
    return summary, built.system.n_atoms, time.monotonic() - started


def deviation(computed: float | None, experiment: float | None) -> float:
    if computed is None or experiment is None:
        return math.nan
    return 100.0 * (computed - experiment) / experiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the shortened mode of make bench")
    parser.add_argument(
        "--only", nargs="*", help="library liquids to run, and/or 'electrolytes' for the three"
    )
    parser.add_argument("--charge-scale", type=float, default=1.0)
    parser.add_argument("--workdir", type=Path, default=Path(".bench/md_validation"))
    parser.add_argument("--atoms", type=int, help="box size instead of the mode's")
    parser.add_argument("--npt-ps", type=float, help="NPT length instead of the mode's")
    parser.add_argument("--nvt-ps", type=float, help="NVT length (electrolytes) instead")
    args = parser.parse_args()
    mode = SHORT if args.short else FULL
    mode = Mode(
        atoms=args.atoms or mode.atoms,
        npt_ps=args.npt_ps or mode.npt_ps,
        nvt_ps=args.nvt_ps or mode.nvt_ps,
        timestep=mode.timestep,
    )
    unknown = sorted(set(NEAT) - set(solvent_names()))
    if unknown:
        raise SystemExit(f"not library solvents: {unknown}")

    def wanted(name: str) -> bool:
        electrolyte = name in {e.name for e in ELECTROLYTES}
        return not args.only or name in args.only or (electrolyte and "electrolytes" in args.only)

    neat_rows: list[tuple[Any, ...]] = []
    electrolyte_rows: list[tuple[Any, ...]] = []
    targets: list[Target] = []
    try:
        run_all(args, mode, wanted, neat_rows, electrolyte_rows, targets)
    except KeyboardInterrupt:
        print("interrupted: the table has the systems done so far", file=sys.stderr)
        print("Interrupted before every system was run; the table has those done.\n")
    if args.short:
        # The scientific targets need the full mode; here the bar is that everything runs.
        expected = sum(map(wanted, [*NEAT, *(e.name for e in ELECTROLYTES)]))
        done = len(neat_rows) + len(electrolyte_rows)
        densities = [float(r[3]) for r in neat_rows] + [float(r[2]) for r in electrolyte_rows]
        finite = sum(1 for rho in densities if math.isfinite(rho) and rho > 0)
        targets = [
            Target("systems built, run and analysed", done, expected, "", ">="),
            Target("systems with a finite density", finite, expected, "", ">="),
        ]
    print(report(neat_rows, electrolyte_rows, targets, mode, args.short, args.charge_scale))


def run_all(
    args: argparse.Namespace,
    mode: Mode,
    wanted: Any,
    neat_rows: list[tuple[Any, ...]],
    electrolyte_rows: list[tuple[Any, ...]],
    targets: list[Target],
) -> None:
    """Run the wanted systems, appending their rows and targets as each finishes."""
    for name, exp in NEAT.items():
        if not wanted(name):
            continue
        spec = neat_spec(name, mode, args.charge_scale, exp.temperature)
        slug = name.replace("[", "").replace("]", "_").strip("_")
        summary, atoms, seconds = run(spec, args.workdir / slug)
        rho = summary["density"]["mean"]
        dev = deviation(rho, exp.density)
        neat_rows.append(
            (name, f"{exp.temperature:g}", atoms, f"{rho:.4f}", f"{summary['density']['std']:.4f}",
             f"{exp.density:.3f}", f"{dev:+.1f} %", exp.density_source, f"{seconds:.0f}")
        )  # fmt: skip
        targets.append(Target(f"{name}: density vs experiment", abs(dev), DENSITY_PERCENT, "%"))
        print(
            f"done {name}: {rho:.4f} g/cm^3 ({dev:+.1f} %), {seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    for e in ELECTROLYTES:
        if not wanted(e.name):
            continue
        spec = electrolyte_spec(e, mode, args.charge_scale)
        slug = e.name.split(" in ")[1].split(" ")[0].replace(":", "_")
        summary, atoms, seconds = run(spec, args.workdir / f"electrolyte_{slug}")
        rho = summary["density"]["mean"]
        sigma, method = conductivity_of(summary)
        ms_cm = None if sigma is None else sigma * S_PER_M_TO_MS_PER_CM
        exp = e.experiment
        ratio = (
            ms_cm / exp.conductivity
            if ms_cm is not None and ms_cm > 0 and exp.conductivity
            else math.nan
        )
        electrolyte_rows.append(
            (e.name, atoms, f"{rho:.4f}",
             "n/a" if exp.density is None else f"{exp.density:.3f}",
             "n/a" if ms_cm is None else f"{ms_cm:.2f}", method,
             f"{exp.conductivity:g}", f"{ratio:.2f}", exp.conductivity_source,
             f"{seconds:.0f}")
        )  # fmt: skip
        if exp.density is not None:
            dev = deviation(rho, exp.density)
            targets.append(Target(f"{e.name}: density", abs(dev), DENSITY_PERCENT, "%"))
        factor = max(ratio, 1 / ratio) if ratio == ratio else math.nan
        targets.append(Target(f"{e.name}: conductivity factor", factor, CONDUCTIVITY_FACTOR, "x"))
        print(
            f"done {e.name}: {rho:.4f} g/cm^3, sigma {ms_cm} mS/cm ({method}), {seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        (args.workdir / f"electrolyte_{slug}" / "bench_summary.json").write_text(
            json.dumps(summary["conductivity"], indent=1)
        )


def report(
    neat_rows: list[tuple[Any, ...]],
    electrolyte_rows: list[tuple[Any, ...]],
    targets: list[Target],
    mode: Mode,
    short: bool,
    charge_scale: float,
) -> str:
    """The comparison with experiment as Markdown, with the target table run_all collects."""
    title = "shortened" if short else "full"
    out = [
        f"## MD validation against experiment ({title} mode)",
        "",
        f"Boxes of about {mode.atoms} atoms, {mode.npt_ps:g} ps NPT at {mode.timestep:g} fs "
        f"(electrolytes: then {mode.nvt_ps:g} ps NVT), 1 atm, ion charge scale "
        f"{charge_scale:g}. Density: mean over the second half of NPT (g/cm^3).",
        "",
    ]
    if short:
        out += [
            "Shortened mode: the boxes have not settled after so little NPT and the "
            "conductivities come from a few ps; these numbers show that every system builds, "
            "runs and is analysed, not how good the force fields are "
            "(`python bench/md_validation.py` for that).",
            "",
        ]
    if neat_rows:
        out += [
            "### Neat liquids",
            "",
            table(NEAT_HEADERS, neat_rows),
            "",
        ]
    if electrolyte_rows:
        out += [
            "### Electrolytes (298.15 K)",
            "",
            table(ELECTROLYTE_HEADERS, electrolyte_rows),
            "",
            "Concentrations are per litre of solvent (see composition.py), slightly above the "
            "experiments' per litre of solution. Nernst-Einstein ignores ion correlations and "
            "usually overestimates; full ion charges usually make the dynamics too slow.",
            "",
        ]
    out += ["### Targets", "", targets_table(targets)]
    return "\n".join(out)


if __name__ == "__main__":
    main()
