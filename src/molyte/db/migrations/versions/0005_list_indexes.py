"""job list indexes: newest first for everyone, per owner and per state; trigram search

`GET /jobs` orders by (created_at DESC, id DESC). Without an index in that order an admin's
list sorted the whole table for every page, and a deep offset spilled that sort to disk. Each
index carries `id`, so the page's keys come from an index-only scan (see
`molyte.api.jobs.repository.list_statements`).

The search (`q`: name ILIKE '%...%') cannot use a B-tree. On PostgreSQL a trigram GIN index
(pg_trgm) serves it for terms of 3 characters or more. pg_trgm is a trusted extension (any role
allowed to create objects in the database may install it); where it cannot be installed the
index is left out with a warning, and the search stays correct, only slower on large tables.

Revision ID: 0005_list_indexes
Revises: 0004_user_email
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0005_list_indexes"
down_revision = "0004_user_email"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)
TRIGRAM_INDEX = "ix_jobs_name_trgm"


def upgrade() -> None:
    op.drop_index("ix_jobs_owner_created", table_name="jobs")
    op.create_index("ix_jobs_owner_created", "jobs", ["owner_id", "created_at", "id"])
    op.create_index("ix_jobs_created", "jobs", ["created_at", "id"])
    op.create_index("ix_jobs_state_created", "jobs", ["state", "created_at", "id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _trigram_extension(bind):
        op.create_index(
            TRIGRAM_INDEX,
            "jobs",
            ["name"],
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        )


def _trigram_extension(bind: sa.engine.Connection) -> bool:
    """Install pg_trgm if it is not there; False (and a warning) when that is not possible."""
    try:
        with bind.begin_nested():  # a savepoint: a refusal must not abort the migration
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm is not available (%s): job search will not use an index", exc.orig)
        return False
    return True


def downgrade() -> None:
    op.execute(sa.text(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}"))
    op.drop_index("ix_jobs_state_created", table_name="jobs")
    op.drop_index("ix_jobs_created", table_name="jobs")
    op.drop_index("ix_jobs_owner_created", table_name="jobs")
    op.create_index("ix_jobs_owner_created", "jobs", ["owner_id", "created_at"])
