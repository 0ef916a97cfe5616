"""projects, studies, search keys and core-hours on jobs (issue 16)

Revision ID: 0009_projects_studies
Revises: 0008_ids_keys_workers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from molyte.db.jobs_rebuild import jobs_batch

revision = "0009_projects_studies"
down_revision = "0008_ids_keys_workers"
branch_labels = None
depends_on = None

JOB_COLUMNS = (
    ("temperature", sa.Float()),
    ("concentration", sa.Float()),
    ("method", sa.String(length=64)),
    ("basis", sa.String(length=64)),
    ("density", sa.Float()),
    ("conductivity", sa.Float()),
    ("energy_hartree", sa.Float()),
    ("gap_ev", sa.Float()),
    ("core_hours", sa.Float()),
    ("study_values", sa.JSON()),
)
JOB_INDEXES = (
    ("ix_jobs_project_created", ["project_id", "created_at", "id"]),
    ("ix_jobs_study", ["study_id", "id"]),
    ("ix_jobs_engine_created", ["engine", "created_at", "id"]),
    ("ix_jobs_method_basis", ["method", "basis"]),
    ("ix_jobs_finished", ["finished_at"]),
)
# Range searches; on PostgreSQL each index also carries owner_id and project_id (INCLUDE) so
# counting a user's matches is an index-only scan.
RANGE_INDEXES = (
    ("ix_jobs_temperature", "temperature"),
    ("ix_jobs_concentration", "concentration"),
    ("ix_jobs_density", "density"),
    ("ix_jobs_conductivity", "conductivity"),
    ("ix_jobs_energy", "energy_hartree"),
    ("ix_jobs_gap", "gap_ev"),
)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_projects_created_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
    )
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_project_members_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_project_members_user_id_users"),
        sa.PrimaryKeyConstraint("project_id", "user_id", name="pk_project_members"),
    )
    op.create_index("ix_project_members_user", "project_members", ["user_id", "project_id"])
    op.create_table(
        "studies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_studies_owner_id_users"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_studies_project_id_projects",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_studies"),
    )
    op.create_index("ix_studies_owner", "studies", ["owner_id", "id"])
    op.create_index("ix_studies_project", "studies", ["project_id", "id"])
    op.create_table(
        "job_species",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_species_job_id_jobs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "kind", "name", name="pk_job_species"),
    )
    op.create_index("ix_job_species_name", "job_species", ["kind", "name", "job_id"])
    with jobs_batch() as batch:
        batch.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("study_id", sa.Integer(), nullable=True))
        for name, type_ in JOB_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.create_foreign_key(
            "fk_jobs_project_id_projects", "projects", ["project_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            "fk_jobs_study_id_studies", "studies", ["study_id"], ["id"], ondelete="SET NULL"
        )
    for name, columns in JOB_INDEXES:
        op.create_index(name, "jobs", columns)
    for name, column in RANGE_INDEXES:
        op.create_index(name, "jobs", [column], postgresql_include=["owner_id", "project_id"])
    _backfill()


def _backfill() -> None:
    """Search keys of the jobs already stored (from their spec and summary)."""
    from molyte.domain.search_keys import result_keys, spec_keys

    bind = op.get_bind()
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.Integer()),
        sa.column("type", sa.String()),
        sa.column("spec", sa.JSON()),
        sa.column("summary", sa.JSON()),
        *(sa.column(name, type_) for name, type_ in JOB_COLUMNS),
    )
    species = sa.table(
        "job_species",
        sa.column("job_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("name", sa.String()),
    )
    rows = bind.execute(sa.select(jobs.c.id, jobs.c.type, jobs.c.spec, jobs.c.summary)).all()
    for job_id, job_type, spec, summary in rows:
        keys = spec_keys(job_type, spec or {})
        values = {**keys.columns(), **result_keys(summary or {})}
        values = {k: v for k, v in values.items() if k in jobs.c}  # later keys: later migrations
        bind.execute(sa.update(jobs).where(jobs.c.id == job_id).values(**values))
        if keys.species:
            bind.execute(
                sa.insert(species),
                [{"job_id": job_id, "kind": k, "name": n} for k, n in keys.species],
            )


def downgrade() -> None:
    for name, _column in reversed(RANGE_INDEXES):
        op.drop_index(name, table_name="jobs")
    for name, _columns in reversed(JOB_INDEXES):
        op.drop_index(name, table_name="jobs")
    with jobs_batch() as batch:
        batch.drop_constraint("fk_jobs_study_id_studies", type_="foreignkey")
        batch.drop_constraint("fk_jobs_project_id_projects", type_="foreignkey")
        for name, _type in reversed(JOB_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("study_id")
        batch.drop_column("project_id")
    op.drop_index("ix_job_species_name", table_name="job_species")
    op.drop_table("job_species")
    op.drop_index("ix_studies_project", table_name="studies")
    op.drop_index("ix_studies_owner", table_name="studies")
    op.drop_table("studies")
    op.drop_index("ix_project_members_user", table_name="project_members")
    op.drop_table("project_members")
    op.drop_table("projects")
