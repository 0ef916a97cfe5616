"""Analysis against synthetic trajectories with known answers."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from molyte.engines.md.analyze import analyze
from molyte.engines.md.lammps_input import segments
from molyte.engines.md.production import read_stress
from molyte.engines.md.structure import (
    RDFAccumulator,
    first_shell,
    first_shell_contacts,
    shell_counts,
)
from molyte.engines.md.trajectory import (
    count_dcd_frames,
    dcd_step_range,
    iter_dcd,
    read_dump,
    write_dcd,
)
from molyte.engines.md.transport import fit_diffusion, msd_fft, nernst_einstein, transference_number

DATA = Path(__file__).parents[2] / "data" / "md"


def random_walk(
    d_a2_ps: float, dt_ps: float, frames: int, particles: int, seed: int = 1
) -> np.ndarray:
    """Brownian particles: each Cartesian step has variance 2 D dt, so MSD = 6 D t."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, np.sqrt(2 * d_a2_ps * dt_ps), size=(frames, particles, 3))
    steps[0] = 0.0
    return np.cumsum(steps, axis=0)


def test_diffusive_particles_give_their_d() -> None:
    dt = 0.1
    positions = random_walk(0.5, dt, frames=400, particles=300)
    values = msd_fft(positions)[:201]
    t = dt * np.arange(len(values))
    assert values[100] == pytest.approx(6 * 0.5 * t[100], rel=0.05)
    fit = fit_diffusion(t, values)
    assert fit is not None and fit.diffusive
    assert pytest.approx(0.5e-4, rel=0.05) == fit.D  # 0.5 A^2/ps = 0.5e-4 cm^2/s
    assert fit.slope == pytest.approx(1.0, abs=0.05)
    assert fit.window[1] > fit.window[0]


def test_a_noisy_caged_msd_has_no_diffusive_window() -> None:
    """MSD ~ t^0.7 with 3 % noise, sampled every 0.2 ps: between neighbouring lags the slope
    swings by whole units and often passes near 1; over a factor 2 in time it stays near 0.7."""
    t = 0.2 * np.arange(1001)
    noise = 1.0 + 0.03 * np.random.default_rng(4).normal(size=t.size)
    values = 2.0 * t**0.7 * noise
    neighbours = np.diff(np.log(values[1:])) / np.diff(np.log(t[1:]))
    near_one = np.abs(neighbours - 1.0) <= 0.15
    assert np.any(near_one[:-1] & near_one[1:])  # a false window for a neighbour-slope test
    fit = fit_diffusion(t, values)
    assert fit is not None and not fit.diffusive
    assert fit.slope == pytest.approx(0.7, abs=0.05)


def test_an_msd_that_turns_diffusive_is_fitted_from_where_it_does() -> None:
    """Caged (6 t^0.25 A^2) up to 20 ps, then diffusive with D = 0.1 A^2/ps (MSD = 0.6 t +
    0.69): the window starts near 20 ps, runs to the last lag, and the fit gives D."""
    t = 0.2 * np.arange(1001)
    values = np.where(t < 20.0, 6.0 * t**0.25, 6.0 * 20.0**0.25 + 0.6 * (t - 20.0))
    fit = fit_diffusion(t, values)
    assert fit is not None and fit.diffusive
    assert 15.0 <= fit.window[0] <= 25.0 and fit.window[1] == pytest.approx(200.0)
    assert pytest.approx(0.1e-4, rel=0.02) == fit.D


def test_ballistic_particles_have_slope_two_and_no_diffusive_window() -> None:
    velocities = np.random.default_rng(2).normal(size=(50, 3))
    t = np.arange(60) * 0.1
    positions = t[:, None, None] * velocities[None, :, :]
    values = msd_fft(positions)
    expected = (velocities**2).sum(axis=1).mean() * t**2
    assert np.allclose(values, expected)
    fit = fit_diffusion(t, values)
    assert fit is not None and not fit.diffusive
    assert fit.slope == pytest.approx(2.0, abs=1e-6)


