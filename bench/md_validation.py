"""Validation against experiment: every library solvent neat, and three standard electrolytes.

    python bench/md_validation.py [--short] [--only NAME ...] [--charge-scale 1.0]
                                  [--atoms N] [--npt-ps PS] [--nvt-ps PS]
                                  [--workdir .bench/md_validation] [--reuse]

Each system goes through the engine exactly as a job does: `builder.build` (library force
field, Packmol, data file, input script), LAMMPS, then `analyze` (summary.json). The table
gives the computed density (summary `density.mean`: mean over the second half of NPT) against
experiment, and for the electrolytes the conductivities of the summary's `transport` block
(Einstein-Helfand and Nernst-Einstein, each with its block-average error, the Haven ratio and
the Green-Kubo viscosity) against experiment, each with the literature source of the
experimental value. Einstein-Helfand is compared when the run resolved it (a value at least
twice its block error), else Nernst-Einstein; the table says which. It also gives the salt
concentration the box really holds (mol per litre of the simulated solution); the specs ask for
mol per litre of solution (`concentration_basis: "solution"`), whose salt volume is an estimate.
Values marked "unverified" were not checked against the paper in this project: treat them as
approximate until someone does.

Targets: density within 3 % of experiment; conductivity within a factor 1.5, at the spec's
default ion charge scaling (0.8 for a salt in molecular solvents, 1.0 with an ionic liquid)
unless `--charge-scale` says otherwise.

Modes: the default (full) mode runs boxes of about 3,000 atoms with 200 ps NPT and, for the
electrolytes, 1 ns NVT (on the project's 2-core machine about 5 hours per electrolyte, one per
core; `--atoms 1200 --npt-ps 30 --nvt-ps 1000` takes about an hour). `--short` runs boxes of
about 300 atoms, 3 ps NPT and 2 ps NVT so that `make bench` finishes; a box still settling
from its packing density after 3 ps and a conductivity from 2 ps are not results, they only
show the pipeline runs end to end.
Interrupted (Ctrl-C, or run_all's budget), it prints the table of the systems done so far.
`--reuse` prints the table again from folders already run (their summary.json).
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

from molyte.domain.md_spec import FULL_CHARGE_SCALE, SALT_CHARGE_SCALE, MDSpec, StagesSpec
from molyte.engines.md.analyze import analyze
from molyte.engines.md.builder import build
from molyte.engines.md.composition import ionic_liquid_species, library_species
from molyte.engines.md.library import ionic_liquid_record, solvent_names
from molyte.engines.md.logparse import find_failure
from molyte.engines.md.tools import require_tool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Target, table, targets_table

DENSITY_PERCENT = 3.0
CONDUCTIVITY_FACTOR = 1.5
DEFAULT_SCALE_TEXT = (
    f"the spec's default ({SALT_CHARGE_SCALE:g} for a salt in molecular solvents, "
    f"{FULL_CHARGE_SCALE:g} otherwise)"
)
RESOLVED_SIGMAS = 2.0  # an Einstein-Helfand value below twice its error is not compared
S_PER_M_TO_MS_PER_CM = 10.0
AVOGADRO = 6.02214076e23

# Literature sources of the experimental values (key -> citation).
XU = "K. Xu, Chem. Rev. 104 (2004) 4303, Table 1 (25 C; EC at 40 C)"
CRC = "CRC Handbook of Chemistry and Physics (25 C)"
SUPPLIER = "supplier data sheet, 25 C (unverified)"
# Ionic liquids: vibrating-tube densities at 298.15 K and 101.325 kPa as NIST ILThermo (SRD 147)
# lists them (read from its data sets; the set id is ILThermo's), each with its paper.
TOKUDA = "H. Tokuda et al., J. Phys. Chem. B 110 (2006) 19593, via NIST ILThermo set"
STOPPA = "A. Stoppa et al., J. Chem. Eng. Data 55 (2010) 1768, via NIST ILThermo set"
SEKI = "S. Seki et al., J. Chem. Eng. Data 57 (2012) 2211, via NIST ILThermo set"
# Electrolyte conductivities: rows of the CALiSol-23 dataset (Sci. Data 11 (2024), doi
# 10.1038/s41597-024-03575-8), which gives each measurement with the DOI of its paper.
CALISOL = "CALiSol-23 dataset (Sci. Data 2024, doi 10.1038/s41597-024-03575-8)"


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
    "TTE": Experiment(1.533, SUPPLIER + "; 1.5323 at 23 C in the ComBat Li-S solvent table"),
    "BTFE": Experiment(1.404, SUPPLIER + "; 1.3667 at 25 C in the ComBat Li-S solvent table"),
    "[EMIM][TFSI]": Experiment(1.519, TOKUDA + " JCjyz"),
    "[EMIM][FSI]": Experiment(1.4414, SEKI + " kFnAm"),
    "[EMIM][BF4]": Experiment(1.2801, STOPPA + " pfalD"),
    "[BMIM][TFSI]": Experiment(1.437, TOKUDA + " TCKeA"),
    "[BMIM][BF4]": Experiment(1.202, TOKUDA + " SFOtK"),
    "[BMIM][PF6]": Experiment(1.368, TOKUDA + " ywqJN"),
    "[C4mpyr][TFSI]": Experiment(1.395, TOKUDA + " GeYVO"),
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
        Experiment(
            None,
            "no value known to this project",
            9.5,
            "A. Nyman, M. Behm, G. Lindbergh, Electrochim. Acta 53 (2008) 6356 (doi "
            "10.1016/j.electacta.2008.04.023): 9.51 mS/cm at 298.14 K, 1.0008 mol/L; other papers "
            f"at 1 M give 8.8-9.0 at 298 K (interpolated between 293 and 303 K); via {CALISOL}",
        ),
    ),
    Electrolyte(
        "1 M LiPF6 in PC",
        [{"name": "LiPF6", "concentration": 1.0}],
        [{"name": "PC", "ratio": 1}],
        "mole",
        Experiment(
            None,
            "no value known to this project",
            6.1,
            "doi 10.1021/je020219o: 5.24 mS/cm at 292.65 K and 6.80 at 302.55 K for 0.909 mol/kg "
            "(about 1 mol/L), linearly interpolated to 298.15 K; 4.79 and 6.34 at 1.061 mol/kg; "
            f"via {CALISOL}",
        ),
    ),
    Electrolyte(
        "1 M LiTFSI in DME:DOL 1:1 (v/v)",
        [{"name": "LiTFSI", "concentration": 1.0}],
        [{"name": "DME", "ratio": 1}, {"name": "DOL", "ratio": 1}],
        "volume",
        Experiment(
            None,
            "no value known to this project",
            11.0,
            "Bull. Korean Chem. Soc. 32 (2011) 3682 (doi 10.5012/bkcs.2011.32.10.3682): "
            f"10.97 mS/cm at 298 K, 1 mol/L (one source, read off a figure); via {CALISOL}",
        ),
    ),
)


NEAT_HEADERS = (
    "liquid", "T K", "atoms", "computed", "std", "experiment", "deviation",
    "source of the experiment", "wall s",
)  # fmt: skip
ELECTROLYTE_HEADERS = (
    "electrolyte", "atoms", "ion pairs", "c mol/L (box)", "density", "NVT ps",
    "sigma EH mS/cm", "sigma NE mS/cm", "Haven ratio", "viscosity mPa s", "exp. sigma mS/cm",
    "computed/exp.", "source of the experiment", "wall s",
)  # fmt: skip


@dataclass(frozen=True)
class Mode:
    atoms: int  # target box size
    npt_ps: float
    nvt_ps: float
    timestep: float
    # The compress stage (squeeze, then hold) before NPT: None is a spec's default, a tenth of
    # NPT and at most 10 ps; the shortened mode's 3 ps of NPT would give 0.3, so it takes 2.
    compress_ps: float | None = None


FULL = Mode(atoms=3000, npt_ps=200, nvt_ps=1000, timestep=2.0)
SHORT = Mode(atoms=300, npt_ps=3, nvt_ps=2, timestep=2.0, compress_ps=2.0)


@dataclass(frozen=True)
class Sigma:
    """One conductivity estimate read from a summary, in mS/cm, or why there is none."""

    method: str
    value: float | None
    error: float | None
    why_not: str = ""

    def cell(self) -> str:
        if self.value is None:
            return "none"
        return f"{self.value:.2f}" + ("" if self.error is None else f" ± {self.error:.2f}")


def conductivities(summary: dict[str, Any]) -> tuple[Sigma, Sigma]:
    """Einstein-Helfand and Nernst-Einstein conductivity from the summary's `transport` block.

    Both carry block-average errors; either may be missing with the analysis's reason (a run too
    short for a diffusive window). The summary's older top-level `conductivity` (Nernst-Einstein
    from a fit over the whole run, given even when the MSD is not diffusive) is not used.
    """
    transport = summary.get("transport") or {}

    def read(key: str, method: str) -> Sigma:
        entry = transport.get(key) or {}
        value, error = entry.get("value"), entry.get("error")
        if not isinstance(value, int | float):
            return Sigma(method, None, None, str(entry.get("too_short") or "not in the summary"))
        ms_cm = float(value) * S_PER_M_TO_MS_PER_CM
        err = float(error) * S_PER_M_TO_MS_PER_CM if isinstance(error, int | float) else None
        return Sigma(method, ms_cm, err)

    return (
        read("conductivity_einstein_helfand", "Einstein-Helfand"),
        read("conductivity_nernst_einstein", "Nernst-Einstein"),
    )


def resolved(sigma: Sigma) -> bool:
    """A value at least RESOLVED_SIGMAS times its error: distinguishable from zero."""
    if sigma.value is None:
        return False
    return sigma.error is None or sigma.value > RESOLVED_SIGMAS * sigma.error


def compared(eh: Sigma, ne: Sigma) -> Sigma | None:
    """The estimate compared with experiment: Einstein-Helfand when it is resolved (it
    includes the ion-ion correlations an experiment measures), else Nernst-Einstein, else an
    unresolved Einstein-Helfand, else none.

    Einstein-Helfand is a single collective displacement per box, so in a short run its block
    error can exceed its value (4.2 ± 9.8 mS/cm for LiTFSI in DME:DOL after 1 ns): comparing
    that with experiment says nothing, while Nernst-Einstein averages over every ion.
    """
    if resolved(eh):
        return eh
    if ne.value is not None:
        return ne
    return eh if eh.value is not None else None


def box_molarity(summary: dict[str, Any]) -> float | None:
    """Salt formula units per litre of the simulated solution (mean NVT box)."""
    pairs = sum((summary.get("salt_pairs") or {}).values())
    edge = summary.get("box_length")
    if not pairs or not isinstance(edge, int | float) or edge <= 0:
        return None
    return float(pairs / (AVOGADRO * float(edge) ** 3 * 1e-27))


def estimate_cell(summary: dict[str, Any], key: str, digits: int) -> str:
    entry = (summary.get("transport") or {}).get(key) or {}
    value, error = entry.get("value"), entry.get("error")
    if not isinstance(value, int | float):
        return "none"
    return f"{value:.{digits}f}" + ("" if error is None else f" ± {error:.{digits}f}")


def neat_spec(
    name: str, mode: Mode, charge_scale: float | None, temperature: float, seed: int | None = None
) -> dict[str, Any]:
    liquid = ionic_liquid_record(name) is not None
    unit = ionic_liquid_species(name) if liquid else library_species(name)
    return {
        "salts": [],
        "solvents": [{"name": name}],
        "molecules": max(10, round(mode.atoms / unit.n_atoms)),
        "temperature": temperature,
        "timestep": mode.timestep,
        "stages": {"compress_ps": mode.compress_ps, "npt_ps": mode.npt_ps, "nvt_ps": 0},
        **optional_fields(charge_scale, seed),
        "thermo_interval": 100,
        "dump_interval": 10**6,
        "restart_interval": 10**6,
    }


def electrolyte_spec(
    e: Electrolyte, mode: Mode, charge_scale: float | None, seed: int | None = None
) -> dict[str, Any]:
    # about 13 solvent molecules of ~12 atoms per ion pair at 1 M: ~160 atoms per pair
    return {
        "salts": e.salts,
        "solvents": e.solvents,
        "ratio_type": e.ratio_type,
        # the experiments' concentrations are per litre of solution
        "concentration_basis": "solution",
        "salt_pairs": max(3, round(mode.atoms / 160)),
        "temperature": e.experiment.temperature,
        "timestep": mode.timestep,
        "stages": {"compress_ps": mode.compress_ps, "npt_ps": mode.npt_ps, "nvt_ps": mode.nvt_ps},
        **optional_fields(charge_scale, seed),
        "thermo_interval": 100,
        "dump_interval": 100,
        "restart_interval": 10**6,
        **e.extra,
    }


def optional_fields(charge_scale: float | None, seed: int | None) -> dict[str, float | int]:
    """The spec's `ion_charge_scale` and `seed` entries: none (the spec's own defaults) unless
    asked for."""
    fields: dict[str, float | int] = {}
    if charge_scale is not None:
        fields["ion_charge_scale"] = charge_scale
    if seed is not None:
        fields["seed"] = seed
    return fields


def run(
    spec_data: dict[str, Any], workdir: Path, reuse: bool = False
) -> tuple[dict[str, Any], int, float]:
    """Build, run LAMMPS and analyse one system: (summary, atoms, wall seconds).

    With `reuse`, a folder that already has its summary.json is read instead (wall time nan).
    """
    if reuse and (workdir / "summary.json").is_file():
        summary = json.loads((workdir / "summary.json").read_text())
        return summary, int(summary["atoms"]), math.nan
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
    parser.add_argument(
        "--charge-scale",
        type=float,
        help="ion charge scale of every system (default: the spec's own default, "
        "0.8 for salts in molecular solvents, 1.0 with an ionic liquid)",
    )
    parser.add_argument("--workdir", type=Path, default=Path(".bench/md_validation"))
    parser.add_argument(
        "--seed", type=int, help="velocity and packing seed of every system (a replica run)"
    )
    parser.add_argument("--atoms", type=int, help="box size instead of the mode's")
    parser.add_argument("--npt-ps", type=float, help="NPT length instead of the mode's")
    parser.add_argument("--nvt-ps", type=float, help="NVT length (electrolytes) instead")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="read the summary.json of folders already run instead of running them again",
    )
    args = parser.parse_args()
    mode = SHORT if args.short else FULL
    mode = Mode(
        atoms=args.atoms or mode.atoms,
        npt_ps=args.npt_ps or mode.npt_ps,
        nvt_ps=args.nvt_ps or mode.nvt_ps,
        timestep=mode.timestep,
        compress_ps=mode.compress_ps,
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
        spec = neat_spec(name, mode, args.charge_scale, exp.temperature, args.seed)
        slug = name.replace("[", "").replace("]", "_").strip("_")
        summary, atoms, seconds = run(spec, args.workdir / slug, args.reuse)
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
        spec = electrolyte_spec(e, mode, args.charge_scale, args.seed)
        slug = e.name.split(" in ")[1].split(" ")[0].replace(":", "_")
        summary, atoms, seconds = run(spec, args.workdir / f"electrolyte_{slug}", args.reuse)
        rho = summary["density"]["mean"]
        eh, ne = conductivities(summary)
        best = compared(eh, ne)
        exp = e.experiment
        ratio = (
            best.value / exp.conductivity
            if best is not None and best.value and best.value > 0 and exp.conductivity
            else math.nan
        )
        molarity = box_molarity(summary)
        electrolyte_rows.append(
            (e.name, atoms, sum(summary["salt_pairs"].values()),
             "n/a" if molarity is None else f"{molarity:.2f}", f"{rho:.4f}",
             f"{summary.get('production_ps', 0):g}", eh.cell(), ne.cell(),
             estimate_cell(summary, "haven_ratio", 2), estimate_cell(summary, "viscosity", 2),
             f"{exp.conductivity:g}",
             "n/a" if best is None else f"{ratio:.2f} ({best.method})",
             exp.conductivity_source, f"{seconds:.0f}")
        )  # fmt: skip
        if exp.density is not None:
            dev = deviation(rho, exp.density)
            targets.append(Target(f"{e.name}: density", abs(dev), DENSITY_PERCENT, "%"))
        factor = max(ratio, 1 / ratio) if ratio == ratio else math.nan
        targets.append(Target(f"{e.name}: conductivity factor", factor, CONDUCTIVITY_FACTOR, "x"))
        for sigma in (eh, ne):
            if sigma.value is None:
                print(f"{e.name}: no {sigma.method} conductivity: {sigma.why_not}", file=sys.stderr)
        print(
            f"done {e.name}: {rho:.4f} g/cm^3, sigma EH {eh.cell()}, NE {ne.cell()} mS/cm, "
            f"{seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )


def compress_text(mode: Mode) -> str:
    """How long the compress stage (squeeze to the liquid estimate, then hold) runs."""
    stages = StagesSpec(compress_ps=mode.compress_ps, npt_ps=mode.npt_ps)
    source = "" if mode.compress_ps is not None else "; the spec's default"
    return f"{stages.effective_compress_ps:g} ps of compression (squeeze, then hold{source})"


def report(
    neat_rows: list[tuple[Any, ...]],
    electrolyte_rows: list[tuple[Any, ...]],
    targets: list[Target],
    mode: Mode,
    short: bool,
    charge_scale: float | None,
) -> str:
    """The comparison with experiment as Markdown, with the target table run_all collects."""
    title = "shortened" if short else "full"
    out = [
        f"## MD validation against experiment ({title} mode)",
        "",
        f"Boxes of about {mode.atoms} atoms, {compress_text(mode)}, {mode.npt_ps:g} ps NPT at "
        f"{mode.timestep:g} fs "
        f"(electrolytes: then {mode.nvt_ps:g} ps NVT), 1 atm, ion charge scale "
        + (DEFAULT_SCALE_TEXT if charge_scale is None else f"{charge_scale:g}")
        + ". Density: mean over the second half of NPT (g/cm^3).",
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
        # The sources are long: the table names them [E1], [E2], ... and lists them below it.
        sources = {row[-2]: f"[E{i}]" for i, row in enumerate(electrolyte_rows, start=1)}
        rows = [(*row[:-2], sources[row[-2]], row[-1]) for row in electrolyte_rows]
        out += [
            "### Electrolytes (298.15 K)",
            "",
            table(ELECTROLYTE_HEADERS, rows),
            "",
            *(f"- {key} {source}" for source, key in sources.items()),
            "",
            "EH: Einstein-Helfand (collective, with ion-ion correlations, what an experiment "
            "measures); NE: Nernst-Einstein from the self-diffusion (no correlations); errors "
            "are block-average standard errors. c is the salt per litre of the simulated box "
            "(the spec's per-litre-of-solution count uses an estimated salt volume).",
            "",
        ]
    out += ["### Targets", "", targets_table(targets)]
    return "\n".join(out)


if __name__ == "__main__":
    main()
