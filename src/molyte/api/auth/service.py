"""Rules for accounts, login and worker tokens. Services never commit; the request scope does."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from molyte.api.auth import repository as repo
from molyte.api.auth.principal import Principal, Role
from molyte.api.auth.ratelimit import LoginLimiter
from molyte.api.auth.schemas import UserLimits
from molyte.api.auth.security import (
    DUMMY_HASH,
    create_access_token,
    decode_access_token,
    hash_password,
    hash_worker_token,
    looks_like_worker_token,
    new_worker_token,
    verify_password,
)
from molyte.api.lru import LRU
from molyte.db.models import User, WorkerToken
from molyte.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound

if TYPE_CHECKING:
    from molyte.api.context import AppContext

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# One address, no spaces or line breaks (it goes into a mail header), a dot in the domain.
EMAIL_RE = re.compile(r"^[^@\s<>,;]{1,64}@[^@\s<>,;]+\.[^@\s<>,;]+$")
TOKEN_NAME_RE = USERNAME_RE
CACHE_SECONDS = 5.0  # how long a verified credential is trusted without a database look-up
CACHE_ENTRIES = 10_000
TOUCH_SECONDS = 60.0  # how often a worker token's last_used_at is written


class _CredentialCache:
    """Verified credentials for a few seconds, so hot worker calls skip the database.

    Revocation and deactivation empty it: in this process after their commit, and in every
    other server process through the database's notification (see `workers.notify`).
    """

    def __init__(self, capacity: int = CACHE_ENTRIES) -> None:
        self._items: LRU[str, tuple[float, Principal]] = LRU(capacity)
        self._touched: LRU[int, float] = LRU(capacity)

    def get(self, key: str) -> Principal | None:
        item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, key: str, principal: Principal) -> None:
        self._items.put(key, (time.monotonic() + CACHE_SECONDS, principal))

    def should_touch(self, token_id: int) -> bool:
        now = time.monotonic()
        with self._touched.lock:
            if now - (self._touched.get(token_id) or 0.0) < TOUCH_SECONDS:
                return False
            self._touched.put(token_id, now)
            return True

    def clear(self) -> None:
        self._items.clear()

    def clear_after_commit(self, db: Session) -> None:
        """Empty the cache once `db` commits, so no request re-caches the old row before."""
        event.listen(db, "after_commit", lambda _session: self.clear(), once=True)


credential_cache = _CredentialCache()


def cached_principal(token: str) -> Principal | None:
    """The caller behind `token` if it was verified in the last few seconds."""
    key = hash_worker_token(token) if looks_like_worker_token(token) else token
    return credential_cache.get(key)


def authenticate(db: Session, ctx: AppContext, token: str) -> Principal:
    """The caller behind a bearer token (worker token or JWT); 401 for anything not valid."""
    if looks_like_worker_token(token):
        token_hash = hash_worker_token(token)
        cached = credential_cache.get(token_hash)
        if cached is not None:
            return cached
        row = repo.token_by_hash(db, token_hash)
        if row is None or row.revoked:
            raise NotAuthenticated()
        if credential_cache.should_touch(row.id):
            repo.touch_token(db, row.id, datetime.now(UTC))
        principal = Principal(
            name=row.name, role=Role.WORKER, token_name=row.name, worker_name=row.worker_name
        )
        credential_cache.put(token_hash, principal)
        return principal
    cached = credential_cache.get(token)
    if cached is not None:
        return cached
    claims = decode_access_token(token, ctx.verification_keys)
    user = repo.user_by_name(db, str(claims["sub"]))
    if user is None or not user.active:
        raise NotAuthenticated()
    principal = Principal(name=user.username, role=Role(user.role), user_id=user.id)
    credential_cache.put(token, principal)
    return principal


def login(db: Session, ctx: AppContext, username: str, password: str, client: str) -> str:
    """A JWT for valid credentials; failures are throttled (see `ratelimit`)."""
    limiter = ctx.feature(LoginLimiter)
    limiter.check(username, client)
    user = repo.user_by_name(db, username)
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        limiter.failed(username, client)
        raise NotAuthenticated("Incorrect username or password")
    limiter.succeeded(username, client)
    return create_access_token(
        user.username, user.role, ctx.signing_key, ctx.settings.access_token_minutes
    )


def check_password_policy(password: str, min_length: int, username: str) -> None:
    if len(password) < min_length:
        raise InvalidInput(f"Password must be at least {min_length} characters long")
    if len(password) > 256:
        raise InvalidInput("Password must be at most 256 characters long")
    if password.lower() == username.lower():
        raise InvalidInput("Password must differ from the username")
    if password.isdigit() or password.isalpha():
        raise InvalidInput("Password must mix letters with digits or symbols")


def check_email(email: str) -> str:
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    return email


def create_user(
    db: Session,
    username: str,
    role: Role,
    password: str | None,
    min_length: int,
    email: str | None = None,
) -> tuple[User, str]:
    """Create a user; without a password one is generated. Returns the user and the password."""
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "Username must be 1-64 letters, digits, '_', '.' or '-' and start with a letter "
            "or digit"
        )
    if repo.user_by_name(db, username) is not None:
        raise Conflict(f"User {username!r} already exists")
    if password is None:
        password = secrets.token_urlsafe(12) + "7"
    check_password_policy(password, min_length, username)
    if email is not None:
        email = check_email(email)
    user = User(
        username=username, password_hash=hash_password(password), role=role.value, email=email
    )
    repo.add(db, user)
    return user, password


def deactivate_user(db: Session, user_id: int) -> User:
    user = repo.user_by_id(db, user_id)
    if user is None:
        raise NotFound("User not found")
    user.active = False
    credential_cache.clear()
    credential_cache.clear_after_commit(db)
    return user


def account(db: Session, principal: Principal) -> User | None:
    """The caller's user row; None for a worker token."""
    return repo.user_by_id(db, principal.user_id) if principal.user_id is not None else None


