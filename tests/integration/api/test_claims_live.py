"""Claims over real HTTP on PostgreSQL: concurrency (every job exactly once) and long poll."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, insert, select, update

from molyte.api.auth import service as auth_service
from molyte.api.workers import repository as workers_repo
from molyte.db.models import Job, User
from support import PASSWORD, LiveServer, api_session, make_settings, qc_body


def _bulk_jobs(api, n: int, owners: tuple[str, ...] = ("alice",)) -> None:  # type: ignore[no-untyped-def]
    spec = qc_body()["spec"]
    now = datetime.now(UTC)
    with api.ctx.sessions() as db:
        ids = [db.scalar(select(User.id).where(User.username == o)) for o in owners]
        db.execute(
            insert(Job),
            [
                {
                    "owner_id": ids[i % len(ids)],
                    "type": "QC",
                    "name": f"bulk {i}",
                    "spec": spec,
                    "engine": "pyscf",
                    "state": "PENDING",
                    "priority": 0,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(n)
            ],
        )
        db.commit()


def _claim_concurrently(api, claimers: int) -> tuple[list[int], list[str]]:  # type: ignore[no-untyped-def]
    """`claimers` threads claim over HTTP (1-3 jobs a claim) until a claim comes back empty."""
    got: list[int] = []
    lock = threading.Lock()
    errors: list[str] = []
    # One token per claimer: a worker token acts under one worker name only.
    with api.ctx.sessions() as db:
        tokens = [
            auth_service.create_worker_token(db, f"t{n}", f"w{n}")[1] for n in range(claimers)
        ]
        db.commit()

    def claimer(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
            while True:
                r = http.post(
                    "/api/v1/workers/jobs/claim",
                    json={"limit": 1 + n % 3, "worker_name": f"w{n}"},
                )
                if r.status_code != 200:
                    errors.append(r.text)
                    return
                ids = [j["id"] for j in r.json()]
                if not ids:
                    return
                with lock:
                    got.extend(ids)

    with LiveServer(api.app) as server:
        threads = [threading.Thread(target=claimer, args=(n,)) for n in range(claimers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    return got, errors


@pytest.fixture(params=["direct", "by-quota"])
def claim_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The two ways of the PostgreSQL claim (see test_scheduling.py)."""
    monkeypatch.setattr(workers_repo, "DIRECT_LOCKS", 10**6 if request.param == "direct" else 0)
    return str(request.param)


@pytest.mark.parametrize("owners", [("alice",), ("alice", "bob", "admin")])
def test_twenty_concurrent_claimers_get_every_job_exactly_once(
    pg_url: str, tmp_path: Path, owners: tuple[str, ...], claim_way: str
) -> None:
    with api_session(make_settings(pg_url, tmp_path)) as api:
        _bulk_jobs(api, 1000, owners)
        got, errors = _claim_concurrently(api, 20)
        assert errors == []
        counts = Counter(got)
        assert len(got) == 1000
        assert len(counts) == 1000 and max(counts.values()) == 1
        with api.ctx.sessions() as db:
            states = Counter(db.scalars(select(Job.state)))
        assert states == {"CLAIMED": 1000}


def test_running_limit_holds_under_concurrent_claims(
    pg_url: str, tmp_path: Path, claim_way: str
) -> None:
    """Claims read the owner's count of leased jobs from their own snapshot; the fence on the
    owner's row keeps two concurrent claims from both using the last free place."""
    with api_session(make_settings(pg_url, tmp_path, default_max_running_jobs=3)) as api:
        with api.ctx.sessions() as db:
            db.execute(update(User).where(User.username == "bob").values(max_running_jobs=0))
            db.commit()
        _bulk_jobs(api, 600, ("alice", "bob", "admin"))
        got, errors = _claim_concurrently(api, 20)
        assert errors == []
        assert len(got) == len(set(got))
        with api.ctx.sessions() as db:
            rows = db.execute(
                select(User.username, Job.state, func.count())
                .join(User, User.id == Job.owner_id)
                .group_by(User.username, Job.state)
            ).all()
        counts = {(u, s): n for u, s, n in rows}
        assert counts == {
            ("alice", "CLAIMED"): 3,
            ("alice", "PENDING"): 197,
            ("admin", "CLAIMED"): 3,
            ("admin", "PENDING"): 197,
            ("bob", "CLAIMED"): 200,
        }
        assert len(got) == 206


