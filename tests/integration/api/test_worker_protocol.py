"""The worker protocol on SQLite and PostgreSQL: claims, fencing, transitions, heartbeats,
lease expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from molyte.api.workers import service as workers_service
from molyte.db.models import Job
from support import Api, md_body, qc_body


def states(job: dict) -> list[str]:  # type: ignore[type-arg]
    return [e["to"] for e in job["events"]]


def test_full_lifecycle_with_events(api: Api) -> None:
    submitted = api.submit(api.alice)
    [leased] = api.claim(worker_name="node-a")
    assert leased["id"] == submitted["id"] and len(leased["lease_token"]) >= 16
    r = api.status(leased, "QUEUED", scheduler_job_id="4242")
    assert r.status_code == 200 and r.json()["scheduler_job_id"] == "4242"
    assert api.status(leased, "RUNNING", progress=0.25).status_code == 200
    assert api.status(leased, "POSTPROCESSING").status_code == 200
    r = api.status(leased, "COMPLETED", message="done")
    assert r.status_code == 200
    job = api.job(submitted["id"])
    assert job["state"] == "COMPLETED" and job["progress"] == 100.0  # percent
    assert job["worker"] == "node-a" and job["attempts"] == 1
    assert states(job) == ["PENDING", "CLAIMED", "QUEUED", "RUNNING", "POSTPROCESSING", "COMPLETED"]
    assert job["events"][1]["message"] == "claimed by node-a"
    assert job["events"][1]["actor"] == "worker-token:cluster-a"


def test_claim_order_priority_then_age_and_limit(api: Api) -> None:
    low = qc_body("low")
    low["priority"] = -5
    high = qc_body("high")
    high["priority"] = 5
    a = api.submit(api.alice, low)
    b = api.submit(api.alice, qc_body("normal 1"))
    c = api.submit(api.alice, high)
    d = api.submit(api.alice, qc_body("normal 2"))
    got = api.claim(limit=3)
    assert [j["id"] for j in got] == [c["id"], b["id"], d["id"]]
    assert len({j["lease_token"] for j in got}) == 3
    assert [j["id"] for j in api.claim(limit=3)] == [a["id"]]
    assert api.claim(limit=3) == []


def test_claim_filters_by_type_and_engine(api: Api) -> None:
    md = api.submit(api.alice, md_body())
    qc = api.submit(api.alice, qc_body())  # engine pyscf
    assert api.claim(job_types=["QC"], engines=["xtb"]) == []
    [got] = api.claim(job_types=["QC"], engines=["pyscf", "xtb"])
    assert got["id"] == qc["id"]
    [got] = api.claim(job_types=["MD"], engines=["lammps"])
    assert got["id"] == md["id"]


def test_stale_lease_token_gets_409_and_changes_nothing(api: Api) -> None:
    job = api.submit(api.alice)
    [first] = api.claim()
    assert api.status(first, "QUEUED", scheduler_job_id="11").status_code == 200
    r = api.client.post(f"/api/v1/admin/jobs/{job['id']}/requeue", headers=api.admin)
    assert r.status_code == 200 and r.json()["state"] == "PENDING"
    [second] = api.claim()
    assert second["lease_token"] != first["lease_token"]
    before = api.job(job["id"])
    r = api.status(first, "RUNNING", progress=0.5, scheduler_job_id="99")
    assert r.status_code == 409
    assert "lease" in r.json()["detail"].lower()
    after = api.job(job["id"])
    assert after == before
    assert after["state"] == "CLAIMED" and after["attempts"] == 2
    assert api.status(second, "QUEUED").status_code == 200


def test_illegal_transition_gets_409(api: Api) -> None:
    api.submit(api.alice)
    [leased] = api.claim()
    r = api.status(leased, "COMPLETED")  # CLAIMED -> COMPLETED is not in the table
    assert r.status_code == 409
    assert r.json()["detail"] == "Illegal transition CLAIMED -> COMPLETED"
    for state in ("QUEUED", "RUNNING", "POSTPROCESSING", "COMPLETED"):
        assert api.status(leased, state).status_code == 200
    r = api.status(leased, "RUNNING")  # COMPLETED -> RUNNING: the lease is over
    assert r.status_code == 409
    assert api.job(leased["id"])["state"] == "COMPLETED"


def test_failed_needs_a_reason_and_infrastructure_failures_requeue(api: Api) -> None:
    job = api.submit(api.alice)
    [leased] = api.claim()
    api.status(leased, "QUEUED", scheduler_job_id="5")
    assert api.status(leased, "FAILED").status_code == 422
    r = api.status(leased, "FAILED", failure_reason="NODE_FAIL")
    assert r.status_code == 200 and r.json()["state"] == "PENDING"
    [again] = api.claim()
    api.status(again, "QUEUED", scheduler_job_id="6")
    r = api.status(
        again, "FAILED", failure_reason="SCF_NOT_CONVERGED", log_tail="Convergence failure"
    )
    assert r.status_code == 200
    final = api.job(job["id"])
    assert final["state"] == "FAILED" and final["failure_reason"] == "SCF_NOT_CONVERGED"
    assert final["failure_description"] == "The SCF did not converge."
    assert final["log_tail"] == "Convergence failure"


def test_heartbeat_extends_leases_and_returns_cancellations(api: Api) -> None:
    a = api.submit(api.alice, qc_body("a"))
    b = api.submit(api.alice, qc_body("b"))
    got = {j["id"]: j for j in api.claim(limit=2)}
    for j in got.values():
        api.status(j, "QUEUED", scheduler_job_id=str(j["id"]))
    with api.ctx.sessions() as db:
        old = db.get(Job, a["id"]).lease_expires_at  # type: ignore[union-attr]
    r = api.client.post(f"/api/v1/jobs/{b['id']}/cancel", headers=api.alice)
    assert r.json()["state"] == "CANCELLED"
    running = [{"job_id": j["id"], "lease_token": j["lease_token"]} for j in got.values()]
    running.append({"job_id": 999_999, "lease_token": "gone"})
    body = {
        "name": "node-a",
        "hostname": "login01",
        "version": "0.1.0",
        "capacity": 4,
        "job_types": ["MD", "QC"],
        "engines": ["lammps", "pyscf"],
        "partitions": ["debug"],
        "running": running,
    }
    r = api.client.post("/api/v1/workers/heartbeat", json=body, headers=api.worker)
    assert r.status_code == 200
    assert r.json() == {"cancel": [b["id"], 999_999], "lease_seconds": api.settings.lease_seconds}
    with api.ctx.sessions() as db:
        new = db.get(Job, a["id"]).lease_expires_at  # type: ignore[union-attr]
    assert new is not None and old is not None and new >= old
    workers = api.client.get("/api/v1/admin/workers", headers=api.admin).json()
    assert [(w["name"], w["state"], w["capacity"], w["running"]) for w in workers] == [
        ("node-a", "online", 4, 1)
    ]


def _expire(api: Api, job_id: int, seconds_ago: float) -> None:
    with api.ctx.sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(lease_expires_at=datetime.now(UTC) - timedelta(seconds=seconds_ago))
        )
        db.commit()


def _sweep(api: Api) -> workers_service.SweepResult:
    with api.ctx.sessions() as db:
        done = workers_service.sweep(db, api.settings)
        db.commit()
    return done


def test_sweeper_requeues_claimed_and_applies_grace_then_max_attempts(api: Api) -> None:
    claimed = api.submit(api.alice, qc_body("claimed only"))
    [c] = api.claim()
    queued = api.submit(api.alice, qc_body("in slurm"))
    [q] = api.claim()
    api.status(q, "QUEUED", scheduler_job_id="77")
    _expire(api, c["id"], 1)
    _expire(api, q["id"], 1)  # within the grace period
    assert _sweep(api).requeued == 1
    assert api.job(claimed["id"])["state"] == "PENDING"
    assert api.job(queued["id"])["state"] == "QUEUED"
    # its old token no longer works after the requeue
    assert api.status(c, "QUEUED").status_code == 409
    _expire(api, q["id"], api.settings.grace_seconds + 1)
    assert _sweep(api).requeued == 1
    job = api.job(queued["id"])
    assert job["state"] == "PENDING" and job["scheduler_job_id"] is None
    assert job["events"][-1]["actor"] == "sweeper"
    # used up: each claim is an attempt; the last expiry fails the job
    for _ in range(api.settings.max_attempts - 1):
        [again] = [j for j in api.claim(limit=5) if j["id"] == queued["id"]] or api.claim()
        _expire(api, again["id"], 1)
        _sweep(api)
    final = api.job(queued["id"])
    assert final["state"] == "FAILED" and final["failure_reason"] == "MAX_ATTEMPTS"
    assert final["attempts"] == api.settings.max_attempts


def test_pending_list_is_read_only(api: Api) -> None:
    job = api.submit(api.alice, md_body())
    r = api.client.get(
        "/api/v1/workers/jobs/pending", params={"job_type": "MD"}, headers=api.worker
    )
    assert r.status_code == 200 and [j["id"] for j in r.json()] == [job["id"]]
    assert api.job(job["id"])["state"] == "PENDING"
    r = api.client.get("/api/v1/workers/jobs/pending", headers=api.alice)
    assert r.status_code == 403
    assert r.json()["detail"] == "Only admin/worker users can fetch pending jobs"
