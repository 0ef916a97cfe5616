"""Queries of the worker API, above all the claim: one atomic statement per claim."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import bindparam, func, or_, select, text, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from molyte.api.jobs.lifecycle import CLAIM, claim_writes
from molyte.db import sql
from molyte.db.models import ACTIVE_STATES, Job, UTCDateTime, Worker
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


# The claim statements are `db/sql/claim_pending.<dialect>.sql` (the claim order and how it is
# kept under concurrency are told there). They move jobs along `Transition.CLAIM` of the
# lifecycle: its source state and the leased states are rendered in as literals (the partial
# indexes need them literal), what they write is bound from `lifecycle.claim_writes`.
DIRECT_LOCKS = 64  # accounts x limit up to which the PostgreSQL claim locks every queue at once


def _claim_literals() -> dict[str, str]:
    source = CLAIM.source
    assert source is not None  # a claim moves jobs that exist
    return {"source": sql.word(source.value), "leased": sql.words(ACTIVE_STATES)}


_PG_CLAIM = sql.statement("claim_pending.postgresql", "claim_pending", _claim_literals())


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
        **claim_writes(worker=q.worker, actor=q.actor, now=q.now),
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


def _sqlite_statement(name: str, times: Sequence[str] = ()) -> Any:
    """A section of the SQLite claim; the parameters `times` are bound as the models store
    times (text() alone would leave the format to the driver)."""
    stmt = text(sql.statement("claim_pending.sqlite", name, _claim_literals()))
    return stmt.bindparams(*(bindparam(t, type_=UTCDateTime()) for t in times))


_SQLITE_PICK = _sqlite_statement("pick")
_SQLITE_LEASE = _sqlite_statement("lease", ("expires", "now")).columns(
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
_SQLITE_EVENTS = _sqlite_statement("events", ("event_time",))


def claim_sqlite(sessions: sessionmaker[Session], q: ClaimQuery) -> ClaimResult:
    """The claim on SQLite, which has no row locks: serialised in this process by a lock, and
    against other processes by SQLite's write lock; the ids are picked, leased and their events
    recorded in one transaction, committed before the lock is released."""
    can = q.can
    with _sqlite_claim_lock, sessions.begin() as db:
        ids = db.scalars(
            _SQLITE_PICK,
            {
                "types": json.dumps(list(can.job_types)),
                "any_engine": can.engines is None,
                "routes": json.dumps(routes_served(can.engines or [])),
                "partitions": json.dumps(list(can.partitions)),
                "cluster": can.cluster,
                "default_max_running": q.default_max_running,
                "limit": q.limit,
            },
        ).all()
        if not ids:
            return ClaimResult([])
        writes = claim_writes(worker=q.worker, actor=q.actor, now=q.now)
        rows = db.execute(
            _SQLITE_LEASE,
            {
                "ids": json.dumps(list(ids)),
                "worker": q.worker,
                "actor": q.actor,
                "expires": q.lease_expires_at,
                "now": q.now,
                "to_state": writes["to_state"],
            },
        ).all()
        leased = {r[0]: ClaimedJob(*r) for r in rows}
        jobs = [leased[i] for i in ids if i in leased]  # RETURNING has no order: claim order
        if jobs:
            events = {k: v for k, v in writes.items() if k.startswith("event_")}
            db.execute(_SQLITE_EVENTS, {"ids": json.dumps([j.id for j in jobs]), **events})
        return ClaimResult(jobs)


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
