"""How far a running LAMMPS job is, read from what it has written so far (pure).

`run_plan` reads the generated `in.lammps` (each stage's last step and the timestep);
`LammpsWatch` is fed the log a piece at a time, from the last offset, as the worker reads it,
and keeps the current stage, the last step and a bounded, thinned series of thermo rows.
Tested on real logs in tests/data/md/ cut at arbitrary points.
"""

from __future__ import annotations

import math
import re
from array import array
from dataclasses import dataclass

from molyte.engines.md.lammps_input import STAGE_MARK
from molyte.engines.md.logparse import COLUMNS

# The live series of an MD job: step, simulated time, and what a researcher watches settle.
SERIES_COLUMNS = ("step", "time_ps", "temp", "press", "density", "pe", "etotal")
_VALUES = SERIES_COLUMNS[2:]  # read from the log; step and time come from the step
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
        self._width = 0  # words in a thermo row under the current header; 0: no header
        self._index: list[int] = []  # positions of _VALUES in the current header
        # Kept rows: steps, and len(_VALUES) single-precision values per row (what a plot
        # needs, in half the memory: a worker may follow a thousand runs).
        self._steps = array("q")
        self._values = array("f")
        self._stride = 1  # every stride-th row is kept
        self._seen = 0
        self._tail: list[str] | None = None  # the newest row's words when it is not kept

    def feed(self, text: str) -> None:
        """Read the next piece of the log (any cut: a half-written line waits for its end)."""
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line.split())

    def restart(self) -> None:
        """A new log file begins (a continuation): its rows replace ours from its first step."""
        self._partial = ""
        self._width = 0

    def _line(self, words: list[str]) -> None:
        if not words:
            return
        first = words[0]
        if first == STAGE_MARK and len(words) == 2:
            self.stage = words[1]
        elif first == "Step":
            header = [COLUMNS.get(w, w.lower()) for w in words]
            self._width = len(header)
            self._index = [header.index(c) if c in header else -1 for c in _VALUES]
        elif first == "Loop":
            self._width = 0
        elif len(words) == self._width and first.isdigit() and self.stage != "minimize":
            # A thermo row (minimisation iterations are not time steps; a WARNING between
            # rows has another length). Only kept rows are converted: most are not.
            self._row(int(first), words)

    def _row(self, step: int, words: list[str]) -> None:
        self._drop_from(step)
        self.step = step
        if self._seen % self._stride:
            self._tail = words  # shown until the next kept row: the newest numbers are there
        else:
            self._steps.append(step)
            self._values.extend(_floats(words, self._index))
            self._tail = None
        self._seen += 1
        if len(self._steps) >= MAX_ROWS:
            # Keep every other row and from now on every (2 x stride)-th: the whole run stays
            # covered evenly in at most MAX_ROWS rows.
            n = len(_VALUES)
            self._steps = self._steps[::2]
            self._values = array(
                "f",
                (v for i in range(0, len(self._values), 2 * n) for v in self._values[i : i + n]),
            )
            self._stride *= 2

    def _drop_from(self, step: int) -> None:
        """Forget rows at or after `step`: a repeated boundary row, or a continuation's start."""
        n = len(_VALUES)
        while self._steps and self._steps[-1] >= step:
            self._steps.pop()
            del self._values[-n:]
        if self._tail is not None and int(self._tail[0]) >= step:
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
        """The series rows: step, time in ps, then the values (7 significant digits, as
        LAMMPS prints them; a missing or non-numeric value as None)."""
        n = len(_VALUES)
        dt = self.plan.timestep_fs / 1000.0
        out = [
            [
                float(step),
                round(step * dt, 6),
                *(_plain(v) for v in self._values[i * n : i * n + n]),
            ]
            for i, step in enumerate(self._steps)
        ]
        if self._tail is not None:
            step = int(self._tail[0])
            values = _floats(self._tail, self._index)
            out.append([float(step), round(step * dt, 6), *(_plain(v) for v in values)])
        return out


def _floats(words: list[str], index: list[int]) -> list[float]:
    """The values at `index` in a thermo row (NaN where absent or not a number)."""
    out = []
    for i in index:
        try:
            out.append(float(words[i]) if i >= 0 else math.nan)
        except ValueError:
            out.append(math.nan)
    return out


def _plain(value: float) -> float | None:
    return float(f"{value:.7g}") if math.isfinite(value) else None
