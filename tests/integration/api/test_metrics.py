"""/metrics: the queue by type and priority, the workers, outcomes of every kind of ending
(including the sweeper's), and object store errors (against a real S3 server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from molyte.api.app import _sweep_once
from molyte.db.models import Job, Worker
from molyte.storage.retry import RetryPolicy
from molyte.storage.s3 import S3Store
from support import Api, Moto, api_session, make_settings, qc_body


@pytest.fixture
def sqlite_api(sqlite_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "molyte.db"
    db.write_bytes(sqlite_template.read_bytes())
    with api_session(make_settings(f"sqlite:///{db}", tmp_path, max_attempts=1)) as api:
        yield api


def _series(api: Api) -> dict[str, float]:
    out = {}
    for line in api.client.get("/metrics").text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_queue_workers_and_outcomes(sqlite_api: Api) -> None:
    api = sqlite_api
    for priority in (0, 0, 5):
        api.submit(api.alice, {**qc_body(), "priority": priority})
    beat = {"name": "node-a", "hostname": "login1", "version": "t", "capacity": 4}
    assert api.client.post("/api/v1/workers/heartbeat", json=beat, headers=api.worker).is_success
    [first] = api.claim(worker_name="node-a")  # the priority-5 job
    m = _series(api)
    assert m['molyte_queue_depth{priority="0",type="QC"}'] == 2
    assert 'molyte_queue_depth{priority="5",type="QC"}' not in m
    assert m['molyte_jobs{state="CLAIMED",type="QC"}'] == 1
    assert m['molyte_worker_online{worker="node-a"}'] == 1
    assert m['molyte_worker_capacity{worker="node-a"}'] == 4
    assert m['molyte_worker_running_jobs{worker="node-a"}'] == 1
    assert 0 <= m['molyte_worker_heartbeat_age_seconds{worker="node-a"}'] < 30
    assert m['molyte_worker_heartbeats_total{worker="node-a"}'] == 1
    assert m["molyte_oldest_pending_job_age_seconds"] > 0

    # The lease runs out on the only attempt: the sweeper fails the job, and that counts.
    with api.ctx.sessions() as db:
        past = datetime.now(UTC) - timedelta(hours=2)
        db.execute(update(Job).where(Job.id == first["id"]).values(lease_expires_at=past))
        db.execute(update(Worker).values(last_heartbeat=past))
        db.commit()
    done = _sweep_once(api.ctx)
    assert done is not None and done.failed == 1 and [w.name for w in done.offline] == ["node-a"]
    [second] = api.claim()
    assert api.status(second, "FAILED", failure_reason="OUT_OF_MEMORY").status_code == 200
    m = _series(api)
    assert m['molyte_job_outcomes_total{reason="MAX_ATTEMPTS",state="FAILED",type="QC"}'] == 1
    assert m['molyte_job_outcomes_total{reason="OUT_OF_MEMORY",state="FAILED",type="QC"}'] == 1
    assert m['molyte_lease_expiries_total{result="failed"}'] == 1
    assert m['molyte_worker_online{worker="node-a"}'] == 0
    assert m['molyte_worker_running_jobs{worker="node-a"}'] == 0
    assert m['molyte_queue_depth{priority="0",type="QC"}'] == 1


@pytest.mark.s3
def test_object_store_errors_are_counted(moto: Moto, sqlite_api: Api) -> None:
    api = sqlite_api
    # A bucket that does not exist: the store refuses every call (as with wrong credentials).
    api.ctx.store = S3Store(
        "no-such-bucket",
        endpoint_url=moto.endpoint,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        retry=RetryPolicy(attempts=1),
    )
    job = api.submit(api.alice)
    assert api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice).is_success
    r = api.client.delete(f"/api/v1/jobs/{job['id']}", headers=api.alice)
    assert r.status_code == 502
    assert r.json()["detail"] == "object store refused list (NoSuchBucket)"
    assert _series(api)["molyte_storage_errors_total"] == 1
    assert api.job(job["id"])["state"] == "CANCELLED"  # nothing was deleted
