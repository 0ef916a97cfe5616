"""How far a running QC step is, read from its log as it grows (pure).

`QcWatch` is fed the log of the step that runs (Gaussian's `STEM.log`, PySCF's `STEP.log`,
xtb's `xtb.out`) a piece at a time, from the last offset, and keeps the optimisation step,
its bound, the SCF cycles and the energy of each SCF (one per optimisation step). Tested on
real logs in tests/data/ cut at arbitrary points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SERIES_COLUMNS = ("step", "energy")  # energy in hartree, one row per converged SCF
MAX_ROWS = 500


@dataclass(frozen=True)
class LogPatterns:
    """What one program prints: an SCF energy, an optimisation step, its bound, an SCF cycle,
    and the end of one job of the log (Gaussian runs `opt freq` as two jobs in one log)."""

    energy: re.Pattern[str]
    opt_step: re.Pattern[str] | None = None
    opt_max: re.Pattern[str] | None = None
    scf_cycle: re.Pattern[str] | None = None
    job_end: re.Pattern[str] | None = None


PATTERNS = {
    "gaussian": LogPatterns(
        energy=re.compile(r"^ SCF Done:\s+E\(\S+\)\s+=\s+(-?\d+\.\d+)\s+A\.U\. after\s+(\d+)"),
        opt_step=re.compile(r"^ Step number\s+(\d+) out of a maximum of\s+(\d+)"),
        scf_cycle=re.compile(r"^ Cycle\s+(\d+)\s"),
        job_end=re.compile(r"^ Normal termination of Gaussian"),
    ),
    "pyscf": LogPatterns(
        energy=re.compile(r"^converged SCF energy = (-?\d+\.\d+)"),
        scf_cycle=re.compile(r"^cycle= (\d+) E="),
    ),
    "xtb": LogPatterns(
        energy=re.compile(r"^\s*\* total energy\s+:\s+(-?\d+\.\d+) Eh"),
        opt_step=re.compile(r"^\.+ CYCLE\s+(\d+) \.+$"),
        opt_max=re.compile(r"^\s*:\s+max\. optcycles\s+(\d+)"),
        scf_cycle=None,
    ),
}


@dataclass
class QcWatch:
    """The state of one QC log read incrementally: feed it each new piece of text."""

    program: str  # a key of PATTERNS
    opt_step: int | None = None
    opt_max: int | None = None
    scf_cycles: int = 0  # cycles of the SCF in progress (or of the last one)
    jobs_done: int = 0
    energies: list[float] = field(default_factory=list)
    _partial: str = ""

    def feed(self, text: str) -> None:
        """Read the next piece of the log (any cut: a half-written line waits for its end)."""
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._line(line.rstrip("\r"))

    def _line(self, line: str) -> None:
        p = PATTERNS[self.program]
        if m := p.energy.match(line):
            self.energies.append(float(m.group(1)))
            if len(self.energies) > MAX_ROWS:
                del self.energies[0]
            if m.lastindex and m.lastindex >= 2:
                self.scf_cycles = int(m.group(2))
        elif p.opt_step and (m := p.opt_step.match(line)):
            self.opt_step = int(m.group(1))
            if m.lastindex and m.lastindex >= 2:
                self.opt_max = int(m.group(2))
            self.scf_cycles = 0
        elif p.opt_max and (m := p.opt_max.match(line)):
            self.opt_max = int(m.group(1))
        elif p.scf_cycle and (m := p.scf_cycle.match(line)):
            self.scf_cycles = int(m.group(1))
        elif p.job_end and p.job_end.match(line):
            self.jobs_done += 1
            self.opt_step = self.opt_max = None

    @property
    def fraction(self) -> float:
        """The share of this log's work done: optimisation step N of at most M (an upper bound
        on the work left: most optimisations converge well before M), else 0."""
        if self.opt_step is None or not self.opt_max:
            return 0.0
        return min(1.0, self.opt_step / self.opt_max)

    def stage_text(self) -> str:
        """e.g. `job 2, optimisation step 5 of at most 100, SCF cycle 7`."""
        parts = [f"job {self.jobs_done + 1}"] if self.jobs_done else []
        if self.opt_step is not None:
            bound = f" of at most {self.opt_max}" if self.opt_max else ""
            parts.append(f"optimisation step {self.opt_step}{bound}")
        if self.scf_cycles:
            parts.append(f"SCF cycle {self.scf_cycles}")
        return ", ".join(parts) or "starting"

    def rows(self) -> list[list[float | None]]:
        """One row per SCF energy: its number and the energy (hartree)."""
        return [[float(i + 1), e] for i, e in enumerate(self.energies)]


def step_logs(engine: str, step_names: list[str]) -> list[str]:
    """Where each planned step's log is, relative to the work dir (as the engines write them)."""
    from molyte.engines.qc.gaussian import log_stem
    from molyte.engines.qc.xtb import STEP_LOG

    if engine == "gaussian":
        return [f"{log_stem(len(step_names), n)}.log" for n in step_names]
    if engine == "xtb":
        return [f"{n}/{STEP_LOG}" for n in step_names]
    return [f"{n}.log" for n in step_names]  # PySCF: `run_step` logs to STEP.log


def overall_progress(step_index: int, steps: int, fraction: float) -> float:
    """The job's fraction done when step `step_index` (0-based) of `steps` is `fraction` done."""
    if steps <= 0:
        return 0.0
    return max(0.0, min(1.0, (step_index + fraction) / steps))
