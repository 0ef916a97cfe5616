"""`/api/v1/projects`: thin handlers; rules live in `service`, access in `access`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from molyte.api.deps import DB, MAX_ID, CurrentUser
from molyte.api.projects import repository as repo
from molyte.api.projects import service
from molyte.api.projects.access import ProjectRole
from molyte.api.projects.schemas import (
    USERNAME_PATTERN,
    MemberIn,
    MemberOut,
    ProjectCreate,
    ProjectOut,
)

router = APIRouter(prefix="/projects", tags=["projects"])
ProjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
Username = Annotated[str, Path(min_length=1, max_length=64, pattern=USERNAME_PATTERN)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: ProjectCreate, user: CurrentUser, db: DB) -> ProjectOut:
    project = service.create(db, user, body.name)
    return ProjectOut(id=project.id, name=project.name, role=ProjectRole.OWNER)


@router.get("")
def list_projects(user: CurrentUser, db: DB) -> list[ProjectOut]:
    """The caller's projects (admins: all), with the caller's role."""
    rows = repo.list_for(db, None if user.is_admin else user.user_id)
    return [ProjectOut(id=p.id, name=p.name, role=ProjectRole(r) if r else None) for p, r in rows]


@router.get("/{project_id}")
def get_project(project_id: ProjectId, user: CurrentUser, db: DB) -> ProjectOut:
    project = service.visible(db, user, project_id)
    members = repo.members(db, project.id)
    role = next((m.role for m in members if m.user_id == user.user_id), None)
    return ProjectOut(
        id=project.id,
        name=project.name,
        role=ProjectRole(role) if role else None,
        members=[MemberOut(username=m.user.username, role=ProjectRole(m.role)) for m in members],
    )


@router.post("/{project_id}/members")
def set_member(project_id: ProjectId, body: MemberIn, user: CurrentUser, db: DB) -> MemberOut:
    """Add a member, or change a member's role."""
    row = service.set_member(db, user, project_id, body.username, body.role)
    return MemberOut(username=body.username, role=ProjectRole(row.role))


@router.delete("/{project_id}/members/{username}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(project_id: ProjectId, username: Username, user: CurrentUser, db: DB) -> Response:
    service.remove_member(db, user, project_id, username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
