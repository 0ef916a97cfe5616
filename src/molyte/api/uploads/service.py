"""Rules for a job's result files: only the lease holder uploads; nothing is registered
without its bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from molyte import __version__
from molyte.api.auth.principal import Principal
from molyte.api.context import AppContext
from molyte.api.jobs import repository as jobs_repo
from molyte.api.workers import repository as workers_repo
from molyte.api.workers.service import held_job
from molyte.db.models import Job, ResultFile
from molyte.domain import provenance
from molyte.domain.search_keys import result_keys
from molyte.domain.states import JobState
from molyte.errors import Conflict
from molyte.protocol import (
    CompleteReply,
    CompleteRequest,
    MultipartUpload,
    RegisterRequest,
    SingleUpload,
    UploadRequest,
    parse_upload_reply,
)
from molyte.storage import uploads
from molyte.storage.keys import lease_prefix

SUMMARY_MAX_BYTES = 1_000_000


def upload_prefix(job: Job) -> str:
    """Where the current lease holder of `job` uploads (a prefix of its own)."""
    assert job.lease_token is not None  # held_job checked it
    return lease_prefix(job.id, job.storage_prefix, job.lease_token)


def upload_instructions(
    db: Session, ctx: AppContext, principal: Principal, job_id: int, body: UploadRequest
) -> SingleUpload | MultipartUpload:
    job = held_job(db, job_id, body.lease_token, principal)
    prefix = upload_prefix(job)
    row = jobs_repo.file_by_name(db, job_id, body.name)
    if row is not None and row.storage_key.startswith(prefix) and row.sha256 != body.sha256.lower():
        # A registered file never changes under its checksum; the same bytes may come again.
        raise Conflict(f"{body.name} is registered with another sha256")
    instructions = uploads.upload_instructions(
        ctx.store,
        upload_prefix(job),
        body.name,
        body.size,
        body.sha256.lower(),
        part_size=body.part_size,
        part_sha256=body.part_sha256,
        multipart_threshold=ctx.settings.multipart_threshold_bytes,
    )
    return parse_upload_reply(instructions)


def complete_upload(
    db: Session, ctx: AppContext, principal: Principal, job_id: int, body: CompleteRequest
) -> CompleteReply:
    job = held_job(db, job_id, body.lease_token, principal)
    done = uploads.complete_upload(
        ctx.store,
        upload_prefix(job),
        body.name,
        body.upload_id,
        [p.model_dump() for p in body.parts],
    )
    return CompleteReply.model_validate(done)


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
    checked = uploads.verify_results(
        ctx.store, upload_prefix(job), [f.model_dump() for f in body.files]
    )
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
    summary = dict(body.summary)
    summary["provenance"] = _provenance(db, job, summary.get("provenance"))
    job.summary = summary
    for column, value in result_keys(summary).items():
        setattr(job, column, value)
    jobs_repo.drop_live(db, job_id)  # the results replace the live numbers
    return total


def _provenance(db: Session, job: Job, reported: Any) -> dict[str, Any]:
    """The worker's provenance, completed with what the server knows about the run."""
    running = [e.time for e in jobs_repo.events(db, job.id) if e.to_state == JobState.RUNNING.value]
    worker = workers_repo.worker_by_name(db, job.worker_name) if job.worker_name else None
    return provenance.complete(
        reported if isinstance(reported, dict) else None,
        molyte_version=__version__,
        worker=job.worker_name,
        host=worker.hostname if worker else None,
        engine=job.engine,
        scheduler_job_id=job.scheduler_job_id,
        started_at=running[-1] if running else None,
        finished_at=datetime.now(UTC),
        cpus=provenance.requested_cpus(job.spec),
    )
