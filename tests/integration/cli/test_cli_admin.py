"""The admin commands of the command line (docs/architecture.md), run as real processes on a
fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from support import LiveServer, api_session, make_settings

MOLYTE = str(Path(sys.executable).parent / "molyte")


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MOLYTE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_db_user_and_worker_token_commands(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite"
    env = {
        **os.environ,
        "MOLYTE_DATABASE_URL": f"sqlite:///{db}",
        "MOLYTE_DATA_DIR": str(tmp_path / "data"),
    }
    up = run(["db", "upgrade"], env)
    assert up.returncode == 0, up.stderr
    assert "up to date" in up.stdout

    made = run(["user", "create", "carol", "--role", "ADMIN"], env)  # role in any case
    assert made.returncode == 0, made.stderr
    password = made.stdout.strip().splitlines()[-1].removeprefix("password: ")
    assert made.stdout.strip().splitlines()[-1].startswith("password: ") and len(password) >= 12
    assert (
        run(
            ["user", "create", "dave", "--role", "user", "--password", "pass-word-1"], env
        ).returncode
        == 0
    )
    dup = run(["user", "create", "dave", "--role", "user", "--password", "pass-word-1"], env)
    assert dup.returncode == 1 and "already exists" in dup.stderr
    bad = run(["user", "create", "erin", "--role", "root"], env)
    assert bad.returncode == 1 and "role must be one of" in bad.stderr
    limits = run(["user", "update", "dave", "--max-priority", "0", "--max-running-jobs", "4"], env)
    assert limits.returncode == 0, limits.stderr
    assert limits.stdout.strip() == (
        "dave: max_priority 0, max_running_jobs 4, max_pending_jobs default, "
        "max_submissions_per_minute default"
    )
    reset = run(
        [
            "user", "update", "dave", "--max-running-jobs", "default",
            "--max-pending-jobs", "50", "--max-submissions-per-minute", "0",
        ],
        env,
    )  # fmt: skip
    assert reset.stdout.strip() == (
        "dave: max_priority 0, max_running_jobs default, max_pending_jobs 50, "
        "max_submissions_per_minute 0"
    )
    bad_quota = run(["user", "update", "dave", "--max-pending-jobs", "-3"], env)
    assert bad_quota.returncode != 0
    too_high = run(["user", "update", "dave", "--max-priority", "11"], env)
    assert too_high.returncode == 1 and "max_priority" in too_high.stderr

    tok = run(["worker-token", "create", "cluster-b"], env)
    assert tok.returncode == 0, tok.stderr
    token = tok.stdout.strip().splitlines()[-1]
    assert token.startswith("mlw_") and " " not in token
    listing = run(["worker-token", "list"], env)
    assert "cluster-b" in listing.stdout and "active" in listing.stdout
    assert token not in listing.stdout
    bound = run(["worker-token", "create", "cluster-c", "--worker-name", "login-c"], env)
    assert bound.returncode == 0, bound.stderr
    bound_token = {"Authorization": f"Bearer {bound.stdout.strip().splitlines()[-1]}"}

    settings = make_settings(f"sqlite:///{db}", tmp_path)
    from molyte.api.app import create_app

    app = create_app(settings)
    with LiveServer(app) as server:
        me = httpx.get(server.url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["role"] == "WORKER"
        beat = server.url + "/api/v1/workers/heartbeat"
        assert httpx.post(beat, json={"name": "other"}, headers=bound_token).status_code == 403
        assert httpx.post(beat, json={"name": "login-c"}, headers=bound_token).status_code == 200
        login = httpx.post(
            server.url + "/api/v1/auth/login", data={"username": "carol", "password": password}
        )
        assert login.status_code == 200
        assert run(["worker-token", "revoke", "cluster-b"], env).returncode == 0
        from molyte.api.auth.service import credential_cache

        credential_cache.clear()  # the CLI revoked it in another process
        me = httpx.get(server.url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    assert "revoked" in run(["worker-token", "list"], env).stdout
    missing = run(["worker-token", "revoke", "nope"], env)
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_examples_are_valid_requests(database_url: str, tmp_path: Path) -> None:
    from support import md_body, qc_body

    with api_session(make_settings(database_url, tmp_path)) as api:
        for body in (md_body(), qc_body()):
            r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
            assert r.status_code == 201, r.text


def test_user_email_and_server_workers_need_postgres(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    db = tmp_path / "cli.sqlite"
    env = {
        **os.environ,
        "MOLYTE_DATABASE_URL": f"sqlite:///{db}",
        "MOLYTE_DATA_DIR": str(tmp_path / "data"),
    }
    assert run(["db", "upgrade"], env).returncode == 0
    made = run(["user", "create", "frank", "--password", "pass-word-1", "--email", "f@x.org"], env)
    assert made.returncode == 0, made.stderr
    bad = run(["user", "create", "gina", "--email", "gina at x.org"], env)
    assert bad.returncode == 1 and "is not an e-mail address" in bad.stderr
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, email FROM users ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("frank", "f@x.org")]
    # Several processes share wake-ups and the sweeper's lock only through PostgreSQL.
    refused = run(["server", "--workers", "2", "--port", "1"], env)
    assert refused.returncode == 1 and "needs PostgreSQL" in refused.stderr
