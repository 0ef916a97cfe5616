"""MD analysis at scale: `molyte md analyze` on a 15,000-atom, 2,000-frame DCD trajectory, and
MDAnalysis on the same file, side by side.

    .venv/bin/python bench/md_analysis.py [--frames 2000] [--workdir .bench/md_analysis]

The work folder is what a finished job leaves: system.json, a LAMMPS log, traj.dcd (written
here in LAMMPS's DCD layout) and stress.dat (pressure-tensor samples every 5 fs). The system:
250 Li+, 250 PF6- (octahedra, P-F 1.6 A) and 1,300 EC-like rigid molecules of 10 atoms,
15,000 atoms in a 53 A box, 1 ps per frame. Every molecule's centre random-walks (Li 0.05,
PF6 0.03, EC 0.04 A^2/ps); half of the Li ride on a PF6 at 2.0 A from one F (contact pairs),
so g(r) has a first shell and the residence and SSIP/CIP/AGG pass runs as on a real box.

Timed, each in its own process (wall time, and peak RSS from the kernel's accounting):
- Molyte: `molyte md analyze WORKDIR --out FILE`, the whole analysis (thermo, RDFs of Li
  with the O of EC and the F of PF6 through freud, centre-of-mass MSDs through tidynamics,
  block-averaged diffusion, Einstein-Helfand and Nernst-Einstein conductivity, Green-Kubo
  viscosity, residence times, shell classes);
- MDAnalysis (2.x): `InterRDF` for the same two pairs and `EinsteinMSD(fft=True)` for Li and
  for the P atoms (the centre of each rigid PF6), a subset of the same work.
Agreement: Li-F(PF6) g(r) over the first shell (the bins where g > 1) and the MSDs of Li and
PF6 over the first half of the lags, max relative difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Target, table, targets_table

from molyte.engines.md.trajectory import write_dcd

FRAMES = 2000
N_LI, N_PF6, N_EC = 250, 250, 1300
BOX = 53.0
FRAME_PS = 1.0
DUMP_INTERVAL = 1000  # steps of 1 fs
STRESS_INTERVAL = 5
D = {"Li": 0.05, "PF6": 0.03, "EC": 0.04}  # A^2/ps
RDF_MAX = 12.0
RDF_DR = 0.05
TIME_LIMIT = 120.0  # s
RSS_LIMIT = 1024.0  # MiB
AGREEMENT = 0.01
LOG = ROOT / "tests" / "data" / "md" / "log_ok.lammps"
EC_SHAPE = np.array(
    [[0.0, 0, 0], [1.2, 0, 0], [-0.7, 1.0, 0], [-0.7, -1.0, 0], [0.5, 2.2, 0], [0.5, -2.2, 0],
     [-1.5, 1.6, 0.8], [-1.5, -1.6, 0.8], [-1.5, 1.6, -0.8], [-1.5, -1.6, -0.8]]
)  # fmt: skip
EC_ELEMENTS = ["C", "O", "O", "O", "C", "C", "H", "H", "H", "H"]
PF6_SHAPE = np.array(
    [[0.0, 0, 0], [1.6, 0, 0], [-1.6, 0, 0], [0, 1.6, 0], [0, -1.6, 0], [0, 0, 1.6], [0, 0, -1.6]]
)


def species_info() -> list[dict[str, Any]]:
    def entry(name: str, kind: str, count: int, elements: list[str], charge: int,
              masses: list[float], coordinating: list[str]) -> dict[str, Any]:  # fmt: skip
        return {"name": name, "resname": name, "kind": kind, "count": count,
                "formal_charge": charge, "elements": elements, "atom_names": elements,
                "masses": masses, "coordinating": coordinating}  # fmt: skip

    ec_masses = [{"C": 12.011, "O": 15.999, "H": 1.008}[e] for e in EC_ELEMENTS]
    return [
        entry("Li", "cation", N_LI, ["Li"], 1, [6.941], []),
        entry("PF6", "anion", N_PF6, ["P"] + ["F"] * 6, -1, [30.974] + [18.998] * 6, ["F"]),
        entry("EC", "solvent", N_EC, EC_ELEMENTS, 0, ec_masses, []),
    ]


def write_job(workdir: Path, frames: int, seed: int = 1) -> int:
    """A finished job's folder with a synthetic trajectory; returns the atom count."""
    rng = np.random.default_rng(seed)
    n_mol = N_LI + N_PF6 + N_EC
    grid = int(np.ceil(n_mol ** (1 / 3)))
    spacing = BOX / grid
    sites = np.array(np.meshgrid(*[np.arange(grid)] * 3, indexing="ij")).reshape(3, -1).T
    sites = (sites[rng.permutation(len(sites))[:n_mol]] + 0.5) * spacing
    li0, pf0, ec0 = sites[:N_LI], sites[N_LI : N_LI + N_PF6], sites[N_LI + N_PF6 :]
    bound = N_LI // 2  # Li i < bound sits 2.0 A beyond the +x F of PF6 i
    n_atoms = N_LI + 7 * N_PF6 + 10 * N_EC

    def walk(n: int, d: float) -> np.ndarray:
        return rng.normal(0.0, np.sqrt(2 * d * FRAME_PS), size=(n, 3))

    def positions() -> Any:
        li, pf, ec = li0.copy(), pf0.copy(), ec0.copy()
        for _ in range(frames):
            li_now = li.copy()
            li_now[:bound] = pf[:bound] + np.array([3.6, 0.0, 0.0]) + rng.normal(0, 0.1, (bound, 3))
            yield np.concatenate(
                [
                    li_now,
                    (pf[:, None, :] + PF6_SHAPE[None]).reshape(-1, 3),
                    (ec[:, None, :] + EC_SHAPE[None]).reshape(-1, 3),
                ]
            )
            li += walk(N_LI, D["Li"])
            pf += walk(N_PF6, D["PF6"])
            ec += walk(N_EC, D["EC"])

    write_dcd(workdir / "traj.dcd", positions(), np.full(3, BOX), 0, DUMP_INTERVAL, 1.0, frames)
    shutil.copy(LOG, workdir / "log.lammps")
    n_stress = frames * DUMP_INTERVAL // STRESS_INTERVAL
    stress = rng.normal(0.0, 300.0, size=(n_stress, 3))
    steps = np.arange(n_stress) * STRESS_INTERVAL
    with (workdir / "stress.dat").open("w") as out:
        out.write("# Time-averaged data for fix stress\n# TimeStep c_1 c_2 c_3\n")
        np.savetxt(out, np.column_stack([steps, stress]), fmt=["%d", "%.4f", "%.4f", "%.4f"])
    info = {"timestep_fs": 1.0, "temperature": 298.15, "n_atoms": n_atoms,
            "species": species_info(), "salt_pairs": {"LiPF6": N_LI},
            "box_length_estimate": BOX}  # fmt: skip
    (workdir / "system.json").write_text(json.dumps(info))
    return n_atoms


