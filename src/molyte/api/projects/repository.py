"""Queries on projects and their members."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from molyte.db.models import Project, ProjectMember


def role_of(db: Session, project_id: int, user_id: int) -> str | None:
    return db.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
        )
    )


def project_ids_of(db: Session, user_id: int) -> list[int]:
    return list(
        db.scalars(
            select(ProjectMember.project_id)
            .where(ProjectMember.user_id == user_id)
            .order_by(ProjectMember.project_id)
        )
    )


def get(db: Session, project_id: int) -> Project | None:
    return db.get(Project, project_id)


def add(db: Session, obj: Project | ProjectMember) -> None:
    db.add(obj)


def member(db: Session, project_id: int, user_id: int) -> ProjectMember | None:
    return db.get(ProjectMember, (project_id, user_id))


def members(db: Session, project_id: int) -> list[ProjectMember]:
    return list(
        db.scalars(
            select(ProjectMember)
            .where(ProjectMember.project_id == project_id)
            .order_by(ProjectMember.user_id)
        )
    )


def owners_count(db: Session, project_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(ProjectMember)
            .where(ProjectMember.project_id == project_id, ProjectMember.role == "owner")
        )
        or 0
    )


def remove_member(db: Session, project_id: int, user_id: int) -> None:
    db.execute(
        delete(ProjectMember).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
        )
    )


def list_for(db: Session, user_id: int | None) -> list[tuple[Project, str | None]]:
    """Projects with the caller's role; `user_id` None: every project (admins)."""
    if user_id is None:
        return [(p, None) for p in db.scalars(select(Project).order_by(Project.id))]
    rows = db.execute(
        select(Project, ProjectMember.role)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(ProjectMember.user_id == user_id)
        .order_by(Project.id)
    )
    return [(p, r) for p, r in rows]
