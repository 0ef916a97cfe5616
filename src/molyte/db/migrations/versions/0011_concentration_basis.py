"""jobs.concentration_basis: the basis of the concentration search key; its range index leads
with it

Revision ID: 0011_concentration_basis
Revises: 0010_live_progress

`jobs.concentration` is the spec's own number, mol/L or mol/kg by the spec's
`concentration_basis`; the search compares it within one basis. Jobs with salts submitted before
the field are all per litre of solvent ("solvent"); those since that name another basis take it
from their spec. Jobs without salts (and QC jobs) have none, as submission writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from molyte.db.jobs_rebuild import jobs_batch

revision = "0011_concentration_basis"
down_revision = "0010_live_progress"
branch_labels = None
depends_on = None

BASES = ("solvent", "solution", "molal")
VISIBILITY = ["owner_id", "project_id"]  # INCLUDEd on PostgreSQL, as in 0009


def upgrade() -> None:
    with jobs_batch() as batch_op:
        batch_op.add_column(sa.Column("concentration_basis", sa.String(length=16), nullable=True))
    _backfill()
    op.drop_index("ix_jobs_concentration", table_name="jobs")
    op.create_index(
        "ix_jobs_concentration",
        "jobs",
        ["concentration_basis", "concentration"],
        postgresql_include=VISIBILITY,
    )


def _backfill() -> None:
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.Integer()),
        sa.column("spec", sa.JSON()),
        sa.column("concentration", sa.Float()),
        sa.column("concentration_basis", sa.String()),
    )
    bind = op.get_bind()
    with_salts = jobs.c.concentration.is_not(None)
    bind.execute(sa.update(jobs).where(with_salts).values(concentration_basis="solvent"))
    # Only specs that name a basis can have another one: read those alone.
    named = sa.cast(jobs.c.spec, sa.Text()).like('%"concentration_basis"%')
    from molyte.domain.search_keys import DEFAULT_CONCENTRATION_BASIS, concentration_basis

    for job_id, spec in bind.execute(sa.select(jobs.c.id, jobs.c.spec).where(with_salts, named)):
        basis = concentration_basis(spec) if isinstance(spec, dict) else None
        if basis in BASES and basis != DEFAULT_CONCENTRATION_BASIS:
            bind.execute(
                sa.update(jobs).where(jobs.c.id == job_id).values(concentration_basis=basis)
            )


def downgrade() -> None:
    op.drop_index("ix_jobs_concentration", table_name="jobs")
    op.create_index(
        "ix_jobs_concentration", "jobs", ["concentration"], postgresql_include=VISIBILITY
    )
    with jobs_batch() as batch_op:
        batch_op.drop_column("concentration_basis")
