"""scheduling: fair share and running limits (per-owner indexes, users.claim_seq), routing
(jobs.cluster, workers.cluster)

Revision ID: 0006_scheduling
Revises: 0005_list_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_scheduling"
down_revision = "0005_list_indexes"
branch_labels = None
depends_on = None

PENDING = "state = 'PENDING'"
ACTIVE = "state IN ('CLAIMED', 'QUEUED', 'RUNNING', 'POSTPROCESSING')"


def upgrade() -> None:
    op.add_column("users", sa.Column("claim_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("jobs", sa.Column("cluster", sa.String(length=64), nullable=True))
    op.add_column("workers", sa.Column("cluster", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_jobs_owner_pending",
        "jobs",
        ["owner_id", sa.text("priority DESC"), "created_at", "id"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )
    op.create_index(
        "ix_jobs_owner_active",
        "jobs",
        ["owner_id"],
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_owner_active", table_name="jobs")
    op.drop_index("ix_jobs_owner_pending", table_name="jobs")
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("cluster")
    # SQLite drops the column by copying the table, and the copy's indexes come from
    # reflection, which loses the DESC of the claim index: that one is made again.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("ix_jobs_claim", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("cluster")
    if sqlite:
        op.create_index(
            "ix_jobs_claim",
            "jobs",
            [sa.text("priority DESC"), "created_at", "id"],
            sqlite_where=sa.text(PENDING),
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("claim_seq")
