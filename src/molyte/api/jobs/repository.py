"""Queries on jobs, their events and result files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from molyte.db.models import Job, JobEvent, JobLive, ResultFile


def add(db: Session, obj: Job | JobEvent | ResultFile) -> None:
    db.add(obj)


def get(db: Session, job_id: int, *, for_update: bool = False) -> Job | None:
    stmt = select(Job).where(Job.id == job_id)
    if for_update:
        stmt = stmt.with_for_update(of=Job)
    return db.scalar(stmt)


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


def list_statements(
    *,
    owner_id: int | None,
    state: str | None,
    job_type: str | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[Select[int], Select[Job]]:
    """The count and the page queries of `list_jobs` (apart, so a benchmark can EXPLAIN them)."""
    filters = []
    if owner_id is not None:
        filters.append(Job.owner_id == owner_id)
    if state:
        filters.append(Job.state == state)
    if job_type:
        filters.append(Job.type == job_type)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        filters.append(Job.name.ilike(f"%{escaped}%", escape="\\"))
    count = select(func.count()).select_from(Job).where(*filters)
    # The page's ids first, then their rows: the ids (and the rows an offset skips) come from
    # an index on (..., created_at, id) without reading the wide job rows.
    newest_first = (Job.created_at.desc(), Job.id.desc())
    ids = select(Job.id).where(*filters).order_by(*newest_first).limit(limit).offset(offset)
    keys = ids.subquery("page")
    page = select(Job).join(keys, Job.id == keys.c.id).order_by(*newest_first)
    return count, page


def list_jobs(
    db: Session,
    *,
    owner_id: int | None,
    state: str | None,
    job_type: str | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Job], int]:
    """One page of jobs, newest first, and the total matching count."""
    count, page = list_statements(
        owner_id=owner_id, state=state, job_type=job_type, q=q, limit=limit, offset=offset
    )
    total = db.scalar(count) or 0
    return db.scalars(page).all(), total


def delete_job(db: Session, job: Job) -> None:
    db.execute(delete(JobEvent).where(JobEvent.job_id == job.id))
    db.execute(delete(ResultFile).where(ResultFile.job_id == job.id))
    db.delete(job)


def count_by_state(db: Session) -> dict[tuple[str, str], int]:
    rows = db.execute(select(Job.type, Job.state, func.count()).group_by(Job.type, Job.state))
    return {(t, s): n for t, s, n in rows}


def pending_by_priority(db: Session) -> dict[tuple[str, int], int]:
    rows = db.execute(
        select(Job.type, Job.priority, func.count())
        .where(Job.state == "PENDING")
        .group_by(Job.type, Job.priority)
    )
    return {(t, int(p)): n for t, p, n in rows}


def oldest_pending_created(db: Session) -> datetime | None:
    return db.scalar(select(func.min(Job.created_at)).where(Job.state == "PENDING"))


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
