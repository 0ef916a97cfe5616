"""`/api/v1/workers`: the polling worker's API. Thin handlers; rules live in `service`."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query

from molyte.api.deps import DB, Ctx, CurrentWorker, JobId
from molyte.api.jobs.schemas import JobOut, job_out
from molyte.api.ops.metrics import Metrics
from molyte.api.workers import repository as repo
from molyte.api.workers import service
from molyte.api.workers.notify import JobNotifier
from molyte.domain.states import JobType
from molyte.protocol import ClaimRequest, Heartbeat, HeartbeatReply, LeasedJob, StatusUpdate
from molyte.storage.keys import lease_prefix

router = APIRouter(prefix="/workers", tags=["workers"])
CONTENDED_RETRIES = 3  # immediate new tries of an empty claim that lost a race


def leased(job: repo.ClaimedJob) -> LeasedJob:
    return LeasedJob(
        id=job.id,
        type=JobType(job.type),
        name=job.name,
        priority=job.priority,
        spec=job.spec,
        engine=job.engine,
        partition=job.partition,
        cluster=job.cluster,
        attempts=job.attempts,
        lease_token=job.lease_token,
        lease_expires_at=job.lease_expires_at.isoformat(),
        result_prefix=lease_prefix(job.id, job.storage_prefix, job.lease_token),
    )


@router.get("/jobs/pending")
def pending(
    worker: CurrentWorker,
    db: DB,
    job_type: JobType | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> list[JobOut]:
    """Claimable jobs, read-only (the seed's polling call)."""
    types = [job_type.value] if job_type else [t.value for t in JobType]
    return [job_out(j) for j in repo.pending(db, types, limit)]


@router.post("/jobs/claim")
async def claim(body: ClaimRequest, worker: CurrentWorker, ctx: Ctx) -> list[LeasedJob]:
    """Lease jobs; with `wait_seconds`, hold the request until a job arrives (long poll)."""
    started = time.monotonic()
    deadline = started + min(body.wait_seconds, ctx.settings.claim_max_wait_seconds)
    retries = CONTENDED_RETRIES
    while True:
        seen = ctx.feature(JobNotifier).generation
        result = await service.claim(
            ctx.find(repo.ClaimPools), ctx.sessions, ctx.settings, worker, body
        )
        jobs = result.jobs
        if not jobs and result.contended and retries > 0:
            retries -= 1  # a claim for the same limited owner won: its jobs are still PENDING
            continue
        remaining = deadline - time.monotonic()
        if jobs or remaining <= 0:
            ctx.feature(Metrics).observe_claim(len(jobs), time.monotonic() - started)
            return [leased(j) for j in jobs]
        await ctx.feature(JobNotifier).wait(seen, remaining)


@router.put("/jobs/{job_id}/status")
def status(job_id: JobId, body: StatusUpdate, worker: CurrentWorker, db: DB, ctx: Ctx) -> JobOut:
    job = service.report_status(db, ctx.settings, worker, job_id, body)
    if job.state == "PENDING":
        ctx.feature(JobNotifier).notify_on_commit(db, job.type)
    return job_out(job)


@router.post("/heartbeat")
def heartbeat(body: Heartbeat, worker: CurrentWorker, db: DB, ctx: Ctx) -> HeartbeatReply:
    cancel = service.heartbeat(db, ctx.settings, worker, body)
    ctx.feature(Metrics).heartbeats.labels(body.name).inc()
    return HeartbeatReply(cancel=cancel, lease_seconds=ctx.settings.lease_seconds)
