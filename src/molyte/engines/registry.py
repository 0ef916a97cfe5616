"""Engines by short name (`lammps`, `gaussian`, `pyscf`, `xtb`), as workers advertise them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from molyte.engines.base import Engine, EngineContext

log = logging.getLogger(__name__)


def all_engines() -> dict[str, Engine]:
    """Every engine Molyte has, whether or not this machine can run it."""
    from molyte.engines.qc.registry import QC_ENGINES

    engines: dict[str, Engine] = {}
    try:
        from molyte.engines.md.engine import MDEngine

        engines["lammps"] = MDEngine()
    except ImportError as exc:  # the MD engine's own dependencies are missing
        log.warning("MD engine unavailable: %s", exc)
    engines.update(QC_ENGINES)
    return engines


def available_engines(ctx: EngineContext, job_types: Iterable[str]) -> dict[str, Engine]:
    """The engines this machine can run; a missing one is not advertised, with a warning."""
    wanted = set(job_types)
    found: dict[str, Engine] = {}
    for name, engine in all_engines().items():
        if engine.job_type.value not in wanted:
            continue
        if name not in ctx.missing and engine.available(ctx):
            found[name] = engine
        else:
            log.warning("engine %s is not available on this machine: not advertised", name)
    return found
