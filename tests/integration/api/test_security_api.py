"""Who may call what (table-driven), and hostile input refused with 422 naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from sqlalchemy import func, select

from molyte.db.models import Job
from support import Api, md_body, qc_body

ANON, ALICE, BOB, WORKER, REVOKED, EXPIRED, ADMIN = (
    "anonymous",
    "alice",
    "bob",
    "worker",
    "revoked",
    "expired",
    "admin",
)
CALLERS = (ANON, ALICE, BOB, WORKER, REVOKED, EXPIRED, ADMIN)


def _headers(api: Api, who: str) -> dict[str, str]:
    if who == ANON:
        return {}
    if who == REVOKED:
        r = api.client.post("/api/v1/admin/worker-tokens", json={"name": "old"}, headers=api.admin)
        token = r.json()["token"]
        api.client.post("/api/v1/admin/worker-tokens/old/revoke", headers=api.admin)
        return {"Authorization": f"Bearer {token}"}
    if who == EXPIRED:
        past = datetime.now(UTC) - timedelta(hours=2)
        token = jwt.encode(
            {"sub": "alice", "role": "USER", "iat": past, "exp": past + timedelta(minutes=5)},
            api.ctx.signing_key,
            "HS256",
        )
        return {"Authorization": f"Bearer {token}"}
    return {ALICE: api.alice, BOB: api.bob, WORKER: api.worker, ADMIN: api.admin}[who]


# (method, path, body, {caller: expected status}); {job} is alice's job.
U = {ANON: 401, REVOKED: 401, EXPIRED: 401, WORKER: 403}
W = {ANON: 401, REVOKED: 401, EXPIRED: 401, ALICE: 403, BOB: 403}
A = {ANON: 401, REVOKED: 401, EXPIRED: 401, WORKER: 403, ALICE: 403, BOB: 403}
TABLE = [
    ("GET", "/api/v1/auth/me", None, {**U, WORKER: 200, ALICE: 200, ADMIN: 200}),
    ("GET", "/api/v1/jobs", None, {**U, ALICE: 200, BOB: 200, ADMIN: 200}),
    ("POST", "/api/v1/jobs", "qc", {**U, ALICE: 201, BOB: 201, ADMIN: 201}),
    ("GET", "/api/v1/jobs/{job}", None, {**U, ALICE: 200, BOB: 404, ADMIN: 200}),
    ("GET", "/api/v1/jobs/{job}/results", None, {**U, ALICE: 200, BOB: 404, ADMIN: 200}),
    ("POST", "/api/v1/jobs/{job}/cancel", None, {**U, ALICE: 200, BOB: 404, ADMIN: 200}),
    ("DELETE", "/api/v1/jobs/{job}", None, {**U, ALICE: 409, BOB: 404, ADMIN: 409}),
    ("GET", "/api/v1/library", None, {**U, ALICE: 200, BOB: 200, ADMIN: 200}),
    ("GET", "/api/v1/workers/jobs/pending", None, {**W, WORKER: 200, ADMIN: 200}),
    ("POST", "/api/v1/workers/jobs/claim", {"limit": 1}, {**W, WORKER: 200, ADMIN: 200}),
    (
        "PUT",
        "/api/v1/workers/jobs/{job}/status",
        {"lease_token": "x", "state": "QUEUED"},
        {**W, WORKER: 409, ADMIN: 409},
    ),
    ("POST", "/api/v1/workers/heartbeat", {"name": "n1"}, {**W, WORKER: 200, ADMIN: 200}),
    ("GET", "/api/v1/admin/users", None, {**A, ADMIN: 200}),
    (
        "POST",
        "/api/v1/admin/users",
        {"username": "carol", "password": "pass-word-9"},
        {**A, ADMIN: 201},
    ),
    ("PATCH", "/api/v1/admin/users/2", {"max_running_jobs": 4}, {**A, ADMIN: 200}),
    ("GET", "/api/v1/admin/worker-tokens", None, {**A, ADMIN: 200}),
    ("POST", "/api/v1/admin/worker-tokens", {"name": "t2"}, {**A, ADMIN: 201}),
    ("GET", "/api/v1/admin/workers", None, {**A, ADMIN: 200}),
    ("POST", "/api/v1/admin/jobs/{job}/requeue", None, {**A, ADMIN: 409}),
    ("POST", "/api/v1/admin/jobs/{job}/priority", {"priority": 3}, {**A, ADMIN: 200}),
    ("GET", "/healthz", None, dict.fromkeys(CALLERS, 200)),
    ("GET", "/metrics", None, dict.fromkeys(CALLERS, 200)),
]


@pytest.mark.parametrize("method,path,body,expected", TABLE, ids=[f"{m} {p}" for m, p, *_ in TABLE])
def test_every_endpoint_checks_who_calls(
    api: Api, method: str, path: str, body: object, expected: dict[str, int]
) -> None:
    for who in CALLERS:
        job = api.submit(api.alice, qc_body())
        url = path.format(job=job["id"])
        payload = qc_body() if body == "qc" else body
        r = api.client.request(method, url, json=payload, headers=_headers(api, who))
        assert r.status_code == expected.get(who, 200), (who, r.text)
        if r.status_code == 401:
            assert r.json()["detail"] == "Could not validate credentials"
        if who == WORKER and expected.get(who) == 403 and path.startswith("/api/v1/jobs"):
            assert r.json()["detail"] == "Worker credentials cannot be used for this endpoint"
        if method == "POST" and path == "/api/v1/admin/users" and r.status_code == 201:
            api.client.post(f"/api/v1/admin/users/{r.json()['id']}/deactivate", headers=api.admin)
            break
        if path == "/api/v1/admin/worker-tokens" and r.status_code == 201:
            break


def _rows(api: Api) -> int:
    with api.ctx.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Job)) or 0)


def _with(body: dict, path: tuple[object, ...], value: object) -> dict:  # type: ignore[type-arg]
    target = body
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return body


HOSTILE = [
    ("unknown top field", lambda: {**qc_body(), "owner": "bob"}, ["body", "owner"]),
    (
        "unknown spec field",
        lambda: _with(md_body(), ("spec", "shell"), "rm -rf /"),
        ["body", "spec", "shell"],
    ),
    (
        "out of range temperature",
        lambda: _with(md_body(), ("spec", "temperature"), 1e9),
        ["body", "spec", "temperature"],
    ),
    (
        "negative concentration",
        lambda: _with(md_body(), ("spec", "salts", 0, "concentration"), -1),
        ["body", "spec", "salts", 0, "concentration"],
    ),
    (
        "huge walltime",
        lambda: _with(md_body(), ("spec", "resources", "walltime_minutes"), 10**12),
        ["body", "spec", "resources", "walltime_minutes"],
    ),
    ("oversized name", lambda: _with(qc_body(), ("name",), "x" * 101), ["body", "name"]),
    (
        "newline in name",
        lambda: _with(qc_body(), ("name",), "ok\n#SBATCH --wrap=id"),
        ["body", "name"],
    ),
    (
        "bidi override in name",
        lambda: _with(qc_body(), ("name",), "abc\u202edef"),
        ["body", "name"],
    ),
    (
        "shell metacharacters in SMILES",
        lambda: _with(qc_body(), ("spec", "molecule", "smiles"), "C;rm -rf /"),
        ["body", "spec", "molecule", "smiles"],
    ),
    (
        "command substitution in SMILES",
        lambda: _with(md_body(), ("spec", "solvents", 0), {"smiles": "C$(id)", "ratio": 1}),
        ["body", "spec", "solvents", 0, "smiles"],
    ),
    (
        "oversized SMILES",
        lambda: _with(qc_body(), ("spec", "molecule", "smiles"), "C" * 301),
        ["body", "spec", "molecule", "smiles"],
    ),
    ("unknown job type", lambda: _with(qc_body(), ("type",), "SHELL"), ["body", "type"]),
    (
        "string for number",
        lambda: _with(md_body(), ("spec", "temperature"), "hot"),
        ["body", "spec", "temperature"],
    ),
]


@pytest.mark.parametrize("label,make,loc", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_refused_naming_the_field(
    api: Api, label: str, make: object, loc: list[object]
) -> None:
    body = make()  # type: ignore[operator]
    r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
    assert r.status_code == 422, r.text
    locs = [e["loc"] for e in r.json()["detail"]]
    assert any(list(x)[: len(loc)] == loc for x in locs), locs
    assert _rows(api) == 0


def test_malformed_json_and_huge_body(api: Api) -> None:
    r = api.client.post(
        "/api/v1/jobs",
        content=b'{"type": "QC", "name": ',
        headers={**api.alice, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"
    big = b'{"type":"QC","name":"x","spec":{"pad":"' + b"a" * (11 * 1024 * 1024) + b'"}}'
    r = api.client.post(
        "/api/v1/jobs", content=big, headers={**api.alice, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    deep = b'{"type":"QC","name":"deep","spec":{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    r = api.client.post(
        "/api/v1/jobs", content=deep, headers={**api.alice, "Content-Type": "application/json"}
    )
    assert r.status_code in (400, 413, 422)
    assert _rows(api) == 0


def test_login_rate_limit(api: Api) -> None:
    for _ in range(api.settings.login_max_failures):
        r = api.client.post("/api/v1/auth/login", data={"username": "bob", "password": "bad-pw-1"})
        assert r.status_code == 401
    r = api.client.post("/api/v1/auth/login", data={"username": "bob", "password": "s3cret-pass"})
    assert r.status_code == 429


def test_password_policy(api: Api) -> None:
    for pw, word in (("short1", "at least"), ("onlyletters", "mix"), ("carol", "at least")):
        r = api.client.post(
            "/api/v1/admin/users", json={"username": "carol", "password": pw}, headers=api.admin
        )
        assert r.status_code == 422 and word in r.json()["detail"]
    r = api.client.post("/api/v1/admin/users", json={"username": "carol"}, headers=api.admin)
    assert r.status_code == 201 and len(r.json()["password"]) >= 12


def test_signing_key_rotation(api: Api) -> None:
    old_key = api.ctx.signing_key
    token = jwt.encode(
        {"sub": "alice", "role": "USER", "exp": datetime.now(UTC) + timedelta(minutes=5)},
        old_key,
        "HS256",
    )
    forged = jwt.encode(
        {"sub": "alice", "role": "USER", "exp": datetime.now(UTC) + timedelta(minutes=5)},
        "x" * 40,
        "HS256",
    )
    api.ctx.signing_key = "n" * 48
    api.ctx.verification_keys = ["n" * 48, old_key]
    assert (
        api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert (
        api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_worker_tokens_are_hashed_at_rest(api: Api) -> None:
    from molyte.db.models import WorkerToken

    with api.ctx.sessions() as db:
        stored = [t.token_hash for t in db.scalars(select(WorkerToken))]
    secret = api.worker_token
    assert stored and secret not in stored and all(secret[4:] not in s for s in stored)


def test_secrets_never_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.DEBUG):
        r = api.client.post(
            "/api/v1/auth/login", data={"username": "alice", "password": "s3cret-pass"}
        )
        jwt_token = r.json()["access_token"]
        api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {jwt_token}"})
        api.client.post("/api/v1/auth/login", data={"username": "alice", "password": "wrong-pw-7"})
        created = api.client.post(
            "/api/v1/admin/worker-tokens", json={"name": "logged"}, headers=api.admin
        ).json()["token"]
        api.submit(api.alice)
        api.claim()
    text = caplog.text
    for secret in ("s3cret-pass", "wrong-pw-7", jwt_token, created, api.worker_token):
        assert secret not in text


def test_cors_only_for_configured_origins(tmp_path: Path, database_url: str) -> None:
    from support import api_session, make_settings

    settings = make_settings(database_url, tmp_path, cors_origins="https://ui.example.org")
    with api_session(settings) as api:
        ok = api.client.options(
            "/api/v1/jobs",
            headers={"Origin": "https://ui.example.org", "Access-Control-Request-Method": "GET"},
        )
        assert ok.headers.get("access-control-allow-origin") == "https://ui.example.org"
        bad = api.client.options(
            "/api/v1/jobs",
            headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in bad.headers
        page = api.client.get("/jobs/1", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in page.headers


def test_security_headers_on_ui_and_api(api: Api) -> None:
    page = api.client.get("/")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    api_reply = api.client.get("/api/v1/jobs", headers=api.alice)
    assert api_reply.headers["x-content-type-options"] == "nosniff"
