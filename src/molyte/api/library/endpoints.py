"""`/api/v1/library` (salts and solvents with full names) and `/api/v1/depict` (SVG of a SMILES)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import TypeAdapter, ValidationError

from molyte.api.deps import CurrentUser
from molyte.domain.common import Smiles
from molyte.engines.depict import smiles_to_svg
from molyte.errors import InvalidInput

router = APIRouter(tags=["library"])
_smiles = TypeAdapter(Smiles)


@router.get("/library")
def library(user: CurrentUser) -> dict[str, Any]:
    # Imported here: the force-field library is only read when the forms ask for it.
    from molyte.engines.md.library import library_catalog

    return dict(library_catalog())


@router.get("/depict")
def depict(user: CurrentUser, smiles: Annotated[str, Query(max_length=300)]) -> Response:
    try:
        _smiles.validate_python(smiles)
    except ValidationError as exc:
        raise InvalidInput(f"smiles: {exc.errors()[0]['msg']}") from exc
    return Response(
        smiles_to_svg(smiles),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=3600"},
    )
