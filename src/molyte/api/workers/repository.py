"""Queries of the worker API, above all the claim: one atomic statement per claim."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, text, tuple_, update
from sqlalchemy.orm import Session

from molyte.db.models import Job, JobEvent, Worker
from molyte.domain.states import LEASED_STATES, JobState

# SQLite has no row locks: claims in one process are serialised here, and SQLite's own
# write lock serialises them against other processes.
_sqlite_claim_lock = threading.Lock()

QC_AUTO_ENGINES = {"gaussian", "pyscf"}


def _claimable(
    job_types: Sequence[str], engines: Sequence[str] | None, partitions: Sequence[str] | None
) -> list[Any]:
    """WHERE clauses for jobs this worker can run."""
    where: list[Any] = [Job.state == JobState.PENDING.value, Job.type.in_(list(job_types))]
    if engines is not None:
        engine_ok: list[Any] = [Job.engine.is_(None), Job.engine.in_(list(engines))]
        if QC_AUTO_ENGINES & set(engines):
            engine_ok.append(Job.engine == "auto")
        where.append(or_(*engine_ok))
    if partitions is not None:
        where.append(or_(Job.partition.is_(None), Job.partition.in_(list(partitions))))
    return where


def _order() -> list[Any]:
    return [Job.priority.desc(), Job.created_at, Job.id]


def pending(db: Session, job_types: Sequence[str], limit: int) -> Sequence[Job]:
    stmt = select(Job).where(*_claimable(job_types, None, None)).order_by(*_order()).limit(limit)
    return db.scalars(stmt).all()


@dataclass(frozen=True)
class ClaimedJob:
    """A job just leased to a worker: what the worker needs to run it."""

    id: int
    type: str
    name: str
    priority: int
    spec: dict[str, Any]
    engine: str | None
    attempts: int
    lease_token: str
    lease_expires_at: datetime
    created_at: datetime


# PostgreSQL: pick, lease and record the events in ONE statement. SKIP LOCKED lets concurrent
# claimers pass each other's locked rows instead of waiting on them.
_PG_CLAIM = text("""
WITH picked AS (
    SELECT id FROM jobs
    WHERE state = 'PENDING' AND type = ANY(:types)
      AND (CAST(:any_engine AS boolean) OR engine IS NULL OR engine = ANY(:engines)
           OR (engine = 'auto' AND CAST(:auto_ok AS boolean)))
      AND (CAST(:any_partition AS boolean) OR partition IS NULL OR partition = ANY(:partitions))
    ORDER BY priority DESC, created_at, id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE jobs SET state = 'CLAIMED', worker_name = :worker,
        lease_token = replace(CAST(gen_random_uuid() AS text), '-', ''),
        lease_expires_at = :expires, attempts = jobs.attempts + 1, updated_at = :now
    FROM picked WHERE jobs.id = picked.id
    RETURNING jobs.id, jobs.type, jobs.name, jobs.priority, jobs.spec, jobs.engine,
              jobs.attempts, jobs.lease_token, jobs.lease_expires_at, jobs.created_at
), events AS (
    INSERT INTO job_events (job_id, time, from_state, to_state, actor, message)
    SELECT id, :now, 'PENDING', 'CLAIMED', :actor, :message FROM claimed
)
SELECT * FROM claimed
""")


def claim(
    db: Session,
    *,
    worker: str,
    actor: str,
    job_types: Sequence[str],
    engines: Sequence[str] | None,
    partitions: Sequence[str] | None,
    limit: int,
    now: datetime,
    lease_expires_at: datetime,
    postgres: bool,
) -> list[ClaimedJob]:
    """Lease up to `limit` PENDING jobs to `worker`, each with a new lease token."""
    if postgres:
        # A claim may skip the WAL flush at commit: if PostgreSQL crashed right after, the job
        # would simply be PENDING again, and the worker's first report with the lost lease
        # token gets 409, so it cancels its batch job (fencing). Saves a disk flush per claim.
        db.execute(text("SET LOCAL synchronous_commit = off"))
        rows = db.execute(
            _PG_CLAIM,
            {
                "types": list(job_types),
                "any_engine": engines is None,
                "engines": list(engines or []),
                "auto_ok": bool(QC_AUTO_ENGINES & set(engines or [])),
                "any_partition": partitions is None,
                "partitions": list(partitions or []),
                "limit": limit,
                "worker": worker,
                "expires": lease_expires_at,
                "now": now,
                "actor": actor,
                "message": f"claimed by {worker}",
            },
        ).all()
        jobs = [ClaimedJob(*row) for row in rows]
    else:
        jobs = _claim_sqlite(
            db,
            worker,
            actor,
            _claimable(job_types, engines, partitions),
            limit,
            now,
            lease_expires_at,
        )
    jobs.sort(key=lambda j: (-j.priority, j.created_at, j.id))
    return jobs


def _claim_sqlite(
    db: Session,
    worker: str,
    actor: str,
    where: list[Any],
    limit: int,
    now: datetime,
    lease_expires_at: datetime,
) -> list[ClaimedJob]:
    jobs: list[ClaimedJob] = []
    with _sqlite_claim_lock:
        ids = db.scalars(select(Job.id).where(*where).order_by(*_order()).limit(limit)).all()
        for job_id in ids:
            token = uuid.uuid4().hex
            row = db.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.PENDING.value)
                .values(
                    state=JobState.CLAIMED.value,
                    worker_name=worker,
                    lease_token=token,
                    lease_expires_at=lease_expires_at,
                    attempts=Job.attempts + 1,
                    updated_at=now,
                )
                .returning(
                    Job.id,
                    Job.type,
                    Job.name,
                    Job.priority,
                    Job.spec,
                    Job.engine,
                    Job.attempts,
                    Job.lease_token,
                    Job.lease_expires_at,
                    Job.created_at,
                )
            ).first()
            if row is not None:
                jobs.append(ClaimedJob(*row))
        if jobs:
            db.execute(
                insert(JobEvent),
                [
                    {
                        "job_id": j.id,
                        "time": now,
                        "from_state": JobState.PENDING.value,
                        "to_state": JobState.CLAIMED.value,
                        "actor": actor,
                        "message": f"claimed by {worker}",
                    }
                    for j in jobs
                ],
            )
    return jobs


def lease_states(db: Session, job_ids: Sequence[int]) -> list[tuple[int, str, str | None]]:
    if not job_ids:
        return []
    rows = db.execute(select(Job.id, Job.state, Job.lease_token).where(Job.id.in_(list(job_ids))))
    return [(i, s, t) for i, s, t in rows]


def extend_leases(
    db: Session, pairs: Sequence[tuple[int, str]], worker: str, expires: datetime
) -> int:
    """Extend the leases of jobs this worker still holds (id and token both match)."""
    if not pairs:
        return 0
    result = db.execute(
        update(Job)
        .where(
            tuple_(Job.id, Job.lease_token).in_(list(pairs)),
            Job.state.in_([s.value for s in LEASED_STATES]),
        )
        .values(lease_expires_at=expires, worker_name=worker)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def worker_by_name(db: Session, name: str) -> Worker | None:
    return db.scalar(select(Worker).where(Worker.name == name))


def add_worker(db: Session, worker: Worker) -> None:
    db.add(worker)
    db.flush()


def list_workers(db: Session) -> Sequence[Worker]:
    return db.scalars(select(Worker).order_by(Worker.name)).all()


def running_counts(db: Session) -> dict[str, int]:
    rows = db.execute(
        select(Job.worker_name, func.count())
        .where(Job.state.in_([s.value for s in LEASED_STATES]), Job.worker_name.is_not(None))
        .group_by(Job.worker_name)
    )
    return {str(w): int(n) for w, n in rows}


def expired_leases(db: Session, now: datetime, limit: int = 500) -> Sequence[Job]:
    stmt = (
        select(Job)
        .where(
            Job.state.in_([s.value for s in LEASED_STATES]),
            Job.lease_expires_at.is_not(None),
            Job.lease_expires_at < now,
        )
        .order_by(Job.lease_expires_at)
        .limit(limit)
    )
    return db.scalars(stmt).all()


def mark_offline(db: Session, before: datetime) -> int:
    result = db.execute(
        update(Worker)
        .where(Worker.online.is_(True), Worker.last_heartbeat < before)
        .values(online=False)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
