"""The usage query: jobs that finished in a period and their core-hours, grouped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from molyte.db.models import Job, Project, User


def usage(
    db: Session, group_by: str, since: datetime | None, until: datetime | None
) -> list[tuple[Any, Any, int, float]]:
    """`(id, key, jobs, core_hours)` per user or project, most core-hours first; jobs without
    recorded core-hours are left out. A job counts in the period its `finished_at` falls in."""
    where: list[ColumnElement[bool]] = [Job.core_hours.is_not(None)]
    if since is not None:
        where.append(Job.finished_at >= since)
    if until is not None:
        where.append(Job.finished_at < until)
    hours = func.sum(Job.core_hours)
    stmt: Select[Any, Any, Any, Any]
    if group_by == "user":
        stmt = (
            select(User.id, User.username, func.count(), hours)
            .join(User, User.id == Job.owner_id)
            .group_by(User.id, User.username)
        )
    else:
        stmt = (
            select(Job.project_id, Project.name, func.count(), hours)
            .outerjoin(Project, Project.id == Job.project_id)
            .group_by(Job.project_id, Project.name)
        )
    rows = db.execute(stmt.where(*where).order_by(hours.desc()))
    return [(i, key, int(n), float(h or 0.0)) for i, key, n, h in rows]
