"""`GET /jobs` pages, counts and filters against the same list computed in Python, on SQLite
and PostgreSQL; and the list indexes of migration 0003 (PostgreSQL plans, SQLite round trip)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, inspect, select, text

from molyte.db.migrate import alembic_config, upgrade
from molyte.db.models import Job, User
from support import Api

STATES = ("PENDING", "RUNNING", "COMPLETED", "FAILED")


def seed(api: Api, n: int) -> list[dict[str, Any]]:
    """`n` jobs of alice and bob; many share a creation time, so the order rests on the id
    tie-breaker. Returns what the list must show, newest first."""
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with api.ctx.sessions() as db:
        owners = {u.username: u.id for u in db.scalars(select(User))}
        jobs = []
        for i in range(n):
            created = base + timedelta(minutes=rng.randrange(12))  # 12 distinct times
            jobs.append(
                Job(
                    owner_id=owners[rng.choice(("alice", "bob"))],
                    type=rng.choice(("MD", "QC")),
                    name=f"{rng.choice(('EC DMC', 'FEC PC', 'water'))} run {i}",
                    spec={},
                    state=rng.choice(STATES),
                    priority=0,
                    attempts=0,
                    created_at=created,
                    updated_at=created,
                )
            )
        db.add_all(jobs)
        db.commit()
        names = {v: k for k, v in owners.items()}
        rows = [
            {"id": j.id, "owner": names[j.owner_id], "state": j.state, "name": j.name,
             "created_at": j.created_at}
            for j in jobs
        ]  # fmt: skip
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)


def listed(api: Api, headers: dict[str, str], **params: Any) -> tuple[list[int], int]:
    r = api.client.get("/api/v1/jobs", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    return [j["id"] for j in body["items"]], body["total"]


def test_pages_counts_and_filters_match_the_expected_order(api: Api) -> None:
    expected = seed(api, 120)
    cases: list[tuple[dict[str, str], dict[str, Any], list[int]]] = [
        (api.admin, {}, [r["id"] for r in expected]),
        (api.alice, {}, [r["id"] for r in expected if r["owner"] == "alice"]),
        (
            api.alice,
            {"state": "FAILED"},
            [r["id"] for r in expected if r["owner"] == "alice" and r["state"] == "FAILED"],
        ),
        (api.admin, {"state": "RUNNING"}, [r["id"] for r in expected if r["state"] == "RUNNING"]),
        (api.admin, {"q": "fec"}, [r["id"] for r in expected if "FEC" in r["name"]]),
        (
            api.bob,
            {"q": "run 1", "state": "COMPLETED"},
            [
                r["id"]
                for r in expected
                if r["owner"] == "bob" and "run 1" in r["name"] and r["state"] == "COMPLETED"
            ],
        ),
    ]
    for headers, params, want in cases:
        assert want, params  # every case selects something
        pages: list[int] = []
        for offset in range(0, len(want) + 7, 7):  # pages of 7, the last one past the end
            ids, total = listed(api, headers, limit=7, offset=offset, **params)
            assert total == len(want), params
            pages += ids
        assert pages == want, params


def test_postgres_has_the_list_indexes_and_uses_them(pg_url: str) -> None:
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("jobs")}
    assert indexes["ix_jobs_created"] == ["created_at", "id"]
    assert indexes["ix_jobs_owner_created"] == ["owner_id", "created_at", "id"]
    assert indexes["ix_jobs_state_created"] == ["state", "created_at", "id"]
    assert "ix_jobs_name_trgm" in indexes  # pg_trgm is installable on the test server
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # an empty table: make the choice visible
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT count(*) FROM jobs WHERE name ILIKE :q",
                ),
                {"q": "%FEC%"},
            ).scalars()
        )
    engine.dispose()
    assert "ix_jobs_name_trgm" in plan


def test_migration_0003_downgrades_and_upgrades_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0002")
    engine = create_engine(url)
    names = {ix["name"] for ix in inspect(engine).get_indexes("jobs")}
    assert "ix_jobs_created" not in names and "ix_jobs_owner_created" in names
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    names = {ix["name"] for ix in inspect(engine).get_indexes("jobs")}
    engine.dispose()
    assert {"ix_jobs_created", "ix_jobs_owner_created", "ix_jobs_state_created"} <= names
