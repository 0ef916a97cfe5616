"""Rules of the worker protocol: leased claims with fencing, status reports, heartbeats, and
the sweeper that applies lease expiry."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from molyte.api.auth import service as auth_service
from molyte.api.auth.principal import Principal
from molyte.api.jobs import repository as jobs_repo
from molyte.api.jobs.lifecycle import move, note
from molyte.api.workers import repository as repo
from molyte.config import ServerSettings
from molyte.db.models import Job, Worker
from molyte.domain.failures import REQUEUE_REASONS, FailureReason
from molyte.domain.states import WORKER_REPORTABLE, JobState
from molyte.errors import Conflict, InvalidInput, NotFound
from molyte.protocol import ClaimRequest, Heartbeat, StatusUpdate

log = logging.getLogger(__name__)


def claim_query(
    settings: ServerSettings, principal: Principal, body: ClaimRequest
) -> repo.ClaimQuery:
    """What a claim asks for, with the server's limits and a lease from now."""
    now = datetime.now(UTC)
    can = repo.Capabilities(
        job_types=[t.value for t in body.job_types],
        engines=body.engines,
        partitions=body.partitions or (),
        cluster=body.cluster,
    )
    return repo.ClaimQuery(
        worker=worker_name(principal, body.worker_name),
        actor=principal.actor,
        can=can,
        limit=min(body.limit, settings.max_claim_limit),
        default_max_running=settings.default_max_running_jobs,
        now=now,
        lease_expires_at=now + timedelta(seconds=settings.lease_seconds),
    )


def worker_name(principal: Principal, asked: str | None) -> str:
    """The name a claim is made under: the one asked for, else the token's bound name."""
    return asked or principal.worker_name or principal.name


async def check_worker_name(
    sessions: sessionmaker[Session], principal: Principal, name: str
) -> None:
    """403 unless `principal` may act as worker `name` (binds an unbound token to it); no
    database call once the token is bound and cached."""
    if principal.token_name is None or principal.worker_name == name:
        return

    def check() -> None:
        with sessions.begin() as db:
            auth_service.bind_worker_name(db, principal, name)

    await run_in_threadpool(check)


async def claim(
    pools: repo.ClaimPools | None,
    sessions: sessionmaker[Session],
    settings: ServerSettings,
    principal: Principal,
    body: ClaimRequest,
) -> repo.ClaimResult:
    """Lease up to `body.limit` jobs the caller can run, in claim order, in one atomic step:
    one statement on PostgreSQL's async pool, or a serialised transaction on SQLite (in a
    worker thread)."""
    q = claim_query(settings, principal, body)
    if body.worker_name is not None:  # unnamed: the bound name, else the token's own
        await check_worker_name(sessions, principal, body.worker_name)
    if pools is not None:
        return await repo.claim_postgres(pools, q)
    return await run_in_threadpool(repo.claim_sqlite, sessions, q)


def held_job(db: Session, job_id: int, lease_token: str, principal: Principal) -> Job:
    """The job, locked, if `lease_token` is its current lease and `principal` holds it (the
    caller that claimed it); else 409 and nothing changes."""
    job = jobs_repo.get(db, job_id, for_update=True)
    if job is None:
        raise NotFound("Job not found")
    if job.lease_token is None or job.lease_token != lease_token:
        raise Conflict("Stale lease token: the job is no longer leased to you")
    if job.lease_holder is not None and job.lease_holder != principal.actor:
        raise Conflict("The job is leased to another worker's credentials, not yours")
    return job


def report_status(
    db: Session, settings: ServerSettings, principal: Principal, job_id: int, body: StatusUpdate
) -> Job:
    """Apply a worker's status report; stale token or illegal transition -> 409."""
    if body.state not in WORKER_REPORTABLE:
        raise Conflict(f"Workers cannot move a job to {body.state}")
    if body.state is JobState.FAILED and body.failure_reason is None:
        raise InvalidInput("failure_reason is required when state is FAILED")
    job = held_job(db, job_id, body.lease_token, principal)
    now = datetime.now(UTC)
    current = JobState(job.state)
    new = body.state
    reason = body.failure_reason
    requeue = (
        new is JobState.FAILED
        and reason in REQUEUE_REASONS
        and job.attempts < settings.max_attempts
    )
    if requeue:
        new = JobState.PENDING
    if new is not current:
        message = body.message
        if requeue:
            message = f"{reason}: requeued (attempt {job.attempts} of {settings.max_attempts})"
        move(db, job, new, actor=principal.actor, message=message, now=now)
    elif body.message is not None and body.message != jobs_repo.last_event_message(db, job.id):
        # Same state with news (e.g. a resubmission after a repair): a note in the timeline.
        note(db, job, actor=principal.actor, message=body.message, now=now)
    elif body.message is None and body.scheduler_job_id is None and not _has_progress(body):
        # A repeated report (a retried call) changes nothing.
        return job
    if new is not JobState.PENDING:
        if body.scheduler_job_id is not None:
            job.scheduler_job_id = body.scheduler_job_id
        if body.progress is not None:
            job.progress = body.progress
        if new is JobState.RUNNING:
            _apply_progress(db, job, body, now)
        else:  # stage and time left describe a run in progress only
            job.stage = job.eta_seconds = None
        if new is JobState.COMPLETED:
            job.progress = 1.0
        if new is JobState.FAILED:
            job.failure_reason = (reason or FailureReason.UNKNOWN).value
        if new.leased:
            job.lease_expires_at = now + timedelta(seconds=settings.lease_seconds)
    if body.log_tail is not None:
        job.log_tail = body.log_tail
    job.updated_at = now
    return job


