"""A worker's identity is its token's (issue 13, item 10): a token heartbeats and claims under
its bound worker name only, and only the credentials that took a lease may use it."""

from __future__ import annotations

from typing import Any

from support import Api, qc_body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def beat(api: Api, headers: dict[str, str], name: str, **extra: Any) -> Any:
    body = {"name": name, "hostname": f"host-of-{name}", "capacity": 2, **extra}
    return api.client.post("/api/v1/workers/heartbeat", json=body, headers=headers)


def workers(api: Api) -> dict[str, dict[str, Any]]:
    rows = api.client.get("/api/v1/admin/workers", headers=api.admin).json()
    return {w["name"]: w for w in rows}


def test_a_token_cannot_heartbeat_or_claim_as_another_worker(api: Api) -> None:
    w1 = bearer(api.new_worker_token("t1", "w1"))
    w2 = bearer(api.new_worker_token("t2"))  # unbound: bound by its first use
    assert beat(api, w1, "w1").status_code == 200
    r = beat(api, w2, "w1", hostname="evil")
    assert r.status_code == 403
    assert "may not act as worker 'w1'" in r.json()["detail"]
    assert workers(api)["w1"]["hostname"] == "host-of-w1"
    assert beat(api, w2, "w2").status_code == 200  # binds t2 to w2
    api.submit(api.alice)
    r = api.client.post(
        "/api/v1/workers/jobs/claim", json={"worker_name": "w1", "limit": 1}, headers=w2
    )
    assert r.status_code == 403
    assert beat(api, w2, "w3").status_code == 403  # bound now: no second name
    tokens = api.client.get("/api/v1/admin/worker-tokens", headers=api.admin).json()
    assert {t["name"]: t["worker_name"] for t in tokens}["t2"] == "w2"


def test_only_the_lease_holder_may_report_upload_or_register(api: Api) -> None:
    w1 = bearer(api.new_worker_token("t1", "w1"))
    w2 = bearer(api.new_worker_token("t2", "w2"))
    api.submit(api.alice, qc_body())
    [job] = api.claim(worker_name="w1", headers=w1)
    base = f"/api/v1/workers/jobs/{job['id']}"
    token = job["lease_token"]
    r = api.client.put(f"{base}/status", json={"lease_token": token, "state": "QUEUED"}, headers=w2)
    assert r.status_code == 409
    upload = {"lease_token": token, "name": "x.txt", "size": 1, "sha256": "a" * 64}
    assert api.client.post(f"{base}/uploads", json=upload, headers=w2).status_code == 409
    register = {"lease_token": token, "files": [], "summary": {}}
    assert api.client.post(f"{base}/results", json=register, headers=w2).status_code == 409
    running = [{"job_id": job["id"], "lease_token": token}]
    r = beat(api, w2, "w2", running=running)
    assert r.json()["cancel"] == [job["id"]]  # not w2's lease: it must let go
    after = api.job(job["id"])
    assert after["state"] == "CLAIMED" and after["worker"] == "w1"
    r = api.client.put(f"{base}/status", json={"lease_token": token, "state": "QUEUED"}, headers=w1)
    assert r.status_code == 200 and r.json()["state"] == "QUEUED"
