"""Revocation is immediate in every server process: two `molyte server` processes on one
PostgreSQL database, each holding the credentials in its cache; a token revoked from the
command line, or a user deactivated through one process, is refused at the very next request
in both."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from molyte.api.auth import service as auth_service
from molyte.api.auth.security import create_access_token
from molyte.db.models import User
from molyte.db.session import make_engine, make_session_factory
from server_process import MOLYTE, SECRET_KEY, ServerProcess, server_env
from support import password_hash


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    env = server_env(pg_url, tmp_path)
    a = ServerProcess(env, tmp_path / "a.log")
    b = ServerProcess(env, tmp_path / "b.log")
    try:
        a.wait_healthy()
        b.wait_healthy()
        yield a, b
    finally:
        a.stop()
        b.stop()


def _seed(pg_url: str) -> str:
    """alice, an admin and a worker token; returns the token."""
    engine = make_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with make_session_factory(engine)() as db:
        for name, role in (("alice", "USER"), ("root", "ADMIN")):
            db.add(User(username=name, password_hash=password_hash(), role=role))
        _row, token = auth_service.create_worker_token(db, "cluster-a")
        db.commit()
    engine.dispose()
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_revoked_token_and_deactivated_user_are_refused_at_once_everywhere(
    pg_url: str, tmp_path: Path, two_servers: tuple[ServerProcess, ServerProcess]
) -> None:
    token = _seed(pg_url)
    alice = _bearer(create_access_token("alice", "USER", SECRET_KEY, 60))
    root = _bearer(create_access_token("root", "ADMIN", SECRET_KEY, 60))
    worker = _bearer(token)
    pending = "/api/v1/workers/jobs/pending?limit=1"

    def use_both() -> None:
        """One call with each credential on each process (verified, then cached for 5 s)."""
        for server in two_servers:
            httpx.get(server.url + pending, headers=worker)
            httpx.get(server.url + "/api/v1/auth/me", headers=alice)

    use_both()
    revoke = subprocess.Popen(
        [MOLYTE, "worker-token", "revoke", "cluster-a"],
        env=server_env(pg_url, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    while revoke.poll() is None:  # the command starts slowly: keep both caches fresh meanwhile
        use_both()
    assert revoke.returncode == 0, revoke.stderr.read() if revoke.stderr else ""
    revoke.communicate(timeout=10)
    assert [httpx.get(s.url + pending, headers=worker).status_code for s in two_servers] == [
        401,
        401,
    ]

    a, b = two_servers
    users = httpx.get(a.url + "/api/v1/admin/users", headers=root).json()
    [alice_id] = [u["id"] for u in users if u["username"] == "alice"]
    use_both()
    r = httpx.post(f"{a.url}/api/v1/admin/users/{alice_id}/deactivate", headers=root)
    assert r.status_code == 200, r.text
    assert [httpx.get(s.url + "/api/v1/auth/me", headers=alice).status_code for s in (b, a)] == [
        401,
        401,
    ]
