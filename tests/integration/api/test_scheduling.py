"""Claim order and limits on SQLite and PostgreSQL: priority first, fair share between owners,
per-user running limits, routing by cluster and partition; the admin's and the user's side.

PostgreSQL's claim reaches the order two ways (few accounts: lock each account's queue head;
many: read first, then lock each owner's share): the order tests run on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from molyte.api.workers import repository as workers_repo
from molyte.db.models import Job, User
from support import Api, api_session, make_settings, qc_body

WAYS = {"direct": 10**6, "by-quota": 0}  # DIRECT_LOCKS for each of the two ways


# The order tests: on SQLite, and on PostgreSQL each way.
each_way = pytest.mark.parametrize(
    ("database_url", "claim_way"),
    [("sqlite", "direct"), ("postgres", "direct"), ("postgres", "by-quota")],
    indirect=True,
    ids=["sqlite", "postgres", "postgres-by-quota"],
)


@pytest.fixture
def claim_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which way PostgreSQL's claim takes (SQLite has one)."""
    monkeypatch.setattr(workers_repo, "DIRECT_LOCKS", WAYS[request.param])
    return str(request.param)


def bulk_jobs(api: Api, owner: str, n: int, *, start: datetime, **fields: object) -> list[int]:
    """`n` PENDING QC jobs of `owner`, one microsecond apart from `start`; their ids."""
    spec = qc_body()["spec"]
    with api.ctx.sessions() as db:
        owner_id = db.scalar(select(User.id).where(User.username == owner))
        rows = [
            {
                "owner_id": owner_id,
                "type": "QC",
                "name": f"{owner} {i}",
                "spec": spec,
                "engine": "pyscf",
                "state": "PENDING",
                "priority": 0,
                "attempts": 0,
                "created_at": start + timedelta(microseconds=i),
                "updated_at": start,
                **fields,
            }
            for i in range(n)
        ]
        ids = list(db.scalars(insert(Job).returning(Job.id), rows))
        db.commit()
    return ids