def test_interpenetrating_cubic_lattices_rdf_peaks_and_first_shell() -> None:
    # B sits at the cube centres of A's simple cubic lattice (edge a): B around A at
    # a sqrt(3)/2 (8), a sqrt(11)/2 (24), a sqrt(19)/2 (24), ...
    a, n = 4.0, 6
    grid = np.arange(n) * a
    sites = np.array(np.meshgrid(grid, grid, grid, indexing="ij")).reshape(3, -1).T
    box = np.full(3, n * a)
    acc = RDFAccumulator(r_max=11.9, dr=0.05)
    acc.add(box, sites, sites + a / 2)
    result = acc.result()
    peaks = result.r[result.g > 1.0]
    for shell in (a * np.sqrt(3) / 2, a * np.sqrt(11) / 2, a * np.sqrt(19) / 2):
        assert np.min(np.abs(peaks - shell)) < 0.05
    assert result.g[(result.r > 3.6) & (result.r < 6.5)].max() == 0.0
    peak, cutoff = first_shell(result.r, result.g)
    assert peak == pytest.approx(a * np.sqrt(3) / 2, abs=0.05)
    assert cutoff is not None and a * np.sqrt(3) / 2 < cutoff < a * np.sqrt(11) / 2
    assert result.coordination_at(cutoff) == pytest.approx(8.0)
    assert result.coordination_at(7.0) == pytest.approx(32.0)


def test_rdf_of_an_ideal_gas_is_one() -> None:
    rng = np.random.default_rng(3)
    box = np.full(3, 30.0)
    acc = RDFAccumulator(r_max=12.0, dr=0.5)
    for _ in range(20):  # frames
        acc.add(box, rng.uniform(0, 30, size=(50, 3)), rng.uniform(0, 30, size=(400, 3)))
    result = acc.result()
    assert np.mean(result.g[(result.r > 4) & (result.r < 12)]) == pytest.approx(1.0, abs=0.05)
    assert result.cn[-1] == pytest.approx(400 / 30**3 * 4 / 3 * np.pi * 12**3, rel=0.05)


def test_nernst_einstein_and_transference() -> None:
    # sigma = e^2 / (V kB T) * sum N z^2 D: 10 + 10 ions, D = 1e-5 cm^2/s, V = (30 A)^3, 300 K
    # e^2 = 2.566970e-38 C^2; V kB T = 2.7e-26 m^3 * 4.141947e-21 J = 1.118326e-46
    # -> 2.295374e8 * 20 * 1e-9 m^2/s = 4.5907 S/m
    sigma = nernst_einstein([10, 10], [1, -1], [1e-5, 1e-5], 30.0**3, 300.0)
    assert sigma == pytest.approx(4.5907, rel=1e-4)
    assert transference_number([10, 10], [1, -1], [1e-5, 3e-5]) == pytest.approx(0.25)


def test_first_shell_contacts_and_shell_classes() -> None:
    box = np.full(3, 40.0)
    cations = np.array([[10.0, 10, 10], [20, 20, 20], [20, 23, 20]])
    # anion 0 far from all (SSIP), anion 1 touches cation 0 (CIP), anion 2 bridges 1 and 2
    # (AGG); anion 3, unwrapped one box edge away, touches cation 0's image (CIP)
    sites = np.array([[35.0, 5, 35], [35, 5, 36], [12.0, 10, 10], [11, 12, 10],
                      [20, 21.5, 20], [20, 21.6, 20], [10, 10, 47.8], [30, 30, 30]])  # fmt: skip
    owner = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    contact = first_shell_contacts(box, cations, sites, owner, 4, 2.6)
    assert contact.tolist() == [[False, False, False], [True, False, False],
                                [False, True, True], [True, False, False]]  # fmt: skip
    assert shell_counts(contact.sum(axis=1)) == {"SSIP": 1, "CIP": 2, "AGG": 1}


