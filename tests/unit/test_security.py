"""Passwords, JWTs and worker-token secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from molyte.api.auth.security import (
    create_access_token,
    decode_access_token,
    hash_password,
    hash_worker_token,
    new_worker_token,
    verify_password,
)
from molyte.config import Environment, ServerSettings
from molyte.errors import ConfigError, NotAuthenticated

KEY = "k" * 40


def test_password_hash_is_argon2_and_verifies() -> None:
    h = hash_password("pass-word-9")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "pass-word-9") and not verify_password(h, "pass-word-8")
    assert not verify_password("not a hash", "x")


def test_jwt_round_trip_expiry_and_rotation() -> None:
    token = create_access_token("alice", "USER", KEY, 5)
    assert decode_access_token(token, [KEY])["sub"] == "alice"
    assert decode_access_token(token, ["new" * 14, KEY])["role"] == "USER"
    with pytest.raises(NotAuthenticated):
        decode_access_token(token, ["other" * 8])
    old = jwt.encode({"sub": "a", "exp": datetime.now(UTC) - timedelta(seconds=1)}, KEY, "HS256")
    with pytest.raises(NotAuthenticated):
        decode_access_token(old, [KEY])
    none_alg = jwt.encode(
        {"sub": "a", "exp": datetime.now(UTC) + timedelta(hours=1)}, None, algorithm="none"
    )
    with pytest.raises(NotAuthenticated):
        decode_access_token(none_alg, [KEY])


def test_worker_tokens_are_random_and_hashed() -> None:
    a, b = new_worker_token(), new_worker_token()
    assert a != b and a.startswith("mlw_") and len(a) > 40
    assert hash_worker_token(a) != a and len(hash_worker_token(a)) == 64


def test_production_refuses_placeholder_secret() -> None:
    with pytest.raises(ConfigError, match="MOLYTE_SECRET_KEY"):
        ServerSettings(
            env=Environment.PRODUCTION, secret_key="changeme", database_url="postgresql://x/y"
        )
    with pytest.raises(ConfigError, match="MOLYTE_DATABASE_URL"):
        ServerSettings(env=Environment.PRODUCTION, secret_key="s" * 40)
    ok = ServerSettings(
        env=Environment.PRODUCTION, secret_key="s" * 40, database_url="postgresql://u@h/db"
    )
    assert ok.resolved_database_url == "postgresql+psycopg://u@h/db"