def _long_poll(
    server: LiveServer, worker: dict[str, str]
) -> tuple[threading.Thread, dict[str, Any]]:
    """A worker's claim waiting up to 10 s, in a thread; `result` gets the jobs and the time
    they came back."""
    result: dict[str, Any] = {}

    def wait_for_job() -> None:
        with httpx.Client(base_url=server.url, headers=worker, timeout=30) as http:
            r = http.post("/api/v1/workers/jobs/claim", json={"limit": 1, "wait_seconds": 10})
            result["jobs"] = r.json()
            result["returned"] = time.monotonic()

    t = threading.Thread(target=wait_for_job)
    t.start()
    return t, result


def test_long_poll_returns_job_right_after_submission(database_url: str, tmp_path: Path) -> None:
    with api_session(make_settings(database_url, tmp_path)) as api:
        with LiveServer(api.app) as server:
            t, result = _long_poll(server, api.worker)
            time.sleep(1.0)  # the claim is now waiting
            assert "jobs" not in result
            with httpx.Client(base_url=server.url, timeout=30) as http:
                login = http.post(
                    "/api/v1/auth/login", data={"username": "alice", "password": PASSWORD}
                ).json()
                r = http.post(
                    "/api/v1/jobs",
                    json=qc_body(),
                    headers={"Authorization": f"Bearer {login['access_token']}"},
                )
                submitted = time.monotonic()
            assert r.status_code == 201
            t.join(timeout=15)
            jobs = result["jobs"]
            assert isinstance(jobs, list) and [j["id"] for j in jobs] == [r.json()["id"]]
            pickup = float(result["returned"]) - submitted  # type: ignore[arg-type]
            # The wait was 10 s; a job handed out on wake-up arrives in well under a second.
            assert pickup < 1.0, pickup


def test_long_poll_wakes_when_a_job_is_requeued(database_url: str, tmp_path: Path) -> None:
    """A job that becomes PENDING again (here an admin's requeue) wakes a waiting claim too;
    on PostgreSQL the jobs table's trigger sends that NOTIFY, whatever path changed the row."""
    with api_session(make_settings(database_url, tmp_path)) as api:
        submitted = api.client.post("/api/v1/jobs", json=qc_body(), headers=api.alice).json()
        first = api.client.post("/api/v1/workers/jobs/claim", json={"limit": 1}, headers=api.worker)
        assert [j["id"] for j in first.json()] == [submitted["id"]]
        with LiveServer(api.app) as server:
            t, result = _long_poll(server, api.worker)
            time.sleep(1.0)
            assert "jobs" not in result  # nothing PENDING: the claim is waiting
            with httpx.Client(base_url=server.url, timeout=30) as http:
                r = http.post(f"/api/v1/admin/jobs/{submitted['id']}/requeue", headers=api.admin)
                requeued = time.monotonic()
            assert r.status_code == 200, r.text
            t.join(timeout=15)
            jobs = result["jobs"]
            assert isinstance(jobs, list) and [j["id"] for j in jobs] == [submitted["id"]]
            assert jobs[0]["attempts"] == 2
            assert float(result["returned"]) - requeued < 1.0  # type: ignore[arg-type]


def test_a_claim_is_not_empty_while_a_free_job_waits(
    pg_url: str, tmp_path: Path, claim_way: str
) -> None:
    """The fair order names alice's one job, but another claim holds its row lock: the claim
    skips it and takes bob's next job instead of coming back empty."""
    with api_session(make_settings(pg_url, tmp_path)) as api:
        alice = api.submit(api.alice, qc_body("alice only"))
        bob = [api.submit(api.bob, qc_body(f"bob {i}")) for i in range(3)]
        engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.connect() as other:
                other.execute(select(Job.id).where(Job.id == alice["id"]).with_for_update())
                [got] = api.claim()
                assert got["id"] == bob[0]["id"]
                other.rollback()
        finally:
            engine.dispose()
        assert [j["id"] for j in api.claim(limit=5)] == [alice["id"], bob[1]["id"], bob[2]["id"]]
