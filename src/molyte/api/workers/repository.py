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

from molyte.db.models import ACTIVE_SQL, ACTIVE_STATES, Job, JobEvent, User, Worker
from molyte.domain.engines import routes_served
from molyte.domain.states import LEASED_STATES, JobState

# SQLite has no row locks: claims in one process are serialised here, and SQLite's own
# write lock serialises them against other processes.
_sqlite_claim_lock = threading.Lock()


@dataclass(frozen=True)
class Capabilities:
    """What a claiming worker can run. `engines` None: any engine (no filter). A job that asks
    for a partition or a cluster goes only to a worker that offers it."""

    job_types: Sequence[str]
    engines: Sequence[str] | None = None
    partitions: Sequence[str] = ()
    cluster: str | None = None


def _claimable(can: Capabilities) -> list[Any]:
    """WHERE clauses for jobs this worker can run."""
    where: list[Any] = [Job.state == JobState.PENDING.value, Job.type.in_(list(can.job_types))]
    if can.engines is not None:
        # `jobs.engine` holds the job's engine route (`molyte.domain.engines`).
        where.append(or_(Job.engine.is_(None), Job.engine.in_(routes_served(can.engines))))
    where.append(or_(Job.partition.is_(None), Job.partition.in_(list(can.partitions))))
    where.append(or_(Job.cluster.is_(None), Job.cluster == can.cluster))
    return where


def _order() -> list[Any]:
    return [Job.priority.desc(), Job.created_at, Job.id]


def pending(db: Session, job_types: Sequence[str], limit: int) -> Sequence[Job]:
    """PENDING jobs of these types by priority and age (a read-only view, not the claim order)."""
    where = [Job.state == JobState.PENDING.value, Job.type.in_(list(job_types))]
    return db.scalars(select(Job).where(*where).order_by(*_order()).limit(limit)).all()


@dataclass(frozen=True)
class ClaimedJob:
    """A job just leased to a worker: what the worker needs to run it."""

    id: int
    type: str
    name: str
    priority: int
    spec: dict[str, Any]
    engine: str | None
    partition: str | None
    cluster: str | None
    attempts: int
    lease_token: str
    lease_expires_at: datetime
    created_at: datetime
    storage_prefix: str


@dataclass(frozen=True)
class ClaimQuery:
    """Who claims what: the inputs of one claim statement."""

    worker: str
    actor: str
    can: Capabilities
    limit: int
    default_max_running: int  # for owners whose account sets no limit; 0: no limit
    now: datetime
    lease_expires_at: datetime


@dataclass(frozen=True)
class ClaimResult:
    """The jobs leased, in claim order; `contended`: a concurrent claim for a limited owner
    won a job this claim had picked (it is still PENDING: trying again may get it)."""

    jobs: list[ClaimedJob]
    contended: bool = False


# The claim order (README, "Scheduling"): priority first; within a priority, fair share: an
# owner's k-th claimable job ranks `active + k`, where `active` counts the owner's jobs already
# leased, so owners take turns and one owner's long queue does not starve another's few jobs;
# then age. An owner with a running limit gets at most `limit - active` jobs.
#
# PostgreSQL does it in ONE statement (psycopg `%(name)s` parameters, on the claims' own async
# connection pool, not the ORM): pick, lock, lease, record the events. Each owner's queue is
# an index range of ix_jobs_owner_pending, walked in claim order; a walk that locks uses SKIP
# LOCKED, so concurrent claimers pass each other's locked rows instead of waiting on them.
# - How much of each queue to lock (`quota`), two ways to the same order:
#   * few accounts (accounts x limit <= DIRECT_LOCKS): lock up to `limit` jobs of every
#     account's queue at once, one walk each, and keep the best `limit`;
#   * else read first (`firsts`, `heads`, without locks): only owners whose first job ranks
#     in the top `limit` can be in the batch, and the top `limit` of their queues say how many
#     jobs each gets; then lock just those, about `limit` rows.
# - Leased jobs are counted only where it matters: not for a lone owner without a limit, and
#   for a limited owner only up to its limit (`LIMIT NULL` is no limit).
# - `fill` (second way only) runs when `fair` came up short because other claims held an
#   owner's last jobs: jobs of owners without a running limit, in priority order, so a claim is
#   never empty while a job it may take is free.
# - The updates take their rows by id from an array: an index look-up whatever the planner
#   guesses of the batch size (the plan is generic: see `ClaimPools`).
# - Running limits under concurrency: the counts come from this statement's snapshot, so a
#   claim for a limited owner locks the owner's row (in id order: no deadlock) and goes on only
#   if `claim_seq` is unchanged, i.e. no other claim for that owner committed since the
#   snapshot (PostgreSQL re-checks the WHERE clause on the newest version of a row it waited
#   for), then bumps `claim_seq`. Losing that race leaves the owner's jobs PENDING, and the
#   statement says so (a picked row without its claimed row) so the caller can try again.
# ACTIVE_SQL is a constant (the leased states), not input.
DIRECT_LOCKS = 64
_PG_CLAIMABLE = """j.state = 'PENDING' AND j.type = ANY(%(types)s)
          AND (%(any_engine)s OR j.engine IS NULL OR j.engine = ANY(%(routes)s))
          AND (j.partition IS NULL OR j.partition = ANY(%(partitions)s))
          AND (j.cluster IS NULL OR j.cluster = CAST(%(cluster)s AS text))"""