def user_id_by_name(db: Session, username: str) -> int:
    user = repo.user_by_name(db, username)
    if user is None:
        raise NotFound(f"User {username!r} not found")
    return user.id


def update_limits(db: Session, user_id: int, limits: UserLimits) -> User:
    """Set a user's highest job priority, running limit and submission quotas; only the fields
    given change."""
    user = repo.user_by_id(db, user_id)
    if user is None:
        raise NotFound("User not found")
    if "max_priority" in limits.model_fields_set:
        if limits.max_priority is None:
            raise InvalidInput("max_priority must be a number from -10 to 10")
        user.max_priority = limits.max_priority
    if "max_running_jobs" in limits.model_fields_set:
        user.max_running_jobs = limits.max_running_jobs
    if "max_pending_jobs" in limits.model_fields_set:
        user.max_pending_jobs = limits.max_pending_jobs
    if "max_submissions_per_minute" in limits.model_fields_set:
        user.max_submissions_per_minute = limits.max_submissions_per_minute
    return user


def list_users(db: Session) -> list[User]:
    return repo.list_users(db)


def create_worker_token(
    db: Session, name: str, worker_name: str | None = None
) -> tuple[WorkerToken, str]:
    """A new worker token; the secret is returned once and stored only as a hash. With
    `worker_name` the token may heartbeat and claim only under that name; without, under the
    name it first uses."""
    if not TOKEN_NAME_RE.match(name):
        raise InvalidInput("Token name must be 1-64 letters, digits, '_', '.' or '-'")
    if worker_name is not None and not TOKEN_NAME_RE.match(worker_name):
        raise InvalidInput("Worker name must be 1-64 letters, digits, '_', '.' or '-'")
    if repo.token_by_name(db, name) is not None:
        raise Conflict(f"Worker token {name!r} already exists")
    if worker_name is not None and repo.token_by_worker_name(db, worker_name) is not None:
        raise Conflict(f"Worker name {worker_name!r} is already bound to another token")
    secret = new_worker_token()
    row = WorkerToken(name=name, token_hash=hash_worker_token(secret), worker_name=worker_name)
    repo.add(db, row)
    return row, secret


def bind_worker_name(db: Session, principal: Principal, worker_name: str) -> None:
    """Refuse (403) a worker token acting under a name other than its bound one; bind an
    unbound token to `worker_name` on its first use. People's accounts (ADMIN, WORKER users)
    are not bound: an admin may act as any worker, e.g. to take a job over."""
    if principal.token_name is None or principal.worker_name == worker_name:
        return
    row = repo.token_by_name(db, principal.token_name, for_update=True)
    if row is None:
        raise NotAuthenticated()
    if row.worker_name == worker_name:
        return  # bound since this principal was cached
    if row.worker_name is None and repo.token_by_worker_name(db, worker_name) is None:
        try:
            with db.begin_nested():  # a concurrent first use may bind the name first
                row.worker_name = worker_name
        except IntegrityError:
            db.refresh(row)
        else:
            credential_cache.clear()  # cached principals of this token still say "unbound"
            return
    why = f"it is bound to {row.worker_name!r}" if row.worker_name else "another token is"
    raise Forbidden(
        f"Worker token {principal.token_name!r} may not act as worker {worker_name!r}: {why}"
    )


def revoke_worker_token(db: Session, name: str) -> WorkerToken:
    row = repo.token_by_name(db, name)
    if row is None:
        raise NotFound(f"Worker token {name!r} not found")
    row.revoked = True
    credential_cache.clear()
    credential_cache.clear_after_commit(db)
    return row


def list_worker_tokens(db: Session) -> list[WorkerToken]:
    return repo.list_tokens(db)


def token_expiry(ctx: AppContext) -> timedelta:
    return timedelta(minutes=ctx.settings.access_token_minutes)
