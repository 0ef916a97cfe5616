"""Who may do what with a job or a study: the one authorization rule of every job, result and
study endpoint.

The owner and admins may do anything. Project members may read (viewer), also submit (member),
also cancel, delete and manage members (owner). Anyone else is told the thing does not exist
(404), as if it were missing, so ids do not leak what others run.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from sqlalchemy.orm import Session

from molyte.api.auth.principal import Principal
from molyte.api.projects import repository as repo
from molyte.errors import Forbidden, NotFound


class ProjectRole(StrEnum):
    VIEWER = "viewer"
    MEMBER = "member"
    OWNER = "owner"


class Need(IntEnum):
    READ = 1  # see it, its results and downloads
    SUBMIT = 2  # submit jobs and studies to the project
    MANAGE = 3  # cancel or delete others' jobs; add and remove members


GRANTS = {
    ProjectRole.VIEWER: Need.READ,
    ProjectRole.MEMBER: Need.SUBMIT,
    ProjectRole.OWNER: Need.MANAGE,
}


def authorize(
    db: Session,
    user: Principal,
    *,
    owner_id: int | None,
    project_id: int | None,
    need: Need,
    what: str,
) -> None:
    """Allow, or raise 404 (`what` not found) to strangers and 403 to members who lack the role.

    `owner_id` is None when asking about the project itself (submitting to it, its members).
    """
    if user.is_admin or (owner_id is not None and owner_id == user.user_id):
        return
    role = repo.role_of(db, project_id, user.user_id) if project_id and user.user_id else None
    if role is None:
        raise NotFound(f"{what} not found")
    if GRANTS[ProjectRole(role)] < need:
        raise Forbidden(f"A project {role} cannot do this (it needs a {_least_role(need)})")


def readable_projects(db: Session, user: Principal) -> list[int] | None:
    """Ids of the projects whose jobs the caller may read; None: all (an admin)."""
    if user.is_admin:
        return None
    return repo.project_ids_of(db, user.user_id or 0)


def _least_role(need: Need) -> str:
    return next(role.value for role, granted in GRANTS.items() if granted >= need)
