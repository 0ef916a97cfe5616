"""Queries of the worker API, above all the claim: one atomic statement per claim."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

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


@dataclass(frozen=True)
class ClaimQuery:
    """Who claims what: the inputs of one claim statement."""

    worker: str
    actor: str
    job_types: Sequence[str]
    engines: Sequence[str] | None
    partitions: Sequence[str] | None
    limit: int
    now: datetime
    lease_expires_at: datetime


# PostgreSQL: pick, lease and record the events in ONE statement. SKIP LOCKED lets concurrent
# claimers pass each other's locked rows instead of waiting on them. Written for psycopg
# (`%(name)s` parameters): the claim runs on its own async connection pool, not the ORM.
_PG_CLAIM = """
WITH picked AS (
    SELECT id FROM jobs
    WHERE state = 'PENDING' AND type = ANY(%(types)s)
      AND (%(any_engine)s OR engine IS NULL OR engine = ANY(%(engines)s)
           OR (engine = 'auto' AND %(auto_ok)s))
      AND (%(any_partition)s OR partition IS NULL OR partition = ANY(%(partitions)s))
    ORDER BY priority DESC, created_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE jobs SET state = 'CLAIMED', worker_name = %(worker)s,
        lease_token = replace(CAST(gen_random_uuid() AS text), '-', ''),
        lease_expires_at = %(expires)s, attempts = jobs.attempts + 1, updated_at = %(now)s
    FROM picked WHERE jobs.id = picked.id
    RETURNING jobs.id, jobs.type, jobs.name, jobs.priority, jobs.spec, jobs.engine,
              jobs.attempts, jobs.lease_token, jobs.lease_expires_at, jobs.created_at
), events AS (
    INSERT INTO job_events (job_id, time, from_state, to_state, actor, message)
    SELECT id, %(now)s, 'PENDING', 'CLAIMED', %(actor)s, %(message)s FROM claimed
)
SELECT * FROM claimed
"""


async def claim_postgres(pools: ClaimPools, q: ClaimQuery) -> list[ClaimedJob]:
    """Lease up to `q.limit` PENDING jobs, each with a new lease token, in one statement.

    Runs on a `ClaimPools` connection (autocommit). A connection found dead (the database
    restarted) sends the pool to check its idle connections, and the claim is tried once more.
    """
    pool = await pools.get()
    params = {
        "types": list(q.job_types),
        "any_engine": q.engines is None,
        "engines": list(q.engines or []),
        "auto_ok": bool(QC_AUTO_ENGINES & set(q.engines or [])),
        "any_partition": q.partitions is None,
        "partitions": list(q.partitions or []),
        "limit": q.limit,
        "worker": q.worker,
        "expires": q.lease_expires_at,
        "now": q.now,
        "actor": q.actor,
        "message": f"claimed by {q.worker}",
    }
    for attempt in (1, 2):
        try:
            async with pool.connection() as conn:
                cur = await conn.execute(_PG_CLAIM, params)
                rows = await cur.fetchall()
            break
        except psycopg.OperationalError:
            if attempt == 2:
                raise
            await pool.check()
    jobs = [
        ClaimedJob(
            id=r[0],
            type=r[1],
            name=r[2],
            priority=r[3],
            spec=r[4],
            engine=r[5],
            attempts=r[6],
            lease_token=r[7],
            lease_expires_at=r[8].astimezone(UTC),
            created_at=r[9].astimezone(UTC),
        )
        for r in rows
    ]
    return _in_claim_order(jobs)


class ClaimPools:
    """The async connection pools of `claim_postgres`, one per event loop (a pool belongs to
    the loop that opened it; tests serve one app from more than one loop).

    Connections run in autocommit, and with `synchronous_commit=off`: skipping the WAL flush
    wait is safe for a claim, because if PostgreSQL crashed right after one, the job would
    simply be PENDING again, and the worker's first report with the lost lease token gets
    409, so it cancels its batch job (fencing). It saves a disk flush per claim.
    """

    def __init__(self, dsn: str, max_size: int = 8) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._pools: dict[asyncio.AbstractEventLoop, AsyncConnectionPool] = {}

    async def get(self) -> AsyncConnectionPool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = AsyncConnectionPool(
                self._dsn,
                min_size=1,
                max_size=self._max_size,
                open=False,
                kwargs={"autocommit": True, "options": "-c synchronous_commit=off"},
                name="claims",
            )
            self._pools[loop] = pool
            await pool.open()
        return pool

    async def close(self) -> None:
        """Close this loop's pool (at the end of the app's lifespan)."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()


def claim_sqlite(sessions: sessionmaker[Session], q: ClaimQuery) -> list[ClaimedJob]:
    """The claim on SQLite, which has no row locks: serialised in this process by a lock, and
    against other processes by SQLite's write lock. Commits before the lock is released."""
    with _sqlite_claim_lock, sessions.begin() as db:
        jobs = _claim_sqlite(db, q)
    return _in_claim_order(jobs)


def _in_claim_order(jobs: list[ClaimedJob]) -> list[ClaimedJob]:
    return sorted(jobs, key=lambda j: (-j.priority, j.created_at, j.id))


def _claim_sqlite(db: Session, q: ClaimQuery) -> list[ClaimedJob]:
    jobs: list[ClaimedJob] = []
    where = _claimable(q.job_types, q.engines, q.partitions)
    ids = db.scalars(select(Job.id).where(*where).order_by(*_order()).limit(q.limit)).all()
    for job_id in ids:
        token = uuid.uuid4().hex
        row = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.PENDING.value)
            .values(
                state=JobState.CLAIMED.value,
                worker_name=q.worker,
                lease_token=token,
                lease_expires_at=q.lease_expires_at,
                attempts=Job.attempts + 1,
                updated_at=q.now,
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
                    "time": q.now,
                    "from_state": JobState.PENDING.value,
                    "to_state": JobState.CLAIMED.value,
                    "actor": q.actor,
                    "message": f"claimed by {q.worker}",
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


def mark_offline(db: Session, before: datetime) -> list[Worker]:
    """Mark workers silent since `before` offline; returns those this call changed."""
    rows = db.scalars(
        update(Worker)
        .where(Worker.online.is_(True), Worker.last_heartbeat < before)
        .values(online=False)
        .returning(Worker)
        .execution_options(synchronize_session=False)
    )
    return list(rows)
