"""Short-lived download URLs for result files and their zip."""

from __future__ import annotations

from typing import Any

from molyte.api.context import AppContext
from molyte.db.models import ResultFile
from molyte.storage.uploads import result_links


def links(ctx: AppContext, job_id: int, files: list[ResultFile]) -> dict[str, Any]:
    """`{files: [{name, size, sha256, url}], zip_url}` with URLs valid for a few minutes."""
    entries = [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files]
    return result_links(ctx.store, ctx.url_signer, job_id, entries, ctx.settings.result_url_seconds)
