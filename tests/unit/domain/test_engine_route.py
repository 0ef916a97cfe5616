"""One decision for which engine runs a job (issue 13, item 12): the route of a spec and the
engine a worker takes from it."""

from __future__ import annotations

from typing import Any

import pytest

from molyte.domain.engines import ROUTES, choose_engine, engine_route, routes_served
from molyte.domain.md_spec import MDSpec
from molyte.domain.qc_spec import QCSpec
from molyte.engines.qc.registry import resolve_engine_name


def qc(**fields: Any) -> QCSpec:
    base: dict[str, Any] = {"molecule": {"smiles": "O"}, "method": "B3LYP", "basis": "6-31G*"}
    return QCSpec.model_validate({**base, **fields})


@pytest.mark.parametrize(
    ("fields", "route"),
    [
        ({"method": "GFN2-xTB", "engine": "auto"}, "xtb"),
        ({"engine": "auto"}, "gaussian|pyscf"),
        ({"engine": "auto", "basis": "def2-SVPD"}, "pyscf"),
        ({"engine": "auto", "method": "wB97X-D"}, "gaussian"),
        ({"engine": "pyscf"}, "pyscf"),
        ({"engine": "gaussian"}, "gaussian"),
        ({"method": "GFN2-xTB", "engine": "xtb"}, "xtb"),
        # RESP charges are fitted on PySCF only, so auto does not offer Gaussian
        ({"engine": "auto", "charges": "resp"}, "pyscf"),
        ({"engine": "pyscf", "charges": "resp"}, "pyscf"),
        ({"engine": "auto", "charges": "esp"}, "gaussian|pyscf"),
    ],
)
def test_route_of_a_qc_spec(fields: dict[str, Any], route: str) -> None:
    assert engine_route(qc(**fields)) == route
    assert route in ROUTES


def test_md_runs_on_lammps() -> None:
    md = MDSpec.model_validate(
        {"salts": [{"name": "LiPF6", "concentration": 1.0}], "solvents": [{"name": "EC"}]}
    )
    assert engine_route(md) == "lammps"


def test_an_auto_xtb_job_is_served_only_by_a_worker_with_xtb() -> None:
    assert "xtb" not in routes_served(["gaussian", "pyscf", "lammps"])
    assert "xtb" in routes_served(["xtb"])
    assert routes_served(["pyscf"]) == ["pyscf", "gaussian|pyscf"]
    assert choose_engine("xtb", {"gaussian", "pyscf"}) is None
    assert choose_engine("gaussian|pyscf", {"gaussian", "pyscf"}) == "gaussian"
    assert choose_engine("gaussian|pyscf", {"pyscf", "xtb"}) == "pyscf"


def test_the_qc_cli_resolves_through_the_same_route() -> None:
    assert resolve_engine_name(qc(method="GFN2-xTB", engine="auto"), True) == "xtb"
    assert resolve_engine_name(qc(engine="auto", method="wB97X-D"), False) == "gaussian"
