"""Packmol: render its input, run it, read the packed coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from molyte.engines.md.tools import require_tool, run_tool
from molyte.engines.md.topology import MoleculeFF

TOLERANCE = 2.0  # A, minimum distance between atoms of different molecules
MARGIN = 1.0  # A kept free at each face so images across the boundary do not overlap
PACKED = "packed.xyz"


def xyz_text(molecule: MoleculeFF) -> str:
    """One molecule as an XYZ file, centred at the origin."""
    coords = molecule.coords - molecule.coords.mean(axis=0)
    lines = [str(molecule.n_atoms), molecule.name]
    for element, (x, y, z) in zip(molecule.elements, coords, strict=True):
        lines.append(f"{element} {x:.5f} {y:.5f} {z:.5f}")
    return "\n".join(lines) + "\n"


def packmol_input(files: list[str], counts: list[int], box_length: float, seed: int) -> str:
    """Packmol input placing `counts[i]` copies of `files[i]` in a cube of edge `box_length`."""
    lo, hi = MARGIN, box_length - MARGIN
    out = [f"tolerance {TOLERANCE}", "filetype xyz", f"output {PACKED}", f"seed {seed}", ""]
    for name, n in zip(files, counts, strict=True):
        out += [
            f"structure {name}",
            f"  number {n}",
            f"  inside box {lo:.3f} {lo:.3f} {lo:.3f} {hi:.3f} {hi:.3f} {hi:.3f}",
            "end structure",
            "",
        ]
    return "\n".join(out)


def read_xyz(path: Path) -> NDArray[np.float64]:
    lines = path.read_text().splitlines()
    n = int(lines[0])
    return np.array([[float(v) for v in line.split()[1:4]] for line in lines[2 : 2 + n]])


def pack(
    molecules: list[MoleculeFF], counts: list[int], box_length: float, seed: int, workdir: Path
) -> NDArray[np.float64]:
    """Run packmol in `workdir`; coordinates of all atoms, molecule after molecule."""
    files = []
    for molecule in molecules:
        name = f"mol_{molecule.name}.xyz"
        (workdir / name).write_text(xyz_text(molecule))
        files.append(name)
    text = packmol_input(files, counts, box_length, seed)
    (workdir / "packmol.inp").write_text(text)
    run_tool([require_tool("packmol")], workdir, stdin=workdir / "packmol.inp", timeout=1800)
    coords = read_xyz(workdir / PACKED)
    expected = sum(m.n_atoms * n for m, n in zip(molecules, counts, strict=True))
    if len(coords) != expected:
        raise ValueError(f"packmol wrote {len(coords)} atoms, expected {expected}")
    return coords
