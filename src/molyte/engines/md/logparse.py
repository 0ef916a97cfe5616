"""Pure parsers of LAMMPS logs: thermo rows by stage, and why a run failed.

Tested on real captured logs in tests/data/md/.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from molyte.domain.failures import FailureReason
from molyte.engines.md.lammps_input import DONE_MARK, STAGE_MARK

# LAMMPS thermo header words -> the column names of thermo.csv
COLUMNS = {
    "Step": "step", "Temp": "temp", "Press": "press", "Density": "density", "PotEng": "pe",
    "KinEng": "ke", "TotEng": "etotal", "E_vdwl": "evdwl", "E_coul": "ecoul", "E_long": "elong",
    "E_bond": "ebond", "E_angle": "eangle", "E_dihed": "edihed", "E_impro": "eimp",
    "Volume": "vol", "Lx": "lx",
}  # fmt: skip

# First match wins; each pattern is searched in the ERROR lines of the log.
_ERRORS: list[tuple[re.Pattern[str], FailureReason]] = [
    (re.compile(r"Lost atoms"), FailureReason.LOST_ATOMS),
    (re.compile(r"(Bond|Angle|Dihedral|Improper|Shake) atoms? .*missing", re.I),
     FailureReason.BOND_ATOMS_MISSING),
    (re.compile(r"Out of range atoms"), FailureReason.OUT_OF_RANGE),
    (re.compile(r"Non-numeric|\bnan\b|\binf\b", re.I), FailureReason.NAN_ENERGY),
]  # fmt: skip
_ERROR_LINE = re.compile(r"^ERROR(?: on proc \d+)?: (.*)$")


@dataclass(frozen=True)
class Failure:
    reason: FailureReason
    message: str


def log_files(workdir: Path) -> list[Path]:
    """The run's logs in order: log.lammps, then log.1.lammps, log.2.lammps, ... (continuations)."""
    numbered = [p for p in workdir.glob("log.*.lammps") if p.name.split(".")[1].isdigit()]
    first = workdir / "log.lammps"
    return ([first] if first.is_file() else []) + sorted(
        numbered, key=lambda p: int(p.name.split(".")[1])
    )


def parse_thermo(text: str) -> list[dict[str, float | str]]:
    """Thermo rows of one log, each with its `stage` (a row repeated at a run boundary: once)."""
    rows: list[dict[str, float | str]] = []
    stage = "setup"
    header: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(STAGE_MARK + " ") and not line.startswith("print"):
            stage = stripped.split()[1]
            continue
        words = stripped.split()
        if words and words[0] == "Step":
            header = [COLUMNS.get(w, w.lower()) for w in words]
            continue
        if header is None:
            continue
        if stripped.startswith("Loop time"):
            header = None
            continue
        if len(words) != len(header) or not _numeric(words[0]):
            continue  # a WARNING between thermo rows, or a half-written last line
        try:
            values = [float(w) for w in words]
        except ValueError:
            continue
        row: dict[str, float | str] = {"stage": stage}
        row.update(zip(header, values, strict=True))
        if rows and rows[-1]["step"] == row["step"] and rows[-1]["stage"] == stage:
            continue
        rows.append(row)
    return rows


def merge_thermo(logs: list[str]) -> list[dict[str, float | str]]:
    """Rows of a run and its continuations: a continuation replaces rows from its first step on."""
    merged: list[dict[str, float | str]] = []
    for text in logs:
        rows = parse_thermo(text)
        if rows:
            first = float(rows[0]["step"])
            merged = [r for r in merged if float(r["step"]) < first or r["stage"] == "minimize"]
        merged += rows
    return merged


def _numeric(word: str) -> bool:
    return bool(re.fullmatch(r"-?\d+", word))


def find_failure(text: str) -> Failure | None:
    """Why a LAMMPS run failed, from its log; None when it reached the end of the script.

    A log with no ERROR that stops before the script's last line was cut: the job was killed
    (usually by its time limit), so the reason is TIMEOUT.
    """
    for line in text.splitlines():
        match = _ERROR_LINE.match(line.strip())
        if match:
            message = match.group(1).strip()
            for pattern, reason in _ERRORS:
                if pattern.search(message):
                    return Failure(reason, message)
            return Failure(FailureReason.SCRIPT_FAILED, message)
    for row in parse_thermo(text):
        energies = [row.get(k) for k in ("pe", "etotal", "temp")]
        if any(isinstance(v, float) and not math.isfinite(v) for v in energies):
            return Failure(
                FailureReason.NAN_ENERGY, f"non-finite energy at step {int(row['step'])}"
            )
    if not any(line.strip() == DONE_MARK for line in text.splitlines()):
        rows = parse_thermo(text)
        last = f" after step {int(rows[-1]['step'])}" if rows else ""
        return Failure(FailureReason.TIMEOUT, f"the LAMMPS log stops{last}: the run was cut")
    return None