def write_dump(path: Path, frames: list[np.ndarray], steps: list[int], box: float) -> None:
    with path.open("w") as out:
        for step, positions in zip(steps, frames, strict=True):
            out.write(f"ITEM: TIMESTEP\n{step}\nITEM: NUMBER OF ATOMS\n{len(positions)}\n")
            out.write(f"ITEM: BOX BOUNDS pp pp pp\n0 {box}\n0 {box}\n0 {box}\n")
            out.write("ITEM: ATOMS id mol type q xu yu zu\n")
            for i, (x, y, z) in enumerate(positions, 1):
                out.write(f"{i} {i} 1 0.0 {x:.5f} {y:.5f} {z:.5f}\n")


def test_dump_reader_drops_frames_written_again_after_a_restart(tmp_path: Path) -> None:
    frames = [np.full((2, 3), float(k)) for k in range(5)]
    write_dump(tmp_path / "t.lammpstrj", frames[:4] + frames[2:], [0, 10, 20, 30, 20, 30, 40], 9.0)
    read = read_dump(tmp_path / "t.lammpstrj")
    assert [f.step for f in read] == [0, 10, 20, 30, 40]


def synthetic_work_dir(tmp_path: Path, frames: list[np.ndarray]) -> None:
    """A work dir of 32 Li+ and 32 Cl- single atoms in a 24 A box, with a real log."""
    n = 64
    write_dump(tmp_path / "traj.lammpstrj", frames, [10 * k for k in range(len(frames))], 24.0)
    shutil.copy(DATA / "log_ok.lammps", tmp_path / "log.lammps")
    species = [
        {"name": "Li", "resname": "Li", "kind": "cation", "count": 32, "formal_charge": 1,
         "elements": ["Li"], "atom_names": ["Li"], "masses": [6.941], "coordinating": []},
        {"name": "Cl", "resname": "Cl", "kind": "anion", "count": 32, "formal_charge": -1,
         "elements": ["Cl"], "atom_names": ["Cl"], "masses": [35.45], "coordinating": ["Cl"]},
    ]  # fmt: skip
    info = {"timestep_fs": 10.0, "temperature": 300.0, "n_atoms": n, "species": species,
            "salt_pairs": {"LiCl": 32}, "box_length_estimate": 24.0}  # fmt: skip
    (tmp_path / "system.json").write_text(json.dumps(info))


def lattice_sites() -> np.ndarray:
    grid = (np.arange(4) * 6.0) + 1.0
    return np.array(np.meshgrid(grid, grid, grid, indexing="ij")).reshape(3, -1).T


