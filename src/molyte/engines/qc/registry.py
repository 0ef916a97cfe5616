"""The QC engines by short name (`QC_ENGINES`), the one that runs a spec on this machine
(`engine: auto` and engine routes, `molyte.domain.engines`), and the input each would write.
"""

from __future__ import annotations

import json

from molyte.domain.engines import choose_engine, engine_route, route_engines
from molyte.domain.qc_spec import QCSpec
from molyte.engines.base import Engine, EngineContext
from molyte.engines.qc.gaussian import Attempt, GaussianEngine, build_gjf
from molyte.engines.qc.geometry import initial_geometry
from molyte.engines.qc.pyscf_calc import pyscf_params
from molyte.engines.qc.runner_engines import PyscfEngine, XtbEngine
from molyte.engines.qc.steps import plan_steps
from molyte.engines.qc.xtb import step_xyz, xtb_command
from molyte.errors import InvalidInput

QC_ENGINES: dict[str, Engine] = {
    "gaussian": GaussianEngine(),
    "pyscf": PyscfEngine(),
    "xtb": XtbEngine(),
}


def engines_available(ctx: EngineContext) -> list[str]:
    """Names of the QC engines this machine can run (the worker advertises these)."""
    return [name for name, engine in QC_ENGINES.items() if engine.available(ctx)]


def resolve_engine_name(spec: QCSpec, gaussian_available: bool) -> str:
    """The engine name for `spec` on a machine with PySCF and xtb, and Gaussian when
    `gaussian_available`: the first engine of its route there (`molyte.domain.engines`), else
    the route's first engine (whose absence the caller then reports)."""
    route = engine_route(spec)
    here = {"pyscf", "xtb", *(["gaussian"] if gaussian_available else [])}
    return choose_engine(route, here) or route_engines(route)[0]


def select_engine(spec: QCSpec, ctx: EngineContext) -> Engine:
    """The engine that runs `spec` on this machine (see `resolve_engine_name`); raises
    InvalidInput when that engine is not available here."""
    name = resolve_engine_name(spec, QC_ENGINES["gaussian"].available(ctx))
    engine = QC_ENGINES[name]
    if not engine.available(ctx):
        raise InvalidInput(f"engine {name} is not available on this machine")
    return engine


def render_input(spec: QCSpec, engine: str, xtb_bin: str = "xtb") -> str:
    """What `prepare` would write, for people to read: the `.gjf` of each step for Gaussian,
    the xtb command and XYZ of each step, or the PySCF run parameters as JSON."""
    steps = plan_steps(spec, initial_geometry(spec.molecule))
    parts: list[str] = []
    for step in steps:
        if engine == "gaussian":
            stem = "input" if len(steps) == 1 else step.name
            text = build_gjf(spec, step, stem, Attempt(), restart=False)
            parts.append(text if len(steps) == 1 else f"! {stem}.gjf\n{text}")
        elif engine == "xtb":
            command = " ".join(xtb_command(xtb_bin, spec, step))
            parts.append(f"# step {step.name}: {command}\n{step_xyz(step)}")
        else:
            parts.append(json.dumps(pyscf_params(spec, step), indent=2) + "\n")
    if engine == "pyscf" and len(steps) > 1:
        return "[\n" + ",\n".join(p.rstrip() for p in parts) + "\n]\n"
    return "\n".join(parts)
