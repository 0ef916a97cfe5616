"""Live progress: jobs.stage and jobs.eta_seconds, and job_live (a running job's latest numbers)

Revision ID: 0010_live_progress
Revises: 0009_projects_studies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from molyte.db.jobs_rebuild import jobs_batch

revision = "0010_live_progress"
down_revision = "0009_projects_studies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with jobs_batch() as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("eta_seconds", sa.Integer(), nullable=True))
    op.create_table(
        "job_live",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_live_job_id_jobs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name="pk_job_live"),
    )


def downgrade() -> None:
    op.drop_table("job_live")
    with jobs_batch() as batch_op:
        batch_op.drop_column("eta_seconds")
        batch_op.drop_column("stage")
