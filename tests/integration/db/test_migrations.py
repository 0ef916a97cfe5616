"""The migrations build exactly the models' schema; the whole chain goes up, down to nothing
and up again, each step down giving back the schema the step up had made; some go down and up
with data; a database stamped with a revision id of an older release still upgrades."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from molyte.db.migrate import alembic_config, upgrade
from molyte.db.models import Base

# PostgreSQL-only objects the migrations add outside the models: the trigram search index
# (only where the pg_trgm extension can be installed; see migration 0005).
DATABASE_ONLY = {"ix_jobs_name_trgm"}


def test_migrated_postgres_matches_the_models(pg_url: str) -> None:
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name in DATABASE_ONLY)]
    assert diff == []


def test_user_email_migration_goes_down_and_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = create_engine(url)

    def columns() -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns("users")}

    assert "email" in columns()
    command.downgrade(alembic_config(url), "0004_user_email-1")
    assert "email" not in columns() and "username" in columns()
    upgrade(url)
    assert "email" in columns()
    engine.dispose()


def test_scheduling_migration_goes_down_and_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    upgrade(url)
    engine = create_engine(url)

    def schema() -> tuple[set[str], set[str], set[str]]:
        db = inspect(engine)
        jobs = {c["name"] for c in db.get_columns("jobs")}
        users = {c["name"] for c in db.get_columns("users")}
        return jobs, users, {i["name"] for i in db.get_indexes("jobs")}

    jobs, users, indexes = schema()
    assert "cluster" in jobs and "claim_seq" in users
    assert {"ix_jobs_owner_pending", "ix_jobs_owner_active"} <= indexes
    command.downgrade(alembic_config(url), "0005_list_indexes")
    jobs, users, indexes = schema()
    assert "cluster" not in jobs and "claim_seq" not in users and "partition" in jobs
    assert not {"ix_jobs_owner_pending", "ix_jobs_owner_active"} & indexes
    assert "ix_jobs_claim" in indexes
    upgrade(url)
    assert "cluster" in schema()[0]
    engine.dispose()


def test_projects_studies_migration_goes_down_and_up_and_fills_search_keys(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    command.upgrade(alembic_config(url), "0006_scheduling")
    engine = create_engine(url)
    spec = (
        '{"salts": [{"name": "LiPF6", "concentration": 1.2}], "solvents": [{"name": "EC"}], '
        '"temperature": 310}'
    )
    summary = '{"density": {"mean": 1.3}, "provenance": {"core_hours": 2.0}}'
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (id, username, password_hash, role, active, max_priority, "
            "claim_seq, created_at) VALUES (1, 'u', 'x', 'USER', 1, 5, 0, '2026-01-01')"
        )
        conn.exec_driver_sql(
            "INSERT INTO jobs (id, owner_id, type, name, spec, state, priority, attempts, "
            "summary, created_at, updated_at) VALUES "
            f"(1, 1, 'MD', 'old', '{spec}', 'COMPLETED', 0, 1, '{summary}', "
            "'2026-01-01', '2026-01-01')"
        )
    upgrade(url)
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT temperature, concentration, density, core_hours FROM jobs"
        ).one()
        species = conn.exec_driver_sql("SELECT kind, name FROM job_species ORDER BY kind").all()
    assert tuple(row) == (310, 1.2, 1.3, 2.0)
    assert [tuple(s) for s in species] == [("salt", "LiPF6"), ("solvent", "EC")]
    command.downgrade(alembic_config(url), "0006_scheduling")
    db = inspect(engine)
    assert "projects" not in db.get_table_names() and "study_id" not in {
        c["name"] for c in db.get_columns("jobs")
    }
    upgrade(url)
    assert "studies" in inspect(engine).get_table_names()


def test_user_limits_migration_goes_down_and_up(database_url: str) -> None:
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)

    def state() -> tuple[set[str], set[str]]:
        columns = {c["name"] for c in inspect(engine).get_columns("users")}
        triggers: set[str] = set()
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                triggers = set(
                    conn.scalars(text("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%notify%'"))
                )
        return columns, triggers

    columns, triggers = state()
    assert {"max_pending_jobs", "max_submissions_per_minute"} <= columns
    auth_triggers = {
        "worker_tokens_notify_revoked",
        "worker_tokens_notify_deleted",
        "users_notify_changed",
        "users_notify_deleted",
    }
    if engine.dialect.name == "postgresql":
        assert auth_triggers <= triggers
    command.downgrade(alembic_config(url), "0006_scheduling")
    columns, triggers = state()
    assert "max_pending_jobs" not in columns and "claim_seq" in columns
    assert not auth_triggers & triggers
    upgrade(url)
    columns, triggers = state()
    assert "max_submissions_per_minute" in columns
    if engine.dialect.name == "postgresql":
        assert auth_triggers <= triggers


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_live_progress_migration_goes_down_and_up(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'l.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")  # migrated to the head
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def schema() -> tuple[set[str], set[str]]:
        db = inspect(engine)
        return {c["name"] for c in db.get_columns("jobs")}, set(db.get_table_names())

    jobs, tables = schema()
    assert {"stage", "eta_seconds"} <= jobs and "job_live" in tables
    command.downgrade(alembic_config(url), "0009_projects_studies")
    jobs, tables = schema()
    assert not {"stage", "eta_seconds"} & jobs and "job_live" not in tables and "cluster" in jobs
    upgrade(url)
    assert "job_live" in schema()[1]


def test_ids_keys_workers_migration_keeps_the_data_and_goes_down_and_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url, "0006_scheduling")
    engine = create_engine(url)
    spec = '{"method": "GFN2-xTB", "engine": "auto", "molecule": {"smiles": "O"}}'
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (id, username, password_hash, role, active, max_priority,"
            " claim_seq, created_at) VALUES (1, 'u', 'x', 'USER', 1, 5, 0, '2026-01-01')"
        )
        for job_id in (1, 2):
            conn.exec_driver_sql(
                "INSERT INTO jobs (id, owner_id, type, name, spec, engine, state, priority,"
                " attempts, created_at, updated_at) VALUES"
                f" ({job_id}, 1, 'QC', 'j', '{spec}', 'auto', 'PENDING', 0, 0,"
                " '2026-01-01', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO job_events (job_id, time, to_state, actor) VALUES"
                f" ({job_id}, '2026-01-01', 'PENDING', 'user:u')"
            )
    upgrade(url)
    with engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT id, engine, storage_prefix FROM jobs").all()
        assert [(r[0], r[1]) for r in rows] == [(1, "xtb"), (2, "xtb")]
        assert len({r[2] for r in rows}) == 2 and all(len(r[2]) == 32 for r in rows)
        # The table was rebuilt without losing its children (foreign keys were off).
        assert conn.exec_driver_sql("SELECT count(*) FROM job_events").scalar() == 2
        conn.exec_driver_sql("DELETE FROM jobs WHERE id = 2")
        conn.exec_driver_sql(
            "INSERT INTO jobs (owner_id, type, name, spec, engine, state, priority, attempts,"
            " created_at, updated_at, storage_prefix) VALUES (1, 'QC', 'n', '{}', 'xtb',"
            " 'PENDING', 0, 0, '2026-01-02', '2026-01-02', 'p')"
        )
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM jobs ORDER BY id")]
    assert ids == [1, 3]  # AUTOINCREMENT: the deleted job's id 2 is not handed out again
    indexes = {i["name"] for i in inspect(engine).get_indexes("jobs")}
    assert {"ix_jobs_claim", "ix_jobs_owner_pending"} <= indexes
    with engine.connect() as conn:
        sql = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master").all())
    # Later migrations that rebuild the table (0009, 0010) keep both.
    assert "AUTOINCREMENT" in sql["jobs"]
    assert (
        "priority DESC" in sql["ix_jobs_claim"] and "priority DESC" in sql["ix_jobs_owner_pending"]
    )
    command.downgrade(alembic_config(url), "0006_scheduling")
    with engine.begin() as conn:
        engines = [r[0] for r in conn.exec_driver_sql("SELECT engine FROM jobs ORDER BY id")]
    assert engines == ["auto", "xtb"]  # the spec said auto; the new job named no engine
    assert "storage_prefix" not in {c["name"] for c in inspect(engine).get_columns("jobs")}
    upgrade(url)
    engine.dispose()


def _concentration_index(engine: sa.Engine) -> list[str]:
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("jobs")}
    return list(indexes["ix_jobs_concentration"])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concentration_basis_migration_fills_the_basis_and_goes_down_and_up(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'c.db'}"
        upgrade(url, "0010_live_progress")
    else:
        url = request.getfixturevalue("pg_url")  # migrated to the head
        command.downgrade(alembic_config(url), "0010_live_progress")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    when = sa.DateTime(timezone=True)
    users = sa.table(
        "users",
        *map(sa.column, ("id", "username", "password_hash", "role", "max_priority", "claim_seq")),
        sa.column("active", sa.Boolean()),
        sa.column("created_at", when),
    )
    jobs = sa.table(
        "jobs",
        *map(sa.column, ("id", "owner_id", "type", "name", "state", "priority", "attempts")),
        sa.column("storage_prefix"),
        sa.column("spec", sa.JSON()),
        sa.column("concentration", sa.Float()),
        sa.column("created_at", when),
        sa.column("updated_at", when),
    )
    md = {"salts": [{"name": "LiPF6", "concentration": 1.0}], "solvents": [{"name": "EC"}]}
    specs = {  # id: (type, spec, its concentration search key)
        1: ("MD", md, 1.0),  # from before the field: per litre of solvent
        2: ("MD", {**md, "concentration_basis": "molal"}, 1.0),
        3: ("MD", {**md, "concentration_basis": "solution"}, 1.0),
        4: ("MD", {**md, "salts": [], "molecules": 50}, None),
        5: ("QC", {"molecule": {"smiles": "O"}}, None),
    }
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(users).values(
                id=1, username="u", password_hash="x", role="USER", active=True,
                max_priority=5, claim_seq=0, created_at=now,
            )
        )  # fmt: skip
        conn.execute(
            sa.insert(jobs),
            [
                {"id": i, "owner_id": 1, "type": kind, "name": f"j{i}", "state": "COMPLETED",
                 "priority": 0, "attempts": 1, "storage_prefix": f"p{i}", "spec": spec,
                 "concentration": conc, "created_at": now, "updated_at": now}
                for i, (kind, spec, conc) in specs.items()
            ],
        )  # fmt: skip

    def bases() -> list[tuple[int, str | None]]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, concentration_basis FROM jobs ORDER BY id"))
            return [(int(r[0]), r[1]) for r in rows]

    filled = [(1, "solvent"), (2, "molal"), (3, "solution"), (4, None), (5, None)]
    upgrade(url)
    assert bases() == filled
    assert _concentration_index(engine) == ["concentration_basis", "concentration"]
    command.downgrade(alembic_config(url), "0010_live_progress")
    columns = {c["name"] for c in inspect(engine).get_columns("jobs")}
    assert "concentration_basis" not in columns and "concentration" in columns
    assert _concentration_index(engine) == ["concentration"]
    upgrade(url)
    assert bases() == filled
    with engine.begin() as conn:  # the shared PostgreSQL database as the next test expects it
        conn.execute(text("DELETE FROM jobs"))
        conn.execute(text("DELETE FROM users"))
    engine.dispose()
