"""ids, keys, workers (issue 13): job ids never reused on SQLite (AUTOINCREMENT), a random
storage prefix per job, the lease holder of each job, a bound worker name per worker token,
and `jobs.engine` holding the job's engine route instead of `auto`

Revision ID: 0008_ids_keys_workers
Revises: 0007_user_limits
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008_ids_keys_workers"
down_revision = "0007_user_limits"
branch_labels = None
depends_on = None

# Frozen copies of the rule in molyte.domain.engines at this revision (a migration must not
# change when the code does later).
XTB_METHOD = "GFN2-xTB"
NOT_IN_GAUSSIAN = ("def2-SVPD", "def2-TZVPD")
NOT_IN_PYSCF = ("wB97X-D",)


def _route(spec: dict[str, Any]) -> str:
    if spec.get("method") == XTB_METHOD:
        return "xtb"
    candidates = [] if spec.get("basis") in NOT_IN_GAUSSIAN else ["gaussian"]
    if spec.get("method") not in NOT_IN_PYSCF or not candidates:
        candidates.append("pyscf")
    return "|".join(candidates)


def _spec(value: Any) -> dict[str, Any]:
    return dict(json.loads(value) if isinstance(value, str) else value)


def _random_hex(dialect: str) -> str:
    if dialect == "postgresql":
        return "replace(CAST(gen_random_uuid() AS text), '-', '')"
    return "lower(hex(randomblob(16)))"


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    op.add_column("jobs", sa.Column("storage_prefix", sa.String(length=32), nullable=True))
    op.add_column("jobs", sa.Column("lease_holder", sa.String(length=100), nullable=True))
    op.execute(f"UPDATE jobs SET storage_prefix = {_random_hex(dialect)}")  # noqa: S608
    jobs = sa.table("jobs", sa.column("id"), sa.column("engine"), sa.column("spec"))
    for job_id, spec in conn.execute(
        sa.select(jobs.c.id, jobs.c.spec).where(jobs.c.engine == "auto")
    ):
        conn.execute(jobs.update().where(jobs.c.id == job_id).values(engine=_route(_spec(spec))))
    if dialect == "sqlite":
        # AUTOINCREMENT is part of CREATE TABLE: SQLite rebuilds the table for it. The rebuild
        # copies indexes from reflection, which drops `DESC`: those two are made again.
        _drop_ordered_indexes()
        with op.batch_alter_table(
            "jobs", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            batch.alter_column("storage_prefix", existing_type=sa.String(length=32), nullable=False)
        _create_ordered_indexes()
    else:
        op.alter_column("jobs", "storage_prefix", nullable=False)
    with op.batch_alter_table("worker_tokens") as batch:
        batch.add_column(sa.Column("worker_name", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_worker_tokens_worker_name", ["worker_name"])


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("worker_tokens") as batch:
        batch.drop_constraint("uq_worker_tokens_worker_name", type_="unique")
        batch.drop_column("worker_name")
    jobs = sa.table(
        "jobs", sa.column("id"), sa.column("type"), sa.column("engine"), sa.column("spec")
    )
    for job_id, spec in conn.execute(sa.select(jobs.c.id, jobs.c.spec).where(jobs.c.type == "QC")):
        if _spec(spec).get("engine") == "auto":
            conn.execute(jobs.update().where(jobs.c.id == job_id).values(engine="auto"))
    # Ids stay as they are; SQLite simply stops remembering the highest one.
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        _drop_ordered_indexes()
    with op.batch_alter_table("jobs", recreate="always" if sqlite else "auto") as batch:
        batch.drop_column("lease_holder")
        batch.drop_column("storage_prefix")
    if sqlite:
        _create_ordered_indexes()


PENDING = "state = 'PENDING'"


def _drop_ordered_indexes() -> None:
    op.drop_index("ix_jobs_claim", table_name="jobs")
    op.drop_index("ix_jobs_owner_pending", table_name="jobs")


def _create_ordered_indexes() -> None:
    order: list[str | sa.TextClause] = [sa.text("priority DESC"), "created_at", "id"]
    op.create_index("ix_jobs_claim", "jobs", order, sqlite_where=sa.text(PENDING))
    op.create_index(
        "ix_jobs_owner_pending", "jobs", ["owner_id", *order], sqlite_where=sa.text(PENDING)
    )
