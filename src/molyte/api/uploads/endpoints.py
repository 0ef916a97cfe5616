"""`/api/v1/workers/jobs/{id}/uploads|results`: thin handlers for result transfer."""

from __future__ import annotations

from fastapi import APIRouter

from molyte.api.deps import DB, Ctx, CurrentWorker, JobId
from molyte.api.ops.metrics import Metrics
from molyte.api.uploads import service
from molyte.protocol import (
    CompleteReply,
    CompleteRequest,
    RegisterReply,
    RegisterRequest,
    UploadReply,
    UploadRequest,
)

router = APIRouter(prefix="/workers/jobs", tags=["workers"])


@router.post("/{job_id}/uploads")
def request_upload(
    job_id: JobId, body: UploadRequest, worker: CurrentWorker, db: DB, ctx: Ctx
) -> UploadReply:
    """A presigned PUT (or multipart part URLs) for one result file of a job we lease."""
    return service.upload_instructions(db, ctx, worker, job_id, body)


@router.post("/{job_id}/uploads/complete")
def complete_upload(
    job_id: JobId, body: CompleteRequest, worker: CurrentWorker, db: DB, ctx: Ctx
) -> CompleteReply:
    return service.complete_upload(db, ctx, worker, job_id, body)


@router.post("/{job_id}/results")
def register_results(
    job_id: JobId, body: RegisterRequest, worker: CurrentWorker, db: DB, ctx: Ctx
) -> RegisterReply:
    """Register uploaded files after checking their size and checksum in the store."""
    total = service.register(db, ctx, worker, job_id, body)
    ctx.feature(Metrics).upload_bytes.inc(total)
    return RegisterReply(registered=len(body.files), bytes=total)
