"""Queries on users and worker tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from molyte.db.models import User, WorkerToken


def user_by_name(db: Session, username: str) -> User | None:
    return db.scalar(select(User).where(User.username == username))


def user_by_id(db: Session, user_id: int) -> User | None:
    return db.get(User, user_id)


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.id)))


def add(db: Session, obj: User | WorkerToken) -> None:
    db.add(obj)
    db.flush()


def count_admins(db: Session) -> int:
    return len(list(db.scalars(select(User.id).where(User.role == "ADMIN"))))


def token_by_hash(db: Session, token_hash: str) -> WorkerToken | None:
    return db.scalar(select(WorkerToken).where(WorkerToken.token_hash == token_hash))


def token_by_name(db: Session, name: str, *, for_update: bool = False) -> WorkerToken | None:
    stmt = select(WorkerToken).where(WorkerToken.name == name)
    return db.scalar(stmt.with_for_update() if for_update else stmt)


def token_by_worker_name(db: Session, worker_name: str) -> WorkerToken | None:
    return db.scalar(select(WorkerToken).where(WorkerToken.worker_name == worker_name))


def list_tokens(db: Session) -> list[WorkerToken]:
    return list(db.scalars(select(WorkerToken).order_by(WorkerToken.id)))


def touch_token(db: Session, token_id: int, when: datetime) -> None:
    db.execute(update(WorkerToken).where(WorkerToken.id == token_id).values(last_used_at=when))
