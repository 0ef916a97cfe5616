"""`/api/v1/admin/usage`: core-hours per user or per project over a period (admins)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel

from molyte.api.accounting import repository as repo
from molyte.api.deps import DB, CurrentAdmin
from molyte.errors import InvalidInput

router = APIRouter(prefix="/admin", tags=["admin"])


class GroupBy(StrEnum):
    USER = "user"
    PROJECT = "project"


class UsageRow(BaseModel):
    # Username, or project name (null for jobs in no project); `id` tells same names apart.
    key: str | None
    id: int | None
    jobs: int
    core_hours: float


class UsageOut(BaseModel):
    group_by: GroupBy
    since: datetime | None
    until: datetime | None
    rows: list[UsageRow]


@router.get("/usage")
def usage(
    admin: CurrentAdmin,
    db: DB,
    group_by: GroupBy = GroupBy.USER,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> UsageOut:
    """Core-hours of the jobs that finished in `[since, until)` (ISO 8601 with a zone)."""
    if since is not None and until is not None and until <= since:
        raise InvalidInput("until must be after since")
    rows = repo.usage(db, group_by.value, since, until)
    return UsageOut(
        group_by=group_by,
        since=since,
        until=until,
        rows=[UsageRow(id=i, key=k, jobs=n, core_hours=h) for i, k, n, h in rows],
    )
