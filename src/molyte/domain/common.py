"""Validated building blocks shared by the job specs: names, SMILES text, resources.

Nothing a user types reaches a shell or a generated file unless it passes one of these
allow-lists, so every string field here has a character set and a length bound.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import to_jsonable_python

NAME_MAX = 100
SMILES_MAX = 300

# Letters (any script), digits and a few separators; no quotes, no shell or input-file syntax.
_NAME_RE = re.compile(r"^[\w][\w .,()+\-]*$")
# The SMILES alphabet (atoms, bonds, branches, rings, charges, stereo). `$` (quadruple bond)
# is left out on purpose: no electrolyte needs it and it is a shell metacharacter.
_SMILES_RE = re.compile(r"^[A-Za-z0-9@+\-\[\]()=#:/\\%.*]+$")


def _check_text(value: str) -> str:
    for ch in value:
        cat = unicodedata.category(ch)
        # Cc: control (newline, NUL...); Cf: format (bidi overrides, zero-width joiners).
        if cat in ("Cc", "Cf", "Co", "Cs", "Cn"):
            raise ValueError(f"contains a forbidden character U+{ord(ch):04X}")
    return value


def _check_name(value: str) -> str:
    _check_text(value)
    if value != value.strip():
        raise ValueError("must not start or end with spaces")
    if not _NAME_RE.match(value):
        raise ValueError(
            "may contain only letters, digits, spaces and . , ( ) + - _ and must start with a "
            "letter or digit"
        )
    return value


def _check_smiles(value: str) -> str:
    _check_text(value)
    if not _SMILES_RE.match(value):
        raise ValueError("is not a SMILES string (unexpected character)")
    return value


JobName = Annotated[str, Field(min_length=1, max_length=NAME_MAX), AfterValidator(_check_name)]
Smiles = Annotated[str, Field(min_length=1, max_length=SMILES_MAX), AfterValidator(_check_smiles)]
# A cluster or a Slurm partition a job asks for: the partition is written into the batch
# script, so words of letters and digits joined by single `-`, `_` or `.` (`gpu`, `cpu-long`,
# `a100_80g`), nothing an input file or a shell could read as syntax (`--Link1--`).
RouteName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+(?:[_.-][A-Za-z0-9]+)*$"),
]


class StrictModel(BaseModel):
    """Base of every spec model: unknown fields are refused, values are not coerced silently,
    numbers are finite (each float field also has bounds; a unit test checks they all do)."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=False, frozen=True, allow_inf_nan=False
    )


# Spec fields added after workers were deployed are left out of a spec's dump (the stored spec,
# which is the worker's copy) while they hold their default (`Field(exclude_if=...)`): a worker
# from before such a field refuses a spec that names it (`extra="forbid"`), even as null, and
# so would refuse every job instead of only those that use the new field.


def leave_out_unset(value: object) -> bool:
    """`exclude_if` of a newer optional field whose default is None."""
    return value is None


def full_dump(model: BaseModel) -> dict[str, Any]:
    """`model` as JSON with every field, those its dump leaves out at their defaults included:
    the form in which each field has a dotted path for a study or a clone to replace
    (`spec_paths.set_path`). Validating it gives `model` back."""
    return _with_left_out(model, model.model_dump(mode="json"))


def _with_left_out(model: BaseModel, dumped: dict[str, Any]) -> dict[str, Any]:
    """`dumped` (the dump of `model`) with the fields it left out, in the fields' order."""
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name not in dumped:
            out[name] = (
                full_dump(value) if isinstance(value, BaseModel) else (to_jsonable_python(value))
            )
        elif isinstance(value, BaseModel):
            out[name] = _with_left_out(value, dumped[name])
        elif isinstance(value, list | tuple):
            out[name] = [
                _with_left_out(item, item_dumped) if isinstance(item, BaseModel) else item_dumped
                for item, item_dumped in zip(value, dumped[name], strict=True)
            ]
        else:
            out[name] = dumped[name]
    return out


class ResourcesSpec(StrictModel):
    """What a job asks of the cluster; the worker clamps it to its own configured limits."""

    tasks: int = Field(default=1, ge=1, le=1024, description="MPI tasks")
    cpus_per_task: int = Field(default=1, ge=1, le=128)
    memory_mb: int = Field(default=2000, ge=100, le=2_000_000)
    walltime_minutes: int = Field(default=60, ge=1, le=14 * 24 * 60)
