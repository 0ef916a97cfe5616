"""Several server processes on one PostgreSQL database, as deployed (`molyte server` as real
processes): a long-poll claim held by one process is woken by a submission another process
handles; the lease sweeper, running in every process, requeues each expired lease once and
reports a silent worker once; `--workers 2` answers /metrics with the counts of both
processes. Every process is stopped by its PID."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from molyte.api.auth import service as auth_service
from molyte.api.auth.security import create_access_token
from molyte.db.models import Job, JobEvent, User, Worker
from molyte.db.session import make_engine, make_session_factory
from molyte.notifications.messages import SIGNATURE_HEADER, signature
from receivers import WebhookReceiver, wait_for
from server_process import SECRET_KEY, ServerProcess, alive, server_env
from support import password_hash, qc_body

HOOK_SECRET = "hook-secret-multiprocess"


def _seed(pg_url: str) -> tuple[dict[str, str], dict[str, str]]:
    """alice and a worker token; returns their Authorization headers."""
    engine = make_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with make_session_factory(engine)() as db:
        db.add(User(username="alice", password_hash=password_hash(), role="USER"))
        _row, token = auth_service.create_worker_token(db, "cluster-a")
        db.commit()
    engine.dispose()
    alice = create_access_token("alice", "USER", SECRET_KEY, 60)
    return {"Authorization": f"Bearer {alice}"}, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def _claim_while_waiting(
    claim_on: ServerProcess, submit_on: ServerProcess, alice: dict[str, str], worker: dict[str, str]
) -> tuple[dict[str, Any], float]:
    """Hold a claim on one process, submit on the other; the job and the pickup delay."""
    result: dict[str, Any] = {}

    def claim() -> None:
        r = httpx.post(
            claim_on.url + "/api/v1/workers/jobs/claim",
            json={"job_types": ["QC"], "limit": 1, "wait_seconds": 10},
            headers=worker,
            timeout=30,
        )
        result["returned"] = time.monotonic()
        result["jobs"] = r.json()

    thread = threading.Thread(target=claim)
    thread.start()
    time.sleep(0.5)
    assert "jobs" not in result  # the claim is waiting
    submitted = time.monotonic()
    r = httpx.post(submit_on.url + "/api/v1/jobs", json=qc_body(), headers=alice, timeout=30)
    assert r.status_code == 201, r.text
    thread.join(timeout=15)
    [job] = result["jobs"]
    assert job["id"] == r.json()["id"]
    return job, result["returned"] - submitted


def test_two_server_processes_share_wakeups_and_sweep_once(
    pg_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    alice, worker = _seed(pg_url)
    with WebhookReceiver() as hook:
        env = server_env(
            pg_url,
            tmp_path,
            lease_seconds="1",
            grace_seconds="0",
            sweep_interval_seconds="0.02",
            worker_offline_seconds="2",
            webhook_url=hook.url,
            webhook_secret=HOOK_SECRET,
        )
        a = ServerProcess(env, tmp_path / "a.log")
        b = ServerProcess(env, tmp_path / "b.log")
        servers += [a, b]
        a.wait_healthy()
        b.wait_healthy()

        # 1. Wake-ups cross processes: a claim waiting in one is answered at once.
        pickups = []
        for claim_on, submit_on in ((a, b), (b, a), (a, b)):
            job, pickup = _claim_while_waiting(claim_on, submit_on, alice, worker)
            pickups.append(pickup)
            # Fail it at once through the other process (before its 1 s lease runs out).
            r = httpx.put(
                f"{submit_on.url}/api/v1/workers/jobs/{job['id']}/status",
                json={
                    "lease_token": job["lease_token"],
                    "state": "FAILED",
                    "failure_reason": "SCRIPT_FAILED",
                },
                headers=worker,
            )
            assert r.status_code == 200, r.text
        assert max(pickups) < 1.0, pickups

        # 2. Leases run out while both processes sweep every 20 ms: one requeue per job.
        ids = [
            httpx.post(b.url + "/api/v1/jobs", json=qc_body(f"lease {n}"), headers=alice).json()[
                "id"
            ]
            for n in range(20)
        ]
        claimed = httpx.post(
            a.url + "/api/v1/workers/jobs/claim",
            json={"job_types": ["QC"], "limit": 20, "worker_name": "node-x"},
            headers=worker,
        ).json()
        assert sorted(j["id"] for j in claimed) == sorted(ids)
        beat = {"name": "node-x", "hostname": "login-x", "version": "t", "capacity": 20}
        assert httpx.post(a.url + "/api/v1/workers/heartbeat", json=beat, headers=worker).is_success

        engine = make_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
        sessions = make_session_factory(engine)

        def settled() -> bool:
            with sessions() as db:
                states = set(db.scalars(select(Job.state).where(Job.id.in_(ids))))
                online = db.scalar(select(Worker.online).where(Worker.name == "node-x"))
            return states == {"PENDING"} and online is False

        wait_for(settled, timeout=20)
        time.sleep(1.0)  # many more sweeps in each process: nothing may happen twice
        with sessions() as db:
            requeues = db.execute(
                select(JobEvent.job_id, JobEvent.actor).where(
                    JobEvent.job_id.in_(ids),
                    JobEvent.from_state == "CLAIMED",
                    JobEvent.to_state == "PENDING",
                )
            ).all()
        engine.dispose()
        assert Counter(job_id for job_id, _ in requeues) == dict.fromkeys(ids, 1)
        assert {actor for _, actor in requeues} == {"sweeper"}
        series = 'molyte_lease_expiries_total{result="requeued"}'
        assert a.metric(series) + b.metric(series) == 20

        # 3. Notifications went out once each, from whichever process made the change.
        wait_for(lambda: len(hook.events("worker.offline")) == 1)
        time.sleep(0.3)
        assert len(hook.events("worker.offline")) == 1
        [offline] = hook.events("worker.offline")
        assert offline.json["worker"]["name"] == "node-x"
        failed = hook.events("job.failed")
        assert len(failed) == 3 and len({h.json["job"]["id"] for h in failed}) == 3
        for h in [*failed, offline]:
            assert h.headers[SIGNATURE_HEADER] == signature(HOOK_SECRET, h.body)
        assert all(h.json["job"]["failure_reason"] == "SCRIPT_FAILED" for h in failed)


def test_workers_option_runs_processes_whose_metrics_add_up(
    pg_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    alice, _worker = _seed(pg_url)
    server = ServerProcess(server_env(pg_url, tmp_path), tmp_path / "w2.log", workers=2)
    servers.append(server)
    server.wait_healthy()
    assert len(server.workers()) == 2
    # A new connection per request, so the kernel spreads them over both processes.
    for n in range(12):
        with httpx.Client(timeout=30) as http:
            r = http.post(server.url + "/api/v1/jobs", json=qc_body(f"j{n}"), headers=alice)
            assert r.status_code == 201
    series = 'molyte_jobs_submitted_total{type="QC"}'
    seen = [server.metric(series) for _ in range(8)]
    assert seen == [12.0] * 8
    health = json.loads(httpx.get(server.url + "/healthz").text)
    assert health["status"] == "ok"
    workers = server.workers()
    server.stop()  # asserts that the worker processes are gone too
    assert server.process.returncode is not None
    assert not any(alive(pid) for pid in workers)