def _has_progress(body: StatusUpdate) -> bool:
    return any(v is not None for v in (body.progress, body.stage, body.eta_seconds, body.live))


def _apply_progress(db: Session, job: Job, body: StatusUpdate, now: datetime) -> None:
    """Record a running job's stage, time left and live numbers (replacing the last ones)."""
    if body.stage is not None:
        job.stage = body.stage
    if body.progress is not None or body.stage is not None:
        job.eta_seconds = body.eta_seconds  # an estimate without a new one is stale
    if body.live is not None:
        jobs_repo.put_live(db, job.id, list(body.live.columns), body.live.rows, now)


def heartbeat(
    db: Session, settings: ServerSettings, principal: Principal, body: Heartbeat
) -> list[int]:
    """Record the worker, extend the leases it still holds, and say which jobs to cancel."""
    auth_service.bind_worker_name(db, principal, body.name)
    now = datetime.now(UTC)
    worker = repo.worker_by_name(db, body.name)
    if worker is None:
        worker = Worker(name=body.name)
        repo.add_worker(db, worker)
    worker.hostname = body.hostname
    worker.version = body.version
    worker.capacity = body.capacity
    worker.job_types = [t.value for t in body.job_types]
    worker.engines = list(body.engines)
    worker.partitions = list(body.partitions)
    worker.cluster = body.cluster
    worker.running = len(body.running)
    worker.online = True
    worker.last_heartbeat = now
    pairs = [(r.job_id, r.lease_token) for r in body.running]
    expires = now + timedelta(seconds=settings.lease_seconds)
    repo.extend_leases(db, pairs, body.name, principal.actor, expires)
    tokens = dict(pairs)
    cancel = []
    known = set()
    for job_id, state, token, holder in repo.lease_states(db, list(tokens)):
        known.add(job_id)
        # Cancelled by a user, finished elsewhere, or leased to someone else (fenced).
        mine = token == tokens[job_id] and holder in (None, principal.actor)
        if not mine or not JobState(state).leased:
            cancel.append(job_id)
    cancel.extend(j for j in tokens if j not in known)  # deleted jobs
    return sorted(set(cancel))


@dataclass
class SweepResult:
    requeued: int = 0
    failed: int = 0
    offline: list[Worker] = field(default_factory=list)  # marked offline by this sweep


def sweep(db: Session, settings: ServerSettings, now: datetime | None = None) -> SweepResult:
    """Apply lease expiry and mark silent workers offline; returns what it did."""
    now = now or datetime.now(UTC)
    done = SweepResult()
    grace = timedelta(seconds=settings.grace_seconds)
    for job in repo.expired_leases(db, now):
        assert job.lease_expires_at is not None
        state = JobState(job.state)
        if state.in_scheduler and now < job.lease_expires_at + grace:
            continue  # its worker may still come back and re-attach
        if job.attempts >= settings.max_attempts:
            move(
                db,
                job,
                JobState.FAILED,
                actor="sweeper",
                message=f"lease expired; {job.attempts} attempts used",
                now=now,
            )
            job.failure_reason = FailureReason.MAX_ATTEMPTS.value
            done.failed += 1
        else:
            move(
                db,
                job,
                JobState.PENDING,
                actor="sweeper",
                message=f"lease of {job.worker_name} expired in {state}; requeued",
                now=now,
            )
            done.requeued += 1
        log.info("lease expired", extra={"job_id": job.id, "action": "sweep"})
    done.offline = repo.mark_offline(db, now - timedelta(seconds=settings.worker_offline_seconds))
    return done


def workers_view(db: Session, settings: ServerSettings) -> list[tuple[Worker, bool, int]]:
    """Each worker with its online state (recent heartbeat) and its leased jobs."""
    now = datetime.now(UTC)
    counts = repo.running_counts(db)
    offline_after = timedelta(seconds=settings.worker_offline_seconds)
    out = []
    for w in repo.list_workers(db):
        online = w.last_heartbeat is not None and now - w.last_heartbeat < offline_after
        out.append((w, online, counts.get(w.name, 0)))
    return out
