"""How far a running LAMMPS job is, read from what it has written so far (pure).

`run_plan` reads the generated `in.lammps` (each stage's last step and the timestep);
`LammpsWatch` is fed the log a piece at a time, from the last offset, as the worker reads it,
and keeps the current stage, the last step and a bounded, thinned series of thermo rows.
Tested on real logs in tests/data/md/ cut at arbitrary points.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

from molyte.engines.md.lammps_input import STAGE_MARK
from molyte.engines.md.logparse import COLUMNS

# The live series of an MD job: step, simulated time, and what a researcher watches settle.
SERIES_COLUMNS = ("step", "time_ps", "temp", "press", "density", "pe", "etotal")
MAX_ROWS = 500  # a full series keeps every other row: the whole run, evenly, and the newest
_STAGE_LINE = re.compile(rf'^print\s+"{STAGE_MARK} (\w+)"')
_RUN_LINE = re.compile(r"^run\s+(\d+)")
_TIMESTEP_LINE = re.compile(r"^timestep\s+([0-9.eE+-]+)")


@dataclass(frozen=True)
class RunPlan:
    """The stages of an input script, each with its last step, and the timestep in fs."""

    stages: tuple[tuple[str, int], ...]
    timestep_fs: float

    @property
    def total_steps(self) -> int:
        return max((end for _, end in self.stages), default=0)


def run_plan(input_text: str) -> RunPlan:
    """The plan of a generated LAMMPS input: `run END upto` lines grouped by stage mark."""
    ends: dict[str, int] = {}
    stage = "setup"
    timestep = 1.0
    for line in input_text.splitlines():
        line = line.strip()
        if m := _STAGE_LINE.match(line):
            stage = m.group(1)
            ends.setdefault(stage, 0)
        elif m := _RUN_LINE.match(line):
            ends[stage] = max(ends.get(stage, 0), int(m.group(1)))
        elif m := _TIMESTEP_LINE.match(line):
            timestep = float(m.group(1))
    return RunPlan(tuple(ends.items()), timestep)


class LammpsWatch:
    """The state of one LAMMPS log read incrementally: feed it each new piece of text."""

    columns = SERIES_COLUMNS

    def __init__(self, plan: RunPlan) -> None:
        self.plan = plan
        self.stage: str | None = None
        self.step: int | None = None
        self._partial = ""  # a line not yet ended by a newline: completed by the next piece
        self._header: list[str] | None = None
        self._index: list[int] = []  # positions of SERIES_COLUMNS in the current header
        self._rows = array("d")  # flat: len(SERIES_COLUMNS) values per row
        self._stride = 1  # every stride-th row is kept
        self._seen = 0
        self._tail: list[float] | None = None  # the newest row when it is not a kept one

    def feed(self, text: str) -> None:
        """Read the next piece of the log (any cut: a half-written line waits for its end)."""
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line.strip())

    def restart(self) -> None:
        """A new log file begins (a continuation): its rows replace ours from its first step."""
        self._partial = ""
        self._header = None

    def _line(self, line: str) -> None:
        words = line.split()
        if not words:
            return
        if words[0] == STAGE_MARK and len(words) == 2:
            self.stage = words[1]
            return
        if words[0] == "Step":
            self._header = [COLUMNS.get(w, w.lower()) for w in words]
            self._index = [
                self._header.index(c) if c in self._header else -1 for c in SERIES_COLUMNS
            ]
            return
        if self._header is None:
            return
        if words[0] == "Loop":
            self._header = None
            return
        if len(words) != len(self._header) or not words[0].lstrip("-").isdigit():
            return  # a WARNING between thermo rows
        try:
            values = [float(w) for w in words]
        except ValueError:
            return
        step = int(values[0])
        if self.stage == "minimize":
            return  # minimisation iterations are not time steps
        self._drop_from(step)
        self.step = step
        row = [values[i] if i >= 0 else float("nan") for i in self._index]
        row[1] = step * self.plan.timestep_fs / 1000.0
        if self._seen % self._stride == 0:
            self._rows.extend(row)
            self._tail = None
        else:
            self._tail = row  # shown until the next kept row: the newest numbers are always there
        self._seen += 1
        width = len(SERIES_COLUMNS)
        if len(self._rows) >= MAX_ROWS * width:
            # Keep every other row and from now on every (2 x stride)-th: the whole run stays
            # covered evenly in at most MAX_ROWS rows.
            thinned = array("d")
            for start in range(0, len(self._rows), 2 * width):
                thinned.extend(self._rows[start : start + width])
            self._rows = thinned
            self._stride *= 2

    def _drop_from(self, step: int) -> None:
        """Forget rows at or after `step`: a repeated boundary row, or a continuation's start."""
        width = len(SERIES_COLUMNS)
        while self._rows and self._rows[-width] >= step:
            del self._rows[-width:]
        if self._tail is not None and self._tail[0] >= step:
            self._tail = None

    @property
    def progress(self) -> float:
        """The fraction of all stages' steps done (0 before the first step)."""
        total = self.plan.total_steps
        if not total or self.step is None:
            return 0.0
        return max(0.0, min(1.0, self.step / total))

    def stage_text(self) -> str | None:
        """e.g. `npt: step 1500 of 2000` (the stage's own last step), or the stage alone."""
        if self.stage is None:
            return None
        end = dict(self.plan.stages).get(self.stage)
        if self.step is None or not end or self.stage == "minimize":
            return self.stage
        return f"{self.stage}: step {self.step} of {end}"

    def rows(self) -> list[list[float | None]]:
        """The series rows (NaN, which JSON cannot carry, as None)."""
        width = len(SERIES_COLUMNS)
        out: list[list[float | None]] = []
        for start in range(0, len(self._rows), width):
            out.append([v if v == v else None for v in self._rows[start : start + width]])
        if self._tail is not None:
            out.append([v if v == v else None for v in self._tail])
        return out
