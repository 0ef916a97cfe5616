"""Which engine runs a job: the one decision that the server's claim filter and the worker share.

A job's *route* is the engines that may run it, in order of preference, written as one string
(`"xtb"`, `"gaussian|pyscf"`). It is computed from the spec alone when the job is submitted and
stored on the job, so the claim (one SQL statement) only compares strings: a worker gets a job
only if it has one of the route's engines, and the worker then runs the first of them it has.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pydantic import BaseModel

from molyte.domain.md_spec import MDSpec
from molyte.domain.qc_spec import (
    NOT_IN_GAUSSIAN,
    NOT_IN_PYSCF,
    XTB_METHOD,
    ChargeScheme,
    QCEngineName,
    QCSpec,
)

ROUTE_SEPARATOR = "|"
# Every route `engine_route` can return: the claim turns a worker's engines into the routes it
# serves from this list, so a route missing here would never be claimed (a unit test checks).
ROUTES: tuple[str, ...] = ("lammps", "gaussian", "pyscf", "xtb", "gaussian|pyscf")


def engine_route(spec: BaseModel) -> str:
    """The engines that may run a validated MD or QC spec, best first, joined by `|`.

    MD runs on LAMMPS. A named QC engine is the only one. `auto`: GFN2-xTB only on xtb;
    otherwise Gaussian when it has the basis set and PySCF when it has the method, Gaussian
    preferred (the route then names both, and the worker takes the first it has); RESP
    charges only on PySCF (the spec's validation has refused what PySCF cannot run).
    """
    if isinstance(spec, MDSpec):
        return "lammps"
    if not isinstance(spec, QCSpec):
        raise TypeError(f"no engine route for {type(spec).__name__}")
    if spec.engine is not QCEngineName.AUTO:
        return spec.engine.value
    if spec.method == XTB_METHOD:
        return "xtb"
    if spec.charges is ChargeScheme.RESP:
        return "pyscf"
    candidates = []
    if spec.basis not in NOT_IN_GAUSSIAN:
        candidates.append("gaussian")
    if spec.method not in NOT_IN_PYSCF or not candidates:
        # With neither, PySCF is still named so that the job fails with its own clear reason.
        candidates.append("pyscf")
    return ROUTE_SEPARATOR.join(candidates)


def route_engines(route: str) -> list[str]:
    """The engines of a route, best first."""
    return route.split(ROUTE_SEPARATOR)


def choose_engine(route: str, available: Collection[str]) -> str | None:
    """The engine that runs a job of this route on a worker with `available` engines, or None."""
    return next((name for name in route_engines(route) if name in available), None)


def routes_served(engines: Iterable[str]) -> list[str]:
    """The routes a worker with these engines can run (what the claim filter compares)."""
    have = set(engines)
    return [route for route in ROUTES if choose_engine(route, have) is not None]
