"""Readers of LAMMPS output files: custom text dumps and the Atoms section of data files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray


@dataclass
class Frame:
    step: int
    box: NDArray[np.float64]  # (3, 2): lo, hi per axis
    positions: NDArray[np.float64]  # (n, 3), sorted by atom id

    @property
    def lengths(self) -> NDArray[np.float64]:
        return np.asarray(self.box[:, 1] - self.box[:, 0], dtype=float)


def iter_dump(handle: TextIO) -> Iterator[Frame]:
    """Frames of a `dump custom` file with columns id ... and x/y/z or xu/yu/zu."""
    while True:
        line = handle.readline()
        if not line:
            return
        if not line.startswith("ITEM: TIMESTEP"):
            continue
        step = int(handle.readline())
        handle.readline()  # ITEM: NUMBER OF ATOMS
        n = int(handle.readline())
        handle.readline()  # ITEM: BOX BOUNDS
        box = np.array([[float(v) for v in handle.readline().split()[:2]] for _ in range(3)])
        columns = handle.readline().split()[2:]
        lines = [handle.readline() for _ in range(n)]
        if not lines or not lines[-1].endswith("\n"):
            return  # a frame cut by a killed run
        table = np.array(" ".join(lines).split(), dtype=float).reshape(n, len(columns))
        ids = table[:, columns.index("id")].astype(int)
        axes = ["xu", "yu", "zu"] if "xu" in columns else ["x", "y", "z"]
        positions = table[:, [columns.index(a) for a in axes]][np.argsort(ids)]
        yield Frame(step, box, positions)


def read_dump(path: Path) -> list[Frame]:
    """All frames; after a restart, frames written again from an earlier step replace the old."""
    frames: list[Frame] = []
    with path.open() as handle:
        for frame in iter_dump(handle):
            if frames and frame.step <= frames[-1].step:
                frames = [f for f in frames if f.step < frame.step]
            frames.append(frame)
    return frames


def read_data_atoms(path: Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Box (3, 2) and unwrapped positions (by image flags) of a LAMMPS data file (`full`)."""
    lines = path.read_text().splitlines()
    box = np.zeros((3, 2))
    for line in lines[:40]:
        words = line.split()
        for axis, tag in enumerate(("xlo", "ylo", "zlo")):
            if len(words) >= 4 and words[2] == tag:
                box[axis] = [float(words[0]), float(words[1])]
    start = next(i for i, line in enumerate(lines) if line.startswith("Atoms"))
    rows = []
    for line in lines[start + 2 :]:
        words = line.split("#", 1)[0].split()
        if not words:
            break
        rows.append([float(w) for w in words])
    table = np.array(rows)
    table = table[np.argsort(table[:, 0])]
    positions = table[:, 4:7]
    if table.shape[1] >= 10:
        positions = positions + table[:, 7:10] * (box[:, 1] - box[:, 0])
    return box, positions
