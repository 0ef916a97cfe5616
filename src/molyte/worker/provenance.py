"""The worker's part of a job's `summary.provenance` (the server adds its own version and the
worker's name): the engine's version read from the engine's own output, the force-field sources
and a hash of the parameter files, and the node, start, end and core-hours of the run from the
record every batch script writes (`molyte.schedulers.script.RUN_RECORD_FILE`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from molyte.domain.provenance import core_hours
from molyte.schedulers.script import RUN_RECORD_FILE

# Files that hold every parameter an MD run used (the data file carries all coefficients).
MD_PARAMETER_FILES = ("system.data", "in.lammps")
_LAMMPS = re.compile(r"^LAMMPS \((?P<v>[^)]+)\)", re.MULTILINE)
_GAUSSIAN = re.compile(r"Gaussian (?P<n>\d+), Revision (?P<r>[A-Z]\.\d+)")
_XTB = re.compile(r"xtb version (?P<v>\S+)")


@dataclass(frozen=True)
class RunRecord:
    started: datetime | None
    finished: datetime | None
    host: str | None
    cpus: int | None


def parse_run_record(text: str) -> RunRecord:
    """`start EPOCH HOST CPUS` / `end EPOCH` lines; missing or garbled parts are None."""
    started = finished = None
    host = None
    cpus = None
    for line in text.splitlines():
        words = line.split()
        if len(words) == 4 and words[0] == "start" and words[1].isdigit():
            started = datetime.fromtimestamp(int(words[1]), UTC)
            host = words[2]
            cpus = int(words[3]) if words[3].isdigit() else None
        elif len(words) == 2 and words[0] == "end" and words[1].isdigit():
            finished = datetime.fromtimestamp(int(words[1]), UTC)
    return RunRecord(started, finished, host, cpus)


def lammps_version(log_text: str) -> str | None:
    """`LAMMPS (22 Jul 2025 - Update 4)` on a log's first line -> `22 Jul 2025 - Update 4`."""
    match = _LAMMPS.search(log_text[:2000])
    return match["v"] if match else None


def gaussian_version(log_text: str) -> str | None:
    """The revision a Gaussian log names in its banner: `Gaussian 16 Revision C.01`."""
    match = _GAUSSIAN.search(log_text[:20_000])
    return f"Gaussian {match['n']} Revision {match['r']}" if match else None


def xtb_version(out_text: str) -> str | None:
    match = _XTB.search(out_text[:5000])
    return match["v"] if match else None


def _read(path: Path) -> str:
    try:
        with path.open(errors="replace") as f:
            return f.read(20_000)
    except OSError:
        return ""


def engine_version(workdir: Path, engine: str) -> str | None:
    """The engine's version from its own output in `workdir` (PySCF: the installed package)."""
    if engine == "lammps":
        return lammps_version(_read(workdir / "log.lammps"))
    if engine == "gaussian":
        for log in sorted(workdir.rglob("*.log")):
            if found := gaussian_version(_read(log)):
                return found
        return None
    if engine == "xtb":
        for out in sorted(workdir.rglob("xtb.out")):
            if found := xtb_version(_read(out)):
                return found
        return None
    if engine == "pyscf":
        # The batch job runs PySCF from the worker's own installation.
        try:
            return metadata.version("pyscf")
        except metadata.PackageNotFoundError:
            return None
    return None


def forcefield(workdir: Path) -> dict[str, Any] | None:
    """An MD run's force-field sources (from system.json) and the sha256 of its parameter files."""
    try:
        info = json.loads((workdir / "system.json").read_text())
    except (OSError, ValueError):
        return None
    digest = hashlib.sha256()
    for name in MD_PARAMETER_FILES:
        path = workdir / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    sources = sorted({str(s.get("forcefield")) for s in info.get("species", []) if s})
    return {"sources": sources, "parameter_files": list(MD_PARAMETER_FILES),
            "sha256": digest.hexdigest()}  # fmt: skip


def collect(workdir: Path, engine: str, scheduler_id: str | None) -> dict[str, Any]:
    """The provenance the worker reports with a job's results."""
    try:
        record = parse_run_record((workdir / RUN_RECORD_FILE).read_text())
    except OSError:
        record = RunRecord(None, None, None, None)
    hours = None
    if record.started and record.finished and record.cpus:
        hours = core_hours((record.finished - record.started).total_seconds(), record.cpus)
    return {
        "engine": engine,
        "engine_version": engine_version(workdir, engine),
        "forcefield": forcefield(workdir) if engine == "lammps" else None,
        "host": record.host,
        "scheduler_job_id": scheduler_id,
        "started_at": record.started.isoformat() if record.started else None,
        "finished_at": record.finished.isoformat() if record.finished else None,
        "cpus": record.cpus,
        "core_hours": hours,
    }
