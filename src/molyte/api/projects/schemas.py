"""Bodies of the project API (docs/architecture.md, "Studies, projects and search")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from molyte.api.projects.access import ProjectRole
from molyte.domain.common import JobName

# Any text without control characters (PostgreSQL refuses a NUL in a text parameter).
USERNAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: JobName


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN)
    role: ProjectRole


class MemberOut(BaseModel):
    username: str
    role: ProjectRole


class ProjectOut(BaseModel):
    id: int
    name: str
    # The caller's role; null for an admin who is not a member.
    role: ProjectRole | None = None
    members: list[MemberOut] | None = None
