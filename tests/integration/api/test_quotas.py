"""Submission quotas per user (SQLite and PostgreSQL): jobs waiting at once and jobs per
minute, from the server's defaults or set per user by an admin; 429 names the limit and when
to try again. Concurrent submissions cannot overshoot the pending quota."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx

from molyte.api.app import create_app
from molyte.db.models import User
from support import Api, LiveServer, api_session, bearer, make_settings, password_hash, qc_body


def _set_limits(api: Api, username: str, **limits: Any) -> dict[str, Any]:
    users = api.client.get("/api/v1/admin/users", headers=api.admin).json()
    [user] = [u for u in users if u["username"] == username]
    r = api.client.patch(f"/api/v1/admin/users/{user['id']}", json=limits, headers=api.admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _submit(api: Api, headers: dict[str, str], name: str) -> httpx.Response:
    return api.client.post("/api/v1/jobs", json=qc_body(name), headers=headers)


def test_pending_quota_set_by_an_admin(api: Api) -> None:
    out = _set_limits(api, "alice", max_pending_jobs=3)
    assert out["max_pending_jobs"] == 3 and out["max_submissions_per_minute"] is None
    ids = [_submit(api, api.alice, f"job {n}").json()["id"] for n in range(3)]
    r = _submit(api, api.alice, "one too many")
    assert r.status_code == 429
    assert "3 jobs waiting" in r.json()["detail"] and "max_pending_jobs" in r.json()["detail"]
    assert int(r.headers["Retry-After"]) > 0
    assert _submit(api, api.bob, "bob job").status_code == 201  # others are not held back
    api.claim()  # one of alice's starts: room for one more
    assert _submit(api, api.alice, "now it fits").status_code == 201
    assert _submit(api, api.alice, "full again").status_code == 429
    assert api.client.post(f"/api/v1/jobs/{ids[1]}/cancel", headers=api.alice).is_success
    assert _submit(api, api.alice, "after a cancel").status_code == 201
    total = api.client.get("/api/v1/jobs", headers=api.alice).json()["total"]
    assert total == 5


def test_submissions_per_minute(api: Api) -> None:
    _set_limits(api, "alice", max_submissions_per_minute=4)
    assert [_submit(api, api.alice, f"j{n}").status_code for n in range(4)] == [201] * 4
    r = _submit(api, api.alice, "fifth")
    assert r.status_code == 429
    detail = r.json()["detail"]
    assert "4 jobs in the last minute" in detail and "max_submissions_per_minute" in detail
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 60 and f"try again in {wait} s" in detail
    _set_limits(api, "alice", max_submissions_per_minute=0)  # 0: no limit
    assert _submit(api, api.alice, "unlimited").status_code == 201


def test_defaults_come_from_the_settings(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        database_url,
        tmp_path,
        default_max_pending_jobs=2,
        default_max_submissions_per_minute=3,
    )
    with api_session(settings) as api:
        assert [_submit(api, api.alice, f"j{n}").status_code for n in range(3)] == [201, 201, 429]
        _set_limits(api, "alice", max_pending_jobs=10)
        assert _submit(api, api.alice, "third").status_code == 201
        r = _submit(api, api.alice, "fourth in a minute")
        assert r.status_code == 429 and "max_submissions_per_minute" in r.json()["detail"]
        out = _set_limits(api, "alice", max_pending_jobs=None, max_submissions_per_minute=None)
        assert out["max_pending_jobs"] is None  # back to the server's defaults


def test_concurrent_submissions_stop_at_the_pending_quota(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, default_max_pending_jobs=5)
    app = create_app(settings)
    with app.state.ctx.sessions() as db:
        db.add(User(username="alice", password_hash=password_hash(), role="USER"))
        db.commit()
    alice = bearer(app.state.ctx, "alice", "USER")
    codes: list[int] = []
    with LiveServer(app) as server:

        def submit(n: int) -> None:
            r = httpx.post(
                server.url + "/api/v1/jobs", json=qc_body(f"c{n}"), headers=alice, timeout=60
            )
            codes.append(r.status_code)

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = httpx.get(server.url + "/api/v1/jobs", headers=alice).json()["total"]
    assert sorted(codes) == [201] * 5 + [429] * 11
    assert total == 5


def test_validation_is_rate_limited_per_user_and_cached_by_content(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, validations_per_minute=3)
    app = create_app(settings)
    with app.state.ctx.sessions() as db:
        for name in ("alice", "bob"):
            db.add(User(username=name, password_hash=password_hash(), role="USER"))
        db.commit()
    alice = bearer(app.state.ctx, "alice", "USER")
    bob = bearer(app.state.ctx, "bob", "USER")

    def body(smiles: str) -> dict[str, Any]:
        request = qc_body()
        request["spec"]["molecule"] = {"smiles": smiles}
        return request

    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:

        def validate(request: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
            return http.post("/api/v1/jobs/validate", json=request, headers=headers)

        first = validate(body("CCO"), alice)
        assert first.status_code == 200, first.text
        # The same content again, in another key order: from the cache, free of charge.
        reordered = dict(reversed(list(body("CCO").items())))
        again = [validate(reordered, alice) for _ in range(10)]
        assert {r.status_code for r in again} == {200}
        assert all(r.json() == first.json() for r in again)
        assert [validate(body(s), alice).status_code for s in ("CCCO", "CCCCO")] == [200, 200]
        refused = validate(body("CCCCCO"), alice)
        assert refused.status_code == 429
        assert "3 new job requests in the last minute" in refused.json()["detail"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert validate(body("CCCCCO"), bob).status_code == 200  # bob has his own budget
        assert validate(body("CCO"), alice).status_code == 200  # cached previews still come


def test_a_study_counts_all_its_jobs_against_the_pending_quota(api: Api) -> None:
    """A study is checked once, for all its jobs: one that would pass the pending quota is 429
    and creates nothing; it counts as one submission against the per-minute rate."""
    _set_limits(api, "alice", max_pending_jobs=5, max_submissions_per_minute=2)
    assert _submit(api, api.alice, "already waiting").status_code == 201
    base = qc_body("base")
    del base["name"]
    basis = ["STO-3G", "3-21G", "6-31G*", "6-31G**", "def2-SVP"]
    study = {"name": "too big", "type": "QC", "base": base, "vary": {"basis": basis}}
    r = api.client.post("/api/v1/studies", json=study, headers=api.alice)
    assert r.status_code == 429, r.text
    detail = r.json()["detail"]
    assert "1 jobs waiting and this study has 5" in detail and "max_pending_jobs" in detail
    assert api.client.get("/api/v1/jobs", headers=api.alice).json()["total"] == 1
    assert api.client.get("/api/v1/studies", headers=api.alice).json()["total"] == 0
    study["vary"] = {"basis": basis[:4]}  # 1 + 4 = 5: fits, as one submission of two
    r = api.client.post("/api/v1/studies", json=study, headers=api.alice)
    assert r.status_code == 201, r.text
    assert len(r.json()["jobs"]) == 4
