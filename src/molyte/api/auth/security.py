"""Password hashing (argon2), JWTs and worker-token secrets. Pure functions, no database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from molyte.errors import NotAuthenticated

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"
WORKER_TOKEN_PREFIX = "mlw_"  # noqa: S105 - a prefix, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A constant hash to verify against when the user does not exist, so a login for an unknown
# user takes as long as one with a wrong password.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def create_access_token(subject: str, role: str, key: str, minutes: int) -> str:
    now = datetime.now(UTC)
    claims = {"sub": subject, "role": role, "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, key, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, keys: list[str]) -> dict[str, Any]:
    """Claims of a valid token signed by any of `keys` (current first, then rotated-out ones)."""
    for key in keys:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
            )
            return claims
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise NotAuthenticated() from exc
    raise NotAuthenticated()


def new_worker_token() -> str:
    return WORKER_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_worker_token(token: str) -> str:
    """Worker tokens are 256-bit random secrets, so a plain SHA-256 is a safe, fast lookup key."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_worker_token(token: str) -> bool:
    return token.startswith(WORKER_TOKEN_PREFIX)
