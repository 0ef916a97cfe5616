"""Short-lived download URLs for result files."""

from __future__ import annotations

from molyte.api.context import AppContext
from molyte.db.models import ResultFile


def download_url(ctx: AppContext, f: ResultFile) -> str:
    return ctx.store.presign_get(f.storage_key, ctx.settings.result_url_seconds, filename=f.name)


def zip_url(ctx: AppContext, job_id: int) -> str | None:
    return None
