"""Rules for projects: the creator is its first owner; owners (and admins) manage members; a
project always keeps one owner."""

from __future__ import annotations

from sqlalchemy.orm import Session

from molyte.api.auth import repository as auth_repo
from molyte.api.auth.principal import Principal
from molyte.api.projects import repository as repo
from molyte.api.projects.access import Need, ProjectRole, authorize
from molyte.db.models import Project, ProjectMember
from molyte.errors import Conflict, NotFound


def create(db: Session, user: Principal, name: str) -> Project:
    """A new project, its creator its owner."""
    assert user.user_id is not None
    project = Project(name=name, created_by=user.user_id)
    repo.add(db, project)
    db.flush()
    repo.add(db, ProjectMember(project_id=project.id, user_id=user.user_id, role="owner"))
    return project


def visible(db: Session, user: Principal, project_id: int) -> Project:
    """The project if the caller is a member (or an admin); 404 otherwise."""
    project = repo.get(db, project_id)
    if project is None:
        raise NotFound("Project not found")
    authorize(db, user, owner_id=None, project_id=project.id, need=Need.READ, what="Project")
    return project


def set_member(
    db: Session, user: Principal, project_id: int, username: str, role: ProjectRole
) -> ProjectMember:
    """Add a member or change a member's role (owners and admins only)."""
    project = visible(db, user, project_id)
    authorize(db, user, owner_id=None, project_id=project.id, need=Need.MANAGE, what="Project")
    target = auth_repo.user_by_name(db, username)
    if target is None or target.role == "WORKER":
        raise NotFound(f"No user {username!r}")
    row = repo.member(db, project.id, target.id)
    if row is None:
        row = ProjectMember(project_id=project.id, user_id=target.id, role=role.value)
        repo.add(db, row)
    else:
        if row.role == "owner" and role is not ProjectRole.OWNER:
            _keep_an_owner(db, project.id)
        row.role = role.value
    db.flush()
    return row


def remove_member(db: Session, user: Principal, project_id: int, username: str) -> None:
    project = visible(db, user, project_id)
    authorize(db, user, owner_id=None, project_id=project.id, need=Need.MANAGE, what="Project")
    target = auth_repo.user_by_name(db, username)
    row = repo.member(db, project.id, target.id) if target else None
    if row is None or target is None:
        raise NotFound(f"{username!r} is not a member")
    if row.role == "owner":
        _keep_an_owner(db, project.id)
    repo.remove_member(db, project.id, target.id)


def _keep_an_owner(db: Session, project_id: int) -> None:
    if repo.owners_count(db, project_id) <= 1:
        raise Conflict("A project needs an owner; make someone else owner first")