def test_analyze_a_synthetic_work_dir(tmp_path: Path) -> None:
    """One cation and one anion species of single atoms, diffusing on a grid, with a real log."""
    n = 64
    walk = random_walk(0.2, 0.1, frames=60, particles=n, seed=5)
    synthetic_work_dir(tmp_path, [lattice_sites() + w for w in walk])
    summary = analyze(tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    assert summary["engine"] == "lammps" and summary["composition"] == {"Li": 32, "Cl": 32}
    assert summary["residue_names"] == {"Li": "Li", "Cl": "Cl"}
    assert summary["concentrations"] is None  # a system.json from before the field
    assert summary["density"]["unit"] == "g/cm^3" and 0.9 < summary["density"]["mean"] < 1.3
    with (tmp_path / "thermo.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    npt = [float(r["density"]) for r in rows if r["stage"] == "npt"]
    assert summary["density"]["mean"] == pytest.approx(np.mean(npt[len(npt) // 2 :]))
    assert summary["frames"] == 60 and summary["box_length"] == pytest.approx(24.0)
    assert [d["species"] for d in summary["diffusion"]] == ["Li", "Cl"]
    for entry in summary["diffusion"]:
        assert entry["D"] == pytest.approx(0.2e-4, rel=0.25)
        assert entry["unit"] == "cm^2/s" and len(entry["fit_window_ps"]) == 2
    assert summary["conductivity"]["unit"] == "S/m" and summary["conductivity"]["value"] > 0
    assert summary["transference_number"] == pytest.approx(0.5, abs=0.15)
    assert summary["rdf"][0]["pair"] == "Li-Cl(Cl)"
    assert (tmp_path / summary["rdf"][0]["file"]).is_file()
    pdb = (tmp_path / "final.pdb").read_text().splitlines()
    assert pdb[0].startswith("CRYST1") and pdb[1][17:21].strip() == "Li"
    xyz = (tmp_path / "final.xyz").read_text().splitlines()
    assert xyz[0] == str(n) and xyz[2].startswith("Li ")


def test_a_sub_diffusive_run_gets_no_conductivity_rather_than_a_wrong_one(tmp_path: Path) -> None:
    """Ions still caged (MSD ~ t^0.5, far from diffusive): the whole-run Nernst-Einstein number
    and t+ are withheld with a warning that says to run longer, and the block estimates say why."""
    # fractional Brownian motion with Hurst exponent 1/4: stationary increments, MSD ~ lag^0.5
    k = np.arange(1, 60, dtype=float)
    cov = 0.5 * (k[:, None] ** 0.5 + k[None, :] ** 0.5 - np.abs(k[:, None] - k[None, :]) ** 0.5)
    paths = np.linalg.cholesky(cov) @ np.random.default_rng(7).normal(size=(59, 64 * 3))
    paths = np.vstack([np.zeros((1, 64 * 3)), paths]).reshape(60, 64, 3)
    frames = [lattice_sites() + 1.5 * p for p in paths]
    synthetic_work_dir(tmp_path, frames)
    summary = analyze(tmp_path)
    assert [d["diffusive"] for d in summary["diffusion"]] == [False, False]
    assert summary["conductivity"] is None and summary["transference_number"] is None
    assert any("not diffusive yet" in w and "Li, Cl" in w for w in summary["warnings"])
    transport = summary["transport"]
    assert transport["conductivity_nernst_einstein"]["value"] is None
    assert "no diffusive window" in transport["conductivity_nernst_einstein"]["too_short"]


def test_dcd_segments_chain_and_later_frames_replace_repeated_steps(tmp_path: Path) -> None:
    frames = [np.full((3, 3), float(k)) for k in range(7)]
    lengths = np.full(3, 9.0)
    write_dcd(tmp_path / "traj.dcd", frames[:4], lengths, 0, 10, 1.0, 4)  # steps 0..30
    write_dcd(tmp_path / "traj.1.dcd", frames[2:], lengths, 20, 10, 1.0, 5)  # steps 20..60
    paths = segments(tmp_path, "traj.dcd")
    assert [p.name for p in paths] == ["traj.dcd", "traj.1.dcd"]
    read = list(iter_dcd(paths))
    assert [f.step for f in read] == [0, 10, 20, 30, 40, 50, 60]
    assert [f.positions[0, 0] for f in read] == [0, 1, 2, 3, 4, 5, 6]
    assert count_dcd_frames(paths) == 7 and dcd_step_range(paths) == (0, 60)
    assert read[0].lengths.tolist() == [9.0, 9.0, 9.0]
    cut = (tmp_path / "traj.1.dcd").read_bytes()
    (tmp_path / "traj.1.dcd").write_bytes(cut[:-7])  # a frame cut by a killed run is left out
    assert count_dcd_frames(paths) == 6


def test_analyze_a_dcd_work_dir_reports_transport_with_errors(tmp_path: Path) -> None:
    """Single-atom cations and anions diffusing independently, 1 ps per frame, and a stress
    file: every transport number comes with an error, or with the reason it is missing."""
    n, frames = 64, 400
    grid = (np.arange(4) * 6.0) + 1.0
    lattice = np.array(np.meshgrid(grid, grid, grid, indexing="ij")).reshape(3, -1).T
    walk = random_walk(0.2, 1.0, frames=frames, particles=n, seed=5)
    write_dcd(tmp_path / "traj.dcd", [lattice + w for w in walk], np.full(3, 24.0), 0, 100,
              10.0, frames)  # fmt: skip
    shutil.copy(DATA / "log_ok.lammps", tmp_path / "log.lammps")
    rng = np.random.default_rng(1)
    with (tmp_path / "stress.dat").open("w") as out:
        out.write("# Time-averaged data for fix stress\n# TimeStep c_1 c_2 c_3\n")
        for step in range(0, 100 * frames, 5):
            out.write(f"{step} {' '.join(f'{v:.3f}' for v in rng.normal(0, 100, 3))}\n")
    species = [
        {"name": "Li", "resname": "Li", "kind": "cation", "count": 32, "formal_charge": 1,
         "elements": ["Li"], "atom_names": ["Li"], "masses": [6.941], "coordinating": []},
        {"name": "Cl", "resname": "Cl", "kind": "anion", "count": 32, "formal_charge": -1,
         "elements": ["Cl"], "atom_names": ["Cl"], "masses": [35.45], "coordinating": ["Cl"]},
    ]  # fmt: skip
    info = {"timestep_fs": 10.0, "temperature": 300.0, "n_atoms": n, "species": species,
            "salt_pairs": {"LiCl": 32}, "box_length_estimate": 24.0}  # fmt: skip
    (tmp_path / "system.json").write_text(json.dumps(info))
    summary = analyze(tmp_path)
    assert summary["frames"] == frames and summary["production_ps"] == pytest.approx(399.0)
    assert summary["files"]["trajectory"] == "traj.dcd"
    for entry in summary["diffusion"]:  # the keys from before, with the error beside them
        assert entry["D"] == pytest.approx(0.2e-4, rel=0.25)
        assert entry["D_error"] is not None and entry["D_error"] > 0
    transport = summary["transport"]
    for entry in transport["diffusion"]:
        d = entry["D"]
        assert d["unit"] == "cm^2/s" and d["blocks"] == 5 and d["too_short"] is None
        assert d["value"] == pytest.approx(0.2e-4, rel=0.25) and d["error"] > 0
    eh, ne = transport["conductivity_einstein_helfand"], transport["conductivity_nernst_einstein"]
    # sigma_NE = e^2 / (V kB T) * 64 * 0.2e-8 m^2/s = 2.566970e-38 / (1.3824e-26 * 4.141947e-21)
    # * 1.28e-7 = 57.38 S/m (a dilute box of fast ions)
    assert ne["value"] == pytest.approx(57.38, rel=0.25) and ne["error"] > 0
    assert eh["too_short"] is not None or eh["value"] == pytest.approx(ne["value"], rel=0.6)
    assert transport["haven_ratio"]["unit"] == "1"
    visc = transport["viscosity"]  # 400 ps of stress (8,000 samples) in 5 blocks of 80 ps
    assert visc["unit"] == "mPa s" and visc["samples"] == 8000
    assert (visc["value"] is None) == (visc["too_short"] is not None)
    for entry in transport["diffusion"]:
        yh = entry["D_yeh_hummer"]
        assert (yh["value"] is None) == (yh["too_short"] is not None)
    for entry in transport["residence_time"]:
        assert entry["unit"] == "ps" and (entry["value"] is None) == (
            entry["too_short"] is not None
        )
    json.dumps(summary, allow_nan=False)


def test_stress_segments_merge_and_a_cut_line_is_dropped(tmp_path: Path) -> None:
    head = "# Time-averaged data for fix stress\n# TimeStep c_1 c_2 c_3\n"
    (tmp_path / "stress.dat").write_text(head + "0 1 2 3\n5 4 5 6\n10 7 8 9\n15 1 1 1\n")
    (tmp_path / "stress.1.dat").write_text(head + "10 -7 -8 -9\n15 -1 -1 -1\n20 3 3")
    rows = read_stress(segments(tmp_path, "stress.dat"))
    assert rows.tolist() == [[0, 1, 2, 3], [5, 4, 5, 6], [10, -7, -8, -9], [15, -1, -1, -1]]
