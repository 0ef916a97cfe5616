"""A completed job's `summary.provenance`: what ran it, where, when, and for how many core-hours.

The worker knows the engine's version, the force-field files, the host, the scheduler's start
and end times and its CPU count; the server adds its own version and the worker's name, and
fills what an older worker did not send from the job's own record (its RUNNING event, the time
of registration, the cores the spec asked for).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

FIELDS = (
    "molyte_version",
    "engine",
    "engine_version",
    "forcefield",
    "worker",
    "host",
    "scheduler_job_id",
    "started_at",
    "finished_at",
    "core_hours",
)


def core_hours(elapsed_seconds: float, cpus: int) -> float:
    """Core-hours of a run: its elapsed wall time times the CPUs it held."""
    return round(max(elapsed_seconds, 0.0) * max(cpus, 0) / 3600.0, 6)


def requested_cpus(spec: dict[str, Any]) -> int:
    """CPUs a spec asks for: MPI tasks times CPUs per task."""
    resources = spec.get("resources") or {}
    return int(resources.get("tasks") or 1) * int(resources.get("cpus_per_task") or 1)


def complete(
    reported: dict[str, Any] | None,
    *,
    molyte_version: str,
    worker: str | None,
    host: str | None,
    engine: str | None,
    scheduler_job_id: str | None,
    started_at: datetime | None,
    finished_at: datetime,
    cpus: int,
) -> dict[str, Any]:
    """The provenance block: the worker's `reported` values, the server's for the rest."""
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    out.update({k: v for k, v in (reported or {}).items() if v is not None})
    out["molyte_version"] = molyte_version
    out["worker"] = worker
    fallback = {
        "host": host,
        "engine": engine,
        "scheduler_job_id": scheduler_job_id,
        "started_at": started_at.isoformat() if started_at else None,
        "finished_at": finished_at.isoformat(),
    }
    for key, value in fallback.items():
        if out.get(key) is None:
            out[key] = value
    if out.get("core_hours") is None and started_at is not None:
        out["core_hours"] = core_hours((finished_at - started_at).total_seconds(), cpus)
    return out
