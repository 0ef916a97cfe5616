"""The files the analysis writes beside the run: `thermo.csv`, `final.pdb` and `final.xyz`
(molecules made whole and wrapped by their centre of mass), and the numeric CSV tables."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from molyte.engines.md.layout import SpeciesLayout
from molyte.engines.md.structure import molecule_centres

THERMO_COLUMNS = (
    "stage", "step", "time_ps", "temp", "press", "density", "pe", "ke", "etotal", "evdwl",
    "ecoul", "elong", "ebond", "eangle", "edihed", "eimp", "vol", "lx",
)  # fmt: skip


def finite(value: float | None) -> float | None:
    """`value`, or None for NaN and infinities (summary.json is strict JSON)."""
    return None if value is None or not math.isfinite(value) else float(value)


def write_thermo(rows: list[dict[str, Any]], timestep_fs: float, path: Path) -> None:
    """thermo.csv from the merged log rows; time from the step (minimisation has none)."""
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


def write_csv(path: Path, header: list[str], columns: list[np.ndarray]) -> None:
    """A numeric table, one column per array, six significant digits."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in zip(*columns, strict=True):
            writer.writerow([f"{v:.6g}" for v in row])
