"""user limits: per-user submission quotas (users.max_pending_jobs,
users.max_submissions_per_minute); PostgreSQL: NOTIFY on revocation so every server process
drops its cached credentials at once

Revision ID: 0007_user_limits
Revises: 0006_scheduling

A worker token revoked, or a user deactivated or deleted, by any path (the admin API, `molyte
worker-token revoke` from another machine, SQL by hand) sends `NOTIFY molyte_auth` from the
same transaction; each server process listens on its existing LISTEN connection and empties
its credential cache when the notice arrives.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_user_limits"
down_revision = "0006_scheduling"
branch_labels = None
depends_on = None

CHANNEL = "molyte_auth"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("max_pending_jobs", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("max_submissions_per_minute", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: one process, whose cache is emptied in-process
    op.execute(f"""
        CREATE FUNCTION molyte_notify_auth() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER worker_tokens_notify_revoked AFTER UPDATE OF revoked ON worker_tokens
        FOR EACH ROW WHEN (NEW.revoked AND NOT OLD.revoked) EXECUTE FUNCTION molyte_notify_auth()
    """)
    op.execute("""
        CREATE TRIGGER worker_tokens_notify_deleted AFTER DELETE ON worker_tokens
        FOR EACH ROW EXECUTE FUNCTION molyte_notify_auth()
    """)
    op.execute("""
        CREATE TRIGGER users_notify_changed AFTER UPDATE OF active, role ON users
        FOR EACH ROW WHEN (NEW.active IS DISTINCT FROM OLD.active OR NEW.role <> OLD.role)
        EXECUTE FUNCTION molyte_notify_auth()
    """)
    op.execute("""
        CREATE TRIGGER users_notify_deleted AFTER DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION molyte_notify_auth()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER users_notify_deleted ON users")
        op.execute("DROP TRIGGER users_notify_changed ON users")
        op.execute("DROP TRIGGER worker_tokens_notify_deleted ON worker_tokens")
        op.execute("DROP TRIGGER worker_tokens_notify_revoked ON worker_tokens")
        op.execute("DROP FUNCTION molyte_notify_auth()")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("max_submissions_per_minute")
        batch.drop_column("max_pending_jobs")