MDA_SCRIPT = """
import sys, json, numpy as np, MDAnalysis as mda
from MDAnalysis.analysis.rdf import InterRDF
from MDAnalysis.analysis.msd import EinsteinMSD
workdir, out = sys.argv[1], sys.argv[2]
info = json.load(open(workdir + "/system.json"))
n_li, n_pf, n_ec = (s["count"] for s in info["species"])
n = info["n_atoms"]
u = mda.Universe.empty(n, trajectory=False)
u.load_new(workdir + "/traj.dcd", format="DCD")
li = u.atoms[:n_li]
pf_start = n_li
f_idx = (pf_start + 7 * np.arange(n_pf)[:, None] + np.arange(1, 7)[None, :]).ravel()
p_idx = pf_start + 7 * np.arange(n_pf)
ec_start = n_li + 7 * n_pf
o_idx = (ec_start + 10 * np.arange(n_ec)[:, None] + np.array([1, 2, 3])[None, :]).ravel()
r_max = float(sys.argv[3]); nbins = int(sys.argv[4])
result = {}
for name, idx in (("F", f_idx), ("O", o_idx)):
    rdf = InterRDF(li, u.atoms[idx], nbins=nbins, range=(0.0, r_max)).run()
    result["rdf_" + name] = [rdf.results.bins.tolist(), rdf.results.rdf.tolist()]
for name, group in (("Li", li), ("PF6", u.atoms[p_idx])):
    msd = EinsteinMSD(group, msd_type="xyz", fft=True).run()
    result["msd_" + name] = msd.results.timeseries.tolist()
json.dump(result, open(out, "w"))
"""