_PG_CLAIM = f"""
WITH accounts AS (
    SELECT id, claim_seq,
           NULLIF(COALESCE(max_running_jobs, %(default_max_running)s), 0) AS max_running
    FROM users
), direct AS (
    SELECT count(*) * %(limit)s <= %(direct_locks)s AS yes FROM accounts
), firsts AS (
    SELECT a.id, a.claim_seq, a.max_running, f.priority, f.created_at, f.id AS job_id
    FROM accounts a CROSS JOIN LATERAL (
        SELECT j.id, j.priority, j.created_at FROM jobs j
        WHERE j.owner_id = a.id AND {_PG_CLAIMABLE}
        ORDER BY j.owner_id, j.priority DESC, j.created_at, j.id LIMIT 1
    ) f
    WHERE NOT (SELECT yes FROM direct)
), owners AS (
    SELECT * FROM firsts
    UNION ALL
    SELECT id, claim_seq, max_running, NULL, NULL, NULL FROM accounts
    WHERE (SELECT yes FROM direct)
), rooms AS (
    SELECT o.*, LEAST(%(limit)s, COALESCE(o.max_running - o.active, %(limit)s)) AS room
    FROM (
        SELECT owners.*,
               CASE WHEN max_running IS NOT NULL OR (SELECT count(*) FROM owners) > 1
                    THEN (SELECT count(*) FROM (
                        SELECT 1 FROM jobs a WHERE a.owner_id = owners.id AND a.{ACTIVE_SQL}
                        LIMIT owners.max_running
                    ) a)
                    ELSE 0 END AS active
        FROM owners
    ) o
    WHERE o.max_running IS NULL OR o.active < o.max_running
), leaders AS (
    SELECT * FROM rooms WHERE NOT (SELECT yes FROM direct)
    ORDER BY priority DESC, active, created_at, job_id LIMIT %(limit)s
), heads AS (
    SELECT l.id AS owner_id, h.priority, h.created_at, h.id,
           l.active + row_number() OVER (
               PARTITION BY l.id ORDER BY h.priority DESC, h.created_at, h.id) AS share
    FROM leaders l CROSS JOIN LATERAL (
        SELECT j.id, j.priority, j.created_at FROM jobs j
        WHERE j.owner_id = l.id AND {_PG_CLAIMABLE}
        ORDER BY j.owner_id, j.priority DESC, j.created_at, j.id LIMIT l.room
    ) h
), quota AS (
    SELECT owner_id, count(*) AS n FROM (
        SELECT owner_id FROM heads ORDER BY priority DESC, share, created_at, id LIMIT %(limit)s
    ) top GROUP BY owner_id
    UNION ALL
    SELECT id, room FROM rooms WHERE (SELECT yes FROM direct)
), fair AS (
    SELECT c.id, c.owner_id, c.priority, c.created_at, r.claim_seq, r.max_running,
           r.active + row_number() OVER (
               PARTITION BY c.owner_id ORDER BY c.priority DESC, c.created_at, c.id) AS share
    FROM quota q JOIN rooms r ON r.id = q.owner_id CROSS JOIN LATERAL (
        SELECT j.id, j.owner_id, j.priority, j.created_at FROM jobs j
        WHERE j.owner_id = q.owner_id AND {_PG_CLAIMABLE}
        ORDER BY j.owner_id, j.priority DESC, j.created_at, j.id LIMIT q.n
        FOR UPDATE SKIP LOCKED
    ) c
), picked AS (
    SELECT * FROM (
        (SELECT 0 AS tier, id, owner_id, priority, created_at, claim_seq, max_running, share
         FROM fair ORDER BY priority DESC, share, created_at, id LIMIT %(limit)s)
        UNION ALL
        SELECT 1, id, owner_id, priority, created_at, 0, NULL, NULL FROM (
            SELECT j.id, j.owner_id, j.priority, j.created_at FROM jobs j
            WHERE {_PG_CLAIMABLE}
              AND j.id NOT IN (SELECT id FROM fair)
              AND j.owner_id IN (SELECT id FROM owners WHERE max_running IS NULL)
              AND NOT (SELECT yes FROM direct)
            ORDER BY j.priority DESC, j.created_at, j.id LIMIT %(limit)s
            FOR UPDATE SKIP LOCKED
        ) fill
    ) both_tiers LIMIT %(limit)s
), fenced AS (
    SELECT u.id FROM users u
    JOIN (SELECT DISTINCT owner_id, claim_seq FROM picked WHERE max_running IS NOT NULL) p
      ON p.owner_id = u.id
    WHERE u.claim_seq = p.claim_seq
    ORDER BY u.id
    FOR NO KEY UPDATE OF u
), bumped AS (
    UPDATE users SET claim_seq = users.claim_seq + 1
    WHERE users.id = ANY(ARRAY(SELECT id FROM fenced))
), granted AS (
    SELECT id FROM picked
    WHERE max_running IS NULL OR owner_id IN (SELECT id FROM fenced)
), claimed AS (
    UPDATE jobs SET state = 'CLAIMED', worker_name = %(worker)s, lease_holder = %(actor)s,
        lease_token = replace(CAST(gen_random_uuid() AS text), '-', ''),
        lease_expires_at = %(expires)s, attempts = jobs.attempts + 1, updated_at = %(now)s
    WHERE jobs.id = ANY(ARRAY(SELECT id FROM granted))
    RETURNING jobs.id, jobs.type, jobs.name, jobs.priority, jobs.spec, jobs.engine,
              jobs.partition, jobs.cluster, jobs.attempts, jobs.lease_token,
              jobs.lease_expires_at, jobs.created_at, jobs.storage_prefix
), events AS (
    INSERT INTO job_events (job_id, time, from_state, to_state, actor, message)
    SELECT id, %(now)s, 'PENDING', 'CLAIMED', %(actor)s, %(message)s FROM claimed
)
SELECT c.*, p.id AS picked_id FROM picked p LEFT JOIN claimed c ON c.id = p.id
ORDER BY p.tier, p.priority DESC, p.share, p.created_at, p.id
"""  # noqa: S608


