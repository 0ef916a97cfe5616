"""Every number in every job spec is finite and bounded, XYZ coordinates included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from molyte.domain.qc_spec import MoleculeSpec
from molyte.domain.specs import SPEC_MODELS


def _numbers(
    schema: dict[str, Any], defs: dict[str, Any], path: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    if "$ref" in schema:
        yield from _numbers(defs[schema["$ref"].rsplit("/", 1)[1]], defs, path)
        return
    for option in schema.get("anyOf", []) + schema.get("allOf", []):
        yield from _numbers(option, defs, path)
    if schema.get("type") in ("number", "integer"):
        yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from _numbers(sub, defs, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _numbers(schema["items"], defs, f"{path}.N")


@pytest.mark.parametrize("job_type", list(SPEC_MODELS))
def test_every_number_field_has_both_bounds(job_type: Any) -> None:
    schema = SPEC_MODELS[job_type].model_json_schema()
    fields = list(_numbers(schema, schema.get("$defs", {}), job_type.value))
    assert len(fields) > 5
    unbounded = [
        path
        for path, s in fields
        if not (
            {"minimum", "exclusiveMinimum"} & s.keys()
            and {"maximum", "exclusiveMaximum"} & s.keys()
        )
    ]
    assert unbounded == []


@pytest.mark.parametrize("line", ["O 1e999 0 0", "O 0 -1e400 0", "O 0 0 1001", "O 0 0 -2e3"])
def test_xyz_coordinates_are_finite_and_bounded(line: str) -> None:
    with pytest.raises(ValidationError) as refused:
        MoleculeSpec(xyz=line + "\nH 0 0 0.96\nH 0.93 0 -0.24")
    assert "xyz atom line 1: coordinates must be finite numbers from -1000 to 1000" in str(
        refused.value
    )
    MoleculeSpec(xyz="O 0 0 999.5\nH 0 0 1000\nH 0.93 0 1000")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_inf_and_nan_are_refused_everywhere(value: float) -> None:
    from molyte.domain.md_spec import SolventSpec

    with pytest.raises(ValidationError, match="finite number"):
        SolventSpec(smiles="CCO", density=value)
