"""`/api/v1/admin`: thin handlers for admins."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from molyte.api.admin import service
from molyte.api.auth import service as auth_service
from molyte.api.auth.schemas import (
    TokenCreate,
    UserCreate,
    UserCreated,
    UserLimits,
    UserOut,
    WorkerTokenCreated,
    WorkerTokenOut,
)
from molyte.api.deps import DB, Ctx, CurrentAdmin, JobId, UserId
from molyte.api.jobs.schemas import PRIORITY_MAX, PRIORITY_MIN, JobOut, job_out
from molyte.api.workers import service as workers_service
from molyte.api.workers.notify import JobNotifier
from molyte.api.workers.schemas import WorkerOut

router = APIRouter(prefix="/admin", tags=["admin"])


class PriorityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: int = Field(ge=PRIORITY_MIN, le=PRIORITY_MAX)


def _user_out(u: object) -> UserOut:
    return UserOut.model_validate(u, from_attributes=True)


@router.get("/users")
def list_users(admin: CurrentAdmin, db: DB) -> list[UserOut]:
    return [_user_out(u) for u in auth_service.list_users(db)]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, admin: CurrentAdmin, db: DB, ctx: Ctx) -> UserCreated:
    user, password = auth_service.create_user(
        db,
        body.username,
        body.role,
        body.password,
        ctx.settings.password_min_length,
        email=body.email,
    )
    out = UserCreated.model_validate(user, from_attributes=True)
    out.password = None if body.password else password
    return out


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: UserId, admin: CurrentAdmin, db: DB) -> UserOut:
    return _user_out(auth_service.deactivate_user(db, user_id))


@router.patch("/users/{user_id}")
def update_user_limits(user_id: UserId, body: UserLimits, admin: CurrentAdmin, db: DB) -> UserOut:
    """Set a user's highest job priority and running limit (only the fields given)."""
    return _user_out(auth_service.update_limits(db, user_id, body))


@router.get("/worker-tokens")
def list_tokens(admin: CurrentAdmin, db: DB) -> list[WorkerTokenOut]:
    return [
        WorkerTokenOut.model_validate(t, from_attributes=True)
        for t in auth_service.list_worker_tokens(db)
    ]


@router.post("/worker-tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, admin: CurrentAdmin, db: DB) -> WorkerTokenCreated:
    """Create a worker token; the secret is shown in this answer only."""
    row, secret = auth_service.create_worker_token(db, body.name, body.worker_name)
    base = WorkerTokenOut.model_validate(row, from_attributes=True)
    return WorkerTokenCreated(**base.model_dump(), token=secret)


@router.post("/worker-tokens/{name}/revoke")
def revoke_token(name: str, admin: CurrentAdmin, db: DB) -> WorkerTokenOut:
    return WorkerTokenOut.model_validate(
        auth_service.revoke_worker_token(db, name), from_attributes=True
    )


@router.get("/workers")
def list_workers(admin: CurrentAdmin, db: DB, ctx: Ctx) -> list[WorkerOut]:
    return [
        WorkerOut(
            name=w.name,
            hostname=w.hostname,
            version=w.version,
            state="online" if online else "offline",
            last_heartbeat=w.last_heartbeat.isoformat() if w.last_heartbeat else None,
            running=running,
            capacity=w.capacity,
            job_types=w.job_types,
            engines=w.engines,
            partitions=w.partitions,
            cluster=w.cluster,
        )
        for w, online, running in workers_service.workers_view(db, ctx.settings)
    ]


@router.post("/jobs/{job_id}/requeue")
def requeue(job_id: JobId, admin: CurrentAdmin, db: DB, ctx: Ctx) -> JobOut:
    job = service.requeue(db, admin, job_id)
    ctx.feature(JobNotifier).notify_on_commit(db, job.type)
    return job_out(job)


@router.post("/jobs/{job_id}/priority")
def set_priority(job_id: JobId, body: PriorityIn, admin: CurrentAdmin, db: DB) -> JobOut:
    return job_out(service.set_priority(db, admin, job_id, body.priority))
