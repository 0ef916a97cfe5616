"""Bodies of the auth and account endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from molyte.api.auth.principal import Role


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class MeOut(BaseModel):
    id: int | None
    username: str
    role: Role
    active: bool = True
    max_priority: int | None = None  # the highest priority this user may give a job


class UserLimits(BaseModel):
    """An admin's change to a user's limits; only the fields given change. `max_running_jobs`,
    `max_pending_jobs`, `max_submissions_per_minute`: null is the server's default, 0 no
    limit."""

    model_config = ConfigDict(extra="forbid")

    max_priority: int | None = Field(default=None, ge=-10, le=10)
    max_running_jobs: int | None = Field(default=None, ge=0, le=1_000_000)
    max_pending_jobs: int | None = Field(default=None, ge=0, le=1_000_000)
    max_submissions_per_minute: int | None = Field(default=None, ge=0, le=1_000_000)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(default=None, max_length=256)
    role: Role = Role.USER
    email: str | None = Field(default=None, max_length=254)


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    active: bool
    email: str | None = None
    max_priority: int
    max_running_jobs: int | None
    max_pending_jobs: int | None = None
    max_submissions_per_minute: int | None = None
    created_at: datetime


class UserCreated(UserOut):
    password: str | None = None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    # The worker name the token is bound to; unset: the name of its first heartbeat or claim.
    worker_name: str | None = Field(default=None, min_length=1, max_length=64)


class WorkerTokenOut(BaseModel):
    name: str
    worker_name: str | None = None
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class WorkerTokenCreated(WorkerTokenOut):
    token: str
