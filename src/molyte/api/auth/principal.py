"""Who is calling: a user (by JWT) or a worker (by worker token)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "ADMIN"
    USER = "USER"
    WORKER = "WORKER"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `user_id` is None for a worker token."""

    name: str
    role: Role
    user_id: int | None = None
    token_name: str | None = None
    # A worker token's bound worker name (None: bound by its first heartbeat or claim).
    worker_name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def may_use_worker_api(self) -> bool:
        return self.role in (Role.ADMIN, Role.WORKER)

    @property
    def actor(self) -> str:
        """How this caller appears in a job's timeline."""
        if self.token_name is not None:
            return f"worker-token:{self.token_name}"
        return f"{self.role.lower()}:{self.name}"
