"""Queries on jobs, their events and result files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from molyte.db.models import Job, JobEvent, JobLive, JobSpecies, ResultFile, User
from molyte.domain.states import JobState


def add(db: Session, obj: Job | JobEvent | ResultFile) -> None:
    db.add(obj)


def get(db: Session, job_id: int, *, for_update: bool = False) -> Job | None:
    stmt = select(Job).where(Job.id == job_id)
    if for_update:
        stmt = stmt.with_for_update(of=Job)
    return db.scalar(stmt)


def owner_for_submit(db: Session, user_id: int) -> User | None:
    """The submitting user's row, locked so that one user's concurrent submissions are
    counted against the quotas one after another."""
    if db.get_bind().dialect.name == "sqlite":
        # No row locks: a no-op write takes the database's write lock for the transaction
        # (it is the transaction's first statement, so the wait is the busy timeout's).
        db.execute(update(User).where(User.id == user_id).values(claim_seq=User.claim_seq))
        return db.get(User, user_id)
    return db.scalar(select(User).where(User.id == user_id).with_for_update())


def count_pending(db: Session, owner_id: int, cap: int) -> int:
    """The owner's PENDING jobs, counted up to `cap` (an index range of at most `cap` rows)."""
    mine = (
        select(Job.id)
        .where(Job.owner_id == owner_id, Job.state == JobState.PENDING.value)
        .limit(cap)
        .subquery()
    )
    return int(db.scalar(select(func.count()).select_from(mine)) or 0)


def nth_latest_submission(db: Session, owner_id: int, n: int, since: datetime) -> datetime | None:
    """When the owner's `n`-th most recent job after `since` was submitted; None if fewer."""
    return db.scalar(
        select(Job.created_at)
        .where(Job.owner_id == owner_id, Job.created_at > since)
        .order_by(Job.created_at.desc())
        .offset(n - 1)
        .limit(1)
    )


def events(db: Session, job_id: int) -> list[JobEvent]:
    return list(db.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)))


def last_event_message(db: Session, job_id: int) -> str | None:
    return db.scalar(
        select(JobEvent.message)
        .where(JobEvent.job_id == job_id)
        .order_by(JobEvent.id.desc())
        .limit(1)
    )


def files(db: Session, job_id: int) -> list[ResultFile]:
    return list(
        db.scalars(select(ResultFile).where(ResultFile.job_id == job_id).order_by(ResultFile.name))
    )


def file_by_name(db: Session, job_id: int, name: str) -> ResultFile | None:
    return db.scalar(select(ResultFile).where(ResultFile.job_id == job_id, ResultFile.name == name))


@dataclass(frozen=True)
class JobFilters:
    """What `GET /jobs` selects. `owner_id` and `project_ids` are the caller's visibility (own
    jobs, or jobs of these projects; both None: everything, for admins); the rest are the
    query's filters. `ranges` are `(column, low, high)` over Job's numeric search columns;
    `concentration_basis` keeps jobs whose salt concentrations count in that basis."""

    owner_id: int | None = None
    project_ids: Sequence[int] = ()
    state: str | None = None
    job_type: str | None = None
    q: str | None = None
    engine: str | None = None
    method: str | None = None
    basis: str | None = None
    salt: str | None = None
    solvent: str | None = None
    concentration_basis: str | None = None
    project_id: int | None = None
    study_id: int | None = None
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()


# Numeric columns a range filter may name (the query parameters `<name>_min`, `<name>_max`).
RANGE_COLUMNS = {
    "temperature": Job.temperature,
    "concentration": Job.concentration,
    "density": Job.density,
    "conductivity": Job.conductivity,
    "energy": Job.energy_hartree,
    "gap": Job.gap_ev,
}