async def claim_postgres(pools: ClaimPools, q: ClaimQuery) -> ClaimResult:
    """Lease up to `q.limit` PENDING jobs in claim order, each with a new lease token, in one
    statement; an owner's running limit counts the jobs of this batch too.

    Runs on a `ClaimPools` connection (autocommit). A connection found dead (the database
    restarted) sends the pool to check its idle connections, and the claim is tried once more.
    """
    pool = await pools.get()
    can = q.can
    params = {
        "types": list(can.job_types),
        "any_engine": can.engines is None,
        "routes": routes_served(can.engines or []),
        "partitions": list(can.partitions),
        "cluster": can.cluster,
        "limit": q.limit,
        "direct_locks": DIRECT_LOCKS,
        "default_max_running": q.default_max_running,
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
    # One row per picked job; a job lost to a concurrent claim has no claimed columns.
    jobs = [
        ClaimedJob(
            id=r[0],
            type=r[1],
            name=r[2],
            priority=r[3],
            spec=r[4],
            engine=r[5],
            partition=r[6],
            cluster=r[7],
            attempts=r[8],
            lease_token=r[9],
            lease_expires_at=r[10].astimezone(UTC),
            created_at=r[11].astimezone(UTC),
            storage_prefix=r[12],
        )
        for r in rows
        if r[0] is not None
    ]
    return ClaimResult(jobs, contended=len(jobs) < len(rows))


CLAIM_SESSION_OPTIONS = "-c synchronous_commit=off -c jit=off -c plan_cache_mode=force_generic_plan"


class ClaimPools:
    """The async connection pools of `claim_postgres`, one per event loop (a pool belongs to
    the loop that opened it; tests serve one app from more than one loop).

    Connections run in autocommit, and with `synchronous_commit=off`: skipping the WAL flush
    wait is safe for a claim, because if PostgreSQL crashed right after one, the job would
    simply be PENDING again, and the worker's first report with the lost lease token gets
    409, so it cancels its batch job (fencing). It saves a disk flush per claim. Also without
    JIT (the claim is short, but the planner's row estimates for its per-owner LIMITs are large
    enough to trigger JIT compilation, which costs tens of milliseconds a claim), and with one
    generic plan per connection (the plan walks the same indexes whatever the parameters;
    planning it anew for each claim would cost about 1 ms).
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
                kwargs={"autocommit": True, "options": CLAIM_SESSION_OPTIONS},
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


def claim_sqlite(sessions: sessionmaker[Session], q: ClaimQuery) -> ClaimResult:
    """The claim on SQLite, which has no row locks: serialised in this process by a lock, and
    against other processes by SQLite's write lock. Commits before the lock is released."""
    with _sqlite_claim_lock, sessions.begin() as db:
        ids = db.scalars(_sqlite_pick(q.can, q.limit, q.default_max_running)).all()
        return ClaimResult(_lease_sqlite(db, q, ids))


def _sqlite_pick(can: Capabilities, limit: int, default_max_running: int) -> Any:
    """The ids to claim, in claim order (the same order and limits as `_PG_CLAIM`); run under
    the claim lock, so the counts cannot change before the jobs are leased."""
    active = (
        select(Job.owner_id, func.count().label("n"))
        .where(Job.state.in_(ACTIVE_STATES))
        .group_by(Job.owner_id)
        .subquery()
    )
    max_running = func.nullif(func.coalesce(User.max_running_jobs, default_max_running), 0)
    share = func.coalesce(active.c.n, 0) + func.row_number().over(
        partition_by=Job.owner_id, order_by=_order()
    )
    ranked = (
        select(
            Job.id,
            Job.priority,
            Job.created_at,
            share.label("share"),
            max_running.label("max_running"),
        )
        .join(User, User.id == Job.owner_id)
        .outerjoin(active, active.c.owner_id == Job.owner_id)
        .where(*_claimable(can))
        .subquery()
    )
    return (
        select(ranked.c.id)
        .where(or_(ranked.c.max_running.is_(None), ranked.c.share <= ranked.c.max_running))
        .order_by(ranked.c.priority.desc(), ranked.c.share, ranked.c.created_at, ranked.c.id)
        .limit(limit)
    )


def _lease_sqlite(db: Session, q: ClaimQuery, ids: Sequence[int]) -> list[ClaimedJob]:
    jobs: list[ClaimedJob] = []
    for job_id in ids:
        row = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.PENDING.value)
            .values(
                state=JobState.CLAIMED.value,
                worker_name=q.worker,
                lease_holder=q.actor,
                lease_token=uuid.uuid4().hex,
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
                Job.partition,
                Job.cluster,
                Job.attempts,
                Job.lease_token,
                Job.lease_expires_at,
                Job.created_at,
                Job.storage_prefix,
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


def lease_states(
    db: Session, job_ids: Sequence[int]
) -> list[tuple[int, str, str | None, str | None]]:
    """(id, state, lease token, lease holder) of these jobs."""
    if not job_ids:
        return []
    rows = db.execute(
        select(Job.id, Job.state, Job.lease_token, Job.lease_holder).where(
            Job.id.in_(list(job_ids))
        )
    )
    return [(i, s, t, h) for i, s, t, h in rows]


def extend_leases(
    db: Session, pairs: Sequence[tuple[int, str]], worker: str, holder: str, expires: datetime
) -> int:
    """Extend the leases of jobs this worker still holds (id and token match, and the lease
    was taken by these credentials)."""
    if not pairs:
        return 0
    result = db.execute(
        update(Job)
        .where(
            tuple_(Job.id, Job.lease_token).in_(list(pairs)),
            Job.state.in_([s.value for s in LEASED_STATES]),
            or_(Job.lease_holder.is_(None), Job.lease_holder == holder),
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
