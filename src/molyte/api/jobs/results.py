"""Short-lived download URLs for a job's registered result files and their zip
(`GET /jobs/{id}/results`)."""

from __future__ import annotations

from typing import Any

from molyte.api.context import AppContext
from molyte.db.models import Job, ResultFile
from molyte.storage.keys import result_prefix
from molyte.storage.uploads import result_links


def links(ctx: AppContext, job: Job, files: list[ResultFile]) -> dict[str, Any]:
    """`{files: [{name, size, sha256, url}], zip_url}` with URLs valid for a few minutes, for
    the registered files only (each link names its registered key)."""
    entries = [
        {"name": f.name, "size": f.size, "sha256": f.sha256, "key": f.storage_key} for f in files
    ]
    return result_links(
        ctx.store,
        ctx.url_signer,
        result_prefix(job.id, job.storage_prefix),
        entries,
        ctx.settings.result_url_seconds,
        zip_name=f"job-{job.id}-results.zip",
    )
