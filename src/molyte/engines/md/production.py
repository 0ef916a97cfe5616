"""The production run of a work dir: its trajectory segments (`traj.dcd`, `traj.1.dcd`, ...;
or the text dump of a job from before them), streamed frame by frame, and its pressure-tensor
samples (`stress.dat`, `stress.1.dat`, ...) merged across continuations."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from molyte.engines.md.lammps_input import LEGACY_TRAJECTORY, TRAJECTORY, segments
from molyte.engines.md.trajectory import (
    Frame,
    count_dcd_frames,
    dcd_step_range,
    iter_dcd,
    read_dump,
)


@dataclass
class Production:
    """The production trajectory: how to stream its frames, how many, the time between them."""

    frames: Callable[[], Iterator[Frame]]
    n_frames: int
    first_step: int
    last_step: int
    files: list[str]


def production(workdir: Path) -> Production | None:
    """The DCD segments of the run (or the text dump of a job from before them), or None."""
    dcd = segments(workdir, TRAJECTORY)
    if dcd:
        n = count_dcd_frames(dcd)
        if n:
            first, last = dcd_step_range(dcd)
            return Production(lambda: iter_dcd(dcd), n, first, last, [p.name for p in dcd])
    legacy = workdir / LEGACY_TRAJECTORY
    if legacy.is_file():
        frames = read_dump(legacy)
        if frames:
            return Production(
                lambda: iter(frames), len(frames), frames[0].step, frames[-1].step,
                [LEGACY_TRAJECTORY],
            )  # fmt: skip
    return None


def last_frame(frames: Iterator[Frame]) -> Frame:
    return deque(frames, maxlen=1)[0]


def read_stress(paths: list[Path]) -> np.ndarray:
    """Rows (step, pxy, pxz, pyz) of `fix ave/time` files, later segments replacing the
    steps they repeat; a last line cut by a killed run is dropped."""
    tables = []
    for path in paths:
        lines = path.read_text().splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines.pop()
        tables.append(np.loadtxt(lines, comments="#", ndmin=2).reshape(-1, 4))
    merged = tables[0]
    for table in tables[1:]:
        if len(table):
            merged = np.concatenate([merged[merged[:, 0] < table[0, 0]], table])
    return merged
