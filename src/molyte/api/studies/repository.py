"""Queries on studies and their jobs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from molyte.db.models import Job, Study


def add(db: Session, study: Study) -> None:
    db.add(study)


def get(db: Session, study_id: int) -> Study | None:
    return db.get(Study, study_id)


def jobs(db: Session, study_id: int, *, for_update: bool = False) -> list[Job]:
    stmt = select(Job).where(Job.study_id == study_id).order_by(Job.id)
    if for_update:
        stmt = stmt.with_for_update(of=Job)
    return list(db.scalars(stmt))


def states(db: Session, study_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """`{study id: {state: count}}` of the studies' jobs."""
    out: dict[int, dict[str, int]] = {i: {} for i in study_ids}
    if not study_ids:
        return out
    rows = db.execute(
        select(Job.study_id, Job.state, func.count())
        .where(Job.study_id.in_(study_ids))
        .group_by(Job.study_id, Job.state)
    )
    for study_id, state, n in rows:
        out[int(study_id or 0)][state] = int(n)
    return out


def concentration_bases(db: Session, study_ids: Sequence[int]) -> dict[int, str | None]:
    """`{study id: basis}`: the one basis the salt concentrations of the study's jobs count in
    (`jobs.concentration_basis`); None when its jobs have no salts (QC, salt-free boxes) or
    more than one basis (a study that varies it)."""
    found: dict[int, set[str]] = {i: set() for i in study_ids}
    if study_ids:
        rows = db.execute(
            select(Job.study_id, Job.concentration_basis)
            .where(Job.study_id.in_(study_ids), Job.concentration_basis.is_not(None))
            .distinct()
        )
        for study_id, basis in rows:
            found[int(study_id or 0)].add(str(basis))
    return {i: next(iter(bases)) if len(bases) == 1 else None for i, bases in found.items()}


def list_studies(
    db: Session, owner_id: int | None, project_ids: Sequence[int], *, limit: int, offset: int
) -> tuple[list[Study], int]:
    """Studies newest first: the owner's and its projects' (`owner_id` None: all)."""
    where = []
    if owner_id is not None:
        where.append(
            or_(Study.owner_id == owner_id, Study.project_id.in_(project_ids))
            if project_ids
            else Study.owner_id == owner_id
        )
    total = db.scalar(select(func.count()).select_from(Study).where(*where)) or 0
    page = db.scalars(
        select(Study).where(*where).order_by(Study.id.desc()).limit(limit).offset(offset)
    )
    return list(page), total


def delete(db: Session, study: Study) -> None:
    db.delete(study)
