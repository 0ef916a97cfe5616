"""Alembic environment: migrations run online against the URL given by `molyte db upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from molyte.db.migrate import renumber_stamp
from molyte.db.models import Base
from molyte.db.session import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
engine = make_engine(url) if url.startswith("sqlite") else None
if engine is None:
    from sqlalchemy import create_engine

    engine = create_engine(url, poolclass=pool.NullPool)

with engine.connect() as connection:
    if url.startswith("sqlite"):
        # A batch migration rebuilds a table by DROP and RENAME; with foreign keys on, dropping
        # `jobs` would cascade to its events and result files. Off for the migration's
        # connection only (SQLite ignores the pragma inside a transaction, so before it).
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        renumber_stamp(connection)  # ids of older releases, before Alembic reads the stamp
        context.run_migrations()
engine.dispose()