def owners_of(api: Api, jobs: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [api.job(j["id"])["owner"] for j in jobs]


def set_limits(api: Api, username: str, **limits: object) -> dict:  # type: ignore[type-arg]
    users = api.client.get("/api/v1/admin/users", headers=api.admin).json()
    [user] = [u for u in users if u["username"] == username]
    r = api.client.patch(f"/api/v1/admin/users/{user['id']}", json=limits, headers=api.admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


@each_way
def test_priority_first_then_owners_take_turns_then_age(api: Api, claim_way: str) -> None:
    a1 = api.submit(api.alice, qc_body("a1"))
    a2 = api.submit(api.alice, qc_body("a2"))
    a3 = api.submit(api.alice, qc_body("a3"))
    b1 = api.submit(api.bob, qc_body("b1"))
    b2 = api.submit(api.bob, qc_body("b2"))
    urgent = qc_body("b urgent")
    urgent["priority"] = 5
    b3 = api.submit(api.bob, urgent)
    got = api.claim(limit=10)
    # b3 by priority; then alternate by each owner's rank in its own queue (bob's urgent job
    # already counts as his first), oldest first on a tie.
    assert [j["name"] for j in got] == ["b urgent", "a1", "a2", "b1", "a3", "b2"]
    assert {j["id"] for j in got} == {a1["id"], a2["id"], a3["id"], b1["id"], b2["id"], b3["id"]}


@each_way
def test_one_owners_long_queue_does_not_starve_anothers_few_jobs(api: Api, claim_way: str) -> None:
    start = datetime.now(UTC)
    bulk_jobs(api, "alice", 500, start=start)
    bob = set(bulk_jobs(api, "bob", 5, start=start + timedelta(seconds=1)))
    claimed = [job["id"] for _ in range(10) for job in api.claim()]
    assert bob <= set(claimed)  # all 5 of bob's within the first 10 claims
    # In one batch too: both hold 5 leases now, so bob's 3 new jobs alternate with alice's
    # (hers are older: first on each tie), and the rest of the batch is hers.
    more = bulk_jobs(api, "bob", 3, start=start + timedelta(seconds=2))
    batch = [job["id"] for job in api.claim(limit=20)]
    assert len(batch) == 20 and batch[1:6:2] == more
    assert not set(more) & set(batch[0:6:2] + batch[6:])


@each_way
def test_running_limit_across_claims_and_within_a_batch(api: Api, claim_way: str) -> None:
    start = datetime.now(UTC)
    out = set_limits(api, "alice", max_running_jobs=2)
    assert out["max_running_jobs"] == 2 and out["max_priority"] == 5
    alice = bulk_jobs(api, "alice", 6, start=start)
    bob = bulk_jobs(api, "bob", 3, start=start + timedelta(seconds=1))
    first = api.claim(limit=10)
    assert sorted(j["id"] for j in first) == sorted(alice[:2] + bob)
    assert api.claim(limit=10) == []  # alice is at her limit; bob has nothing left
    # One of alice's jobs finishes: one more may go; a job in Slurm still counts.
    [done, queued] = [j for j in first if j["id"] in alice]
    assert api.status(done, "FAILED", failure_reason="SCRIPT_FAILED").status_code == 200
    assert api.status(queued, "QUEUED", scheduler_job_id="7").status_code == 200
    assert [j["id"] for j in api.claim(limit=10)] == [alice[2]]
    assert api.claim(limit=10) == []
    # Back to the default (none set on this server): the rest go at once.
    assert set_limits(api, "alice", max_running_jobs=None)["max_running_jobs"] is None
    assert [j["id"] for j in api.claim(limit=10)] == alice[3:]


@each_way
def test_default_running_limit_from_the_settings(
    database_url: str, tmp_path: Path, claim_way: str
) -> None:
    settings = make_settings(database_url, tmp_path, default_max_running_jobs=1)
    with api_session(settings) as api:
        start = datetime.now(UTC)
        alice = bulk_jobs(api, "alice", 3, start=start)
        bob = bulk_jobs(api, "bob", 3, start=start)
        set_limits(api, "bob", max_running_jobs=0)  # 0: no limit for bob
        got = [j["id"] for j in api.claim(limit=10)]
        assert sorted(got) == sorted(alice[:1] + bob)
        assert api.claim(limit=10) == []


@each_way
def test_routing_by_cluster_and_partition(api: Api, claim_way: str) -> None:
    def body(name: str, **route: str) -> dict:  # type: ignore[type-arg]
        return {**qc_body(name), **route}

    gpu = api.submit(api.alice, body("gpu", partition="gpu"))
    c2 = api.submit(api.alice, body("c2", cluster="c2"))
    both = api.submit(api.alice, body("c2 gpu", cluster="c2", partition="gpu"))
    assert (gpu["partition"], c2["cluster"]) == ("gpu", "c2")
    anywhere = api.submit(api.alice, body("anywhere"))
    # A worker offering neither: only the job that asks for nothing.
    assert [j["id"] for j in api.claim(limit=10, partitions=["debug"])] == [anywhere["id"]]
    assert api.claim(limit=10, partitions=["debug"], cluster="c1") == []
    # The right partition on another cluster; the right cluster without the partition.
    [got] = api.claim(limit=10, partitions=["gpu", "debug"], cluster="c1")
    assert (got["id"], got["partition"], got["cluster"]) == (gpu["id"], "gpu", None)
    [got] = api.claim(limit=10, cluster="c2")
    assert (got["id"], got["cluster"]) == (c2["id"], "c2")
    [got] = api.claim(limit=10, cluster="c2", partitions=["gpu"])
    assert (got["id"], got["partition"], got["cluster"]) == (both["id"], "gpu", "c2")


def test_route_names_are_validated(api: Api) -> None:
    bad = (
        {"partition": "gpu;rm -rf"},
        {"partition": "gpu--Link1--"},
        {"partition": "gpu\n#SBATCH --wrap=id"},
        {"cluster": ""},
        {"cluster": "x" * 65},
    )
    for route in bad:
        r = api.client.post("/api/v1/jobs", json={**qc_body(), **route}, headers=api.alice)
        assert r.status_code == 422, route
        assert r.json()["detail"][0]["loc"] == ["body", next(iter(route))]
    good = {"cluster": "hpc.b", "partition": "a100_80g-long"}
    assert api.submit(api.alice, {**qc_body(), **good})["partition"] == "a100_80g-long"


def test_admin_sets_limits_and_the_user_sees_them(api: Api) -> None:
    me = api.client.get("/api/v1/auth/me", headers=api.alice).json()
    assert me["max_priority"] == 5
    set_limits(api, "alice", max_priority=0)
    assert api.client.get("/api/v1/auth/me", headers=api.alice).json()["max_priority"] == 0
    body = qc_body()
    body["priority"] = 5
    r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
    assert r.status_code == 403 and "0" in r.json()["detail"]
    body["priority"] = -5
    job = api.submit(api.alice, body)
    r = api.client.post(
        f"/api/v1/admin/jobs/{job['id']}/priority", json={"priority": 8}, headers=api.admin
    )
    assert r.status_code == 200 and r.json()["priority"] == 8
    users = api.client.get("/api/v1/admin/users", headers=api.alice)
    assert users.status_code == 403
    for bad in ({"max_priority": 11}, {"max_running_jobs": -1}, {"role": "ADMIN"}):
        r = api.client.patch("/api/v1/admin/users/2", json=bad, headers=api.admin)
        assert r.status_code == 422, bad
    assert api.client.patch("/api/v1/admin/users/99", json={}, headers=api.admin).status_code == 404
    r = api.client.patch("/api/v1/admin/users/2", json={"max_priority": 1}, headers=api.alice)
    assert r.status_code == 403
