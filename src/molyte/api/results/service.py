"""Rules for result files: only the lease holder uploads; nothing is registered without
its bytes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from molyte.api.auth.principal import Principal
from molyte.api.context import AppContext
from molyte.api.jobs import repository as jobs_repo
from molyte.api.results.schemas import CompleteRequest, RegisterRequest, UploadRequest
from molyte.api.workers.service import held_job
from molyte.db.models import ResultFile
from molyte.domain.states import JobState
from molyte.errors import Conflict
from molyte.storage import uploads

SUMMARY_MAX_BYTES = 1_000_000


def upload_instructions(
    db: Session, ctx: AppContext, principal: Principal, job_id: int, body: UploadRequest
) -> Any:
    held_job(db, job_id, body.lease_token, principal)
    return uploads.upload_instructions(
        ctx.store,
        job_id,
        body.name,
        body.size,
        body.sha256.lower(),
        part_size=body.part_size,
        part_sha256=body.part_sha256,
        multipart_threshold=ctx.settings.multipart_threshold_bytes,
    )


def complete_upload(
    db: Session, ctx: AppContext, principal: Principal, job_id: int, body: CompleteRequest
) -> Any:
    held_job(db, job_id, body.lease_token, principal)
    return uploads.complete_upload(
        ctx.store, job_id, body.name, body.upload_id, [p.model_dump() for p in body.parts]
    )


def register(
    db: Session, ctx: AppContext, principal: Principal, job_id: int, body: RegisterRequest
) -> int:
    """Check every object in the store, then record the files and the summary (idempotent)."""
    job = held_job(db, job_id, body.lease_token, principal)
    if JobState(job.state) not in (JobState.RUNNING, JobState.POSTPROCESSING, JobState.QUEUED):
        raise Conflict(f"Results cannot be registered while the job is {job.state}")
    import json

    if len(json.dumps(body.summary)) > SUMMARY_MAX_BYTES:
        raise Conflict("summary is larger than 1 MB")
    checked = uploads.verify_results(ctx.store, job_id, [f.model_dump() for f in body.files])
    total = 0
    for entry in checked:
        row = jobs_repo.file_by_name(db, job_id, entry["name"])
        if row is None:
            row = ResultFile(job_id=job_id, name=entry["name"])
            jobs_repo.add(db, row)
        row.size = entry["size"]
        row.sha256 = entry["sha256"] or ""
        row.storage_key = entry["key"]
        total += int(entry["size"])
    job.summary = body.summary
    return total
