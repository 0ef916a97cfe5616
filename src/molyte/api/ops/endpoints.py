"""`/healthz` and `/metrics`, at the root and without authentication."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from molyte import __version__
from molyte.api.deps import Ctx
from molyte.api.ops.metrics import Metrics

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(ctx: Ctx) -> dict[str, str]:
    """Alive and able to reach the database."""
    with ctx.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__}


@router.get("/metrics")
def metrics(ctx: Ctx) -> Response:
    return Response(ctx.feature(Metrics).render(), media_type=CONTENT_TYPE_LATEST)
