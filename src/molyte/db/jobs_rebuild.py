"""Altering the jobs table in a migration without losing what SQLite keeps only in its CREATE
statements.

SQLite cannot drop a column or add a foreign key in place: Alembic's batch mode copies the
table into a new one. The copy is built from reflection, which knows neither AUTOINCREMENT (so
ids of deleted jobs would be handed out again, and with them old result links) nor the `DESC`
of the claim-order indexes. `jobs_batch` keeps both; on PostgreSQL it is plain batch mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

_PENDING = "state = 'PENDING'"
_CLAIM_ORDER: list[str | sa.TextClause] = [sa.text("priority DESC"), "created_at", "id"]


@contextmanager
def jobs_batch() -> Iterator[BatchOperations]:
    """`op.batch_alter_table("jobs")` that keeps AUTOINCREMENT and the ordered indexes."""
    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table("jobs") as batch:
            yield batch
        return
    op.drop_index("ix_jobs_claim", table_name="jobs")
    op.drop_index("ix_jobs_owner_pending", table_name="jobs")
    with op.batch_alter_table("jobs", table_kwargs={"sqlite_autoincrement": True}) as batch:
        yield batch
    op.create_index("ix_jobs_claim", "jobs", _CLAIM_ORDER, sqlite_where=sa.text(_PENDING))
    op.create_index(
        "ix_jobs_owner_pending",
        "jobs",
        ["owner_id", *_CLAIM_ORDER],
        sqlite_where=sa.text(_PENDING),
    )