def timed(argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """Run `argv`; wall seconds, peak RSS (MiB, the kernel's ru_maxrss of that process) and
    CPU seconds (user + system, all its threads)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv[:3]} failed: {stdout.decode()[-2000:]}{stderr.decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime


def read_csv(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", skiprows=1)


def max_rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=FRAMES)
    parser.add_argument("--workdir", type=Path, default=Path(".bench/md_analysis"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    job = args.workdir / "job"
    job.mkdir(parents=True)
    start = time.perf_counter()
    atoms = write_job(job, args.frames)
    write_s = time.perf_counter() - start
    size_mb = (job / "traj.dcd").stat().st_size / 2**20
    molyte = Path(sys.executable).parent / "molyte"
    summary_path = args.workdir / "summary.json"
    ours = timed([str(molyte), "md", "analyze", str(job), "--out", str(summary_path)], ROOT)
    summary = json.loads(summary_path.read_text())
    rdf = next(e for e in summary["rdf"] if e["pair"] == "Li-F(PF6)")
    r_max = float(read_csv(job / rdf["file"])[-1, 0] + RDF_DR / 2)
    mda_out = args.workdir / "mdanalysis.json"
    theirs = timed(
        [sys.executable, "-c", MDA_SCRIPT, str(job), str(mda_out), repr(r_max),
         str(round(r_max / RDF_DR))], ROOT,
    )  # fmt: skip
    mda = json.loads(mda_out.read_text())

    ours_rdf = read_csv(job / rdf["file"])
    mda_r, mda_g = (np.array(v) for v in mda["rdf_F"])
    shell = ours_rdf[:, 1] > 1.0
    rdf_diff = max_rel(ours_rdf[shell, 1], mda_g[shell])
    assert np.allclose(ours_rdf[:, 0], mda_r), "RDF bins differ"
    msd_diffs = {}
    for name in ("Li", "PF6"):
        ours_msd = read_csv(job / f"msd_{name}.csv")[1:, 1]  # lag 0 is 0 in both
        theirs_msd = np.array(mda[f"msd_{name}"])[1 : len(ours_msd) + 1]
        msd_diffs[name] = max_rel(ours_msd, theirs_msd)

    transport = summary["transport"]
    rows = [
        (name, f"{r[0]:.1f}", f"{r[2]:.1f}", f"{r[1]:.0f}")
        for name, r in (
            ("Molyte `molyte md analyze` (all of it)", ours),
            ("MDAnalysis: 2 InterRDF + 2 EinsteinMSD(fft)", theirs),
        )
    ]
    d_li = next(d for d in transport["diffusion"] if d["species"] == "Li")["D"]
    print(
        "\n".join(
            [
                "## MD analysis at scale",
                "",
                f"{atoms:,} atoms, {args.frames:,} frames ({size_mb:.0f} MiB DCD, written in "
                f"{write_s:.0f} s), {len(read_csv_lines(job / 'stress.dat')):,} stress samples. "
                "Each analysis in its own process: wall time on this shared 2-core machine (load "
                f"average {os.getloadavg()[0]:.1f} at the end), CPU time (user + system, all "
                "threads; what the process would need with the cores to itself) and peak RSS "
                "(ru_maxrss):",
                "",
                table(["analysis", "wall s", "CPU s", "peak RSS MiB"], rows),
                "",
                "Agreement with MDAnalysis on the same file (max relative difference): "
                f"g(r) Li-F over the first shell {rdf_diff:.2e}; MSD Li "
                f"{msd_diffs['Li']:.2e}, PF6 {msd_diffs['PF6']:.2e} (over lags up to half the "
                "run; Molyte removes the system's centre-of-mass drift, MDAnalysis does not). "
                f"D(Li) = {d_li['value']:.3e} +- {d_li['error']:.1e} cm^2/s (expected "
                f"{(D['Li'] + D['PF6']) / 2 * 1e-4:.1e}: half the Li walk freely, half ride "
                "on a PF6).",
                "",
                "### Targets",
                "",
                targets_table(
                    [
                        Target("analysis wall time", ours[0], TIME_LIMIT, "s"),
                        Target("analysis CPU time", ours[2], TIME_LIMIT, "s"),
                        Target("analysis peak RSS", ours[1], RSS_LIMIT, "MiB"),
                        Target("wall time / MDAnalysis's", ours[0] / theirs[0], 1.0, ""),
                        Target("CPU time / MDAnalysis's", ours[2] / theirs[2], 1.0, ""),
                        Target("g(r) max rel. difference to MDAnalysis", rdf_diff, AGREEMENT, ""),
                        Target(
                            "MSD max rel. difference to MDAnalysis",
                            max(msd_diffs.values()),
                            AGREEMENT,
                            "",
                        ),
                    ]
                ),
            ]
        )
    )


def read_csv_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


if __name__ == "__main__":
    main()