def _conditions(f: JobFilters) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if f.owner_id is not None:
        if f.project_ids:
            filters.append(or_(Job.owner_id == f.owner_id, Job.project_id.in_(f.project_ids)))
        else:
            filters.append(Job.owner_id == f.owner_id)
    if f.state:
        filters.append(Job.state == f.state)
    if f.job_type:
        filters.append(Job.type == f.job_type)
    if f.q:
        escaped = f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        filters.append(Job.name.ilike(f"%{escaped}%", escape="\\"))
    equal: tuple[tuple[Any, object], ...] = (
        (Job.engine, f.engine),
        (Job.method, f.method),
        (Job.basis, f.basis),
        (Job.concentration_basis, f.concentration_basis),
        (Job.project_id, f.project_id),
        (Job.study_id, f.study_id),
    )
    for column, value in equal:
        if value is not None:
            filters.append(column == value)
    for kind, name in (("salt", f.salt), ("solvent", f.solvent)):
        if name is not None:
            filters.append(
                Job.id.in_(
                    select(JobSpecies.job_id).where(
                        JobSpecies.kind == kind, JobSpecies.name == name
                    )
                )
            )
    for key, low, high in f.ranges:
        column = RANGE_COLUMNS[key]
        if low is not None:
            filters.append(column >= low)
        if high is not None:
            filters.append(column <= high)
    return filters


def list_statements(
    filters: JobFilters, *, limit: int, offset: int
) -> tuple[Select[int], Select[Job]]:
    """The count and the page queries of `list_jobs` (apart, so a benchmark can EXPLAIN them)."""
    where = _conditions(filters)
    count = select(func.count()).select_from(Job).where(*where)
    # The page's ids first, then their rows: the ids (and the rows an offset skips) come from
    # an index on (..., created_at, id) without reading the wide job rows.
    newest_first = (Job.created_at.desc(), Job.id.desc())
    ids = select(Job.id).where(*where).order_by(*newest_first).limit(limit).offset(offset)
    keys = ids.subquery("page")
    page = select(Job).join(keys, Job.id == keys.c.id).order_by(*newest_first)
    return count, page


def list_jobs(
    db: Session, filters: JobFilters, *, limit: int, offset: int
) -> tuple[Sequence[Job], int]:
    """One page of jobs, newest first, and the total matching count."""
    count, page = list_statements(filters, limit=limit, offset=offset)
    total = db.scalar(count) or 0
    return db.scalars(page).all(), total


def set_species(db: Session, job_id: int, species: Sequence[tuple[str, str]]) -> None:
    """The job's salts and solvents for the search (replacing any)."""
    db.execute(delete(JobSpecies).where(JobSpecies.job_id == job_id))
    for kind, name in dict.fromkeys(species):
        db.add(JobSpecies(job_id=job_id, kind=kind, name=name))


def delete_job(db: Session, job: Job) -> None:
    db.execute(delete(JobEvent).where(JobEvent.job_id == job.id))
    db.execute(delete(JobSpecies).where(JobSpecies.job_id == job.id))
    db.execute(delete(ResultFile).where(ResultFile.job_id == job.id))
    db.delete(job)


def count_by_state(db: Session) -> dict[tuple[str, str], int]:
    rows = db.execute(select(Job.type, Job.state, func.count()).group_by(Job.type, Job.state))
    return {(t, s): n for t, s, n in rows}


def pending_by_priority(db: Session) -> dict[tuple[str, int], int]:
    rows = db.execute(
        select(Job.type, Job.priority, func.count())
        .where(Job.state == JobState.PENDING.value)
        .group_by(Job.type, Job.priority)
    )
    return {(t, int(p)): n for t, p, n in rows}


def oldest_pending_created(db: Session) -> datetime | None:
    return db.scalar(select(func.min(Job.created_at)).where(Job.state == JobState.PENDING.value))


def live(db: Session, job_id: int) -> JobLive | None:
    """A job's latest live numbers, if any."""
    return db.get(JobLive, job_id)


def put_live(
    db: Session, job_id: int, columns: list[str], rows: list[list[float | None]], now: datetime
) -> None:
    """Replace a job's live numbers (the caller holds the job's row lock)."""
    row = db.get(JobLive, job_id)
    if row is None:
        db.add(JobLive(job_id=job_id, updated_at=now, columns=columns, rows=rows))
    else:
        row.updated_at, row.columns, row.rows = now, columns, rows


def drop_live(db: Session, job_id: int) -> None:
    """Forget a job's live numbers (its results are in, or it starts again)."""
    db.execute(delete(JobLive).where(JobLive.job_id == job_id))
