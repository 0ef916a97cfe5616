"""PostgreSQL: NOTIFY waiting claims from a trigger; vacuum and analyze the queue sooner

Revision ID: 0003_pending_notify
Revises: 0002_claim_index_order

A row that becomes PENDING (a submission, a requeue by a worker, an admin or the sweeper)
sends `NOTIFY molyte_jobs` from the same transaction, so long-polling claims wake on every
path without an extra round trip from the application.

The jobs table is a queue: every claim leaves a dead entry in the partial claim index, and a
burst of submissions changes the table faster than the default autovacuum thresholds (20 % of
the rows) notice, which leaves the planner with stale statistics. Lower thresholds keep both
in check.
"""

from __future__ import annotations

from alembic import op

revision = "0003_pending_notify"
down_revision = "0002_claim_index_order"
branch_labels = None
depends_on = None

CHANNEL = "molyte_jobs"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: one process, woken in-process after commit
    op.execute(f"""
        CREATE FUNCTION molyte_notify_pending() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.type);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER jobs_notify_pending_insert AFTER INSERT ON jobs
        FOR EACH ROW WHEN (NEW.state = 'PENDING') EXECUTE FUNCTION molyte_notify_pending()
    """)
    op.execute("""
        CREATE TRIGGER jobs_notify_pending_update AFTER UPDATE OF state ON jobs
        FOR EACH ROW WHEN (NEW.state = 'PENDING' AND OLD.state <> 'PENDING')
        EXECUTE FUNCTION molyte_notify_pending()
    """)
    op.execute(
        "ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.02,"
        " autovacuum_analyze_scale_factor = 0.01)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE jobs RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)"
    )
    op.execute("DROP TRIGGER jobs_notify_pending_update ON jobs")
    op.execute("DROP TRIGGER jobs_notify_pending_insert ON jobs")
    op.execute("DROP FUNCTION molyte_notify_pending()")
