"""Run Alembic migrations from inside the package (`molyte db upgrade`).

Every revision id is its file's name (`versions/0006_scheduling.py` is `0006_scheduling`).
Earlier releases stamped databases with other ids for five of them; `renumber_stamp` rewrites
such a stamp to the new id before Alembic reads it (migrations/env.py calls it on every run),
so a database migrated by an older Molyte keeps upgrading (and downgrading).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"

# Old revision id -> the id it has now. Never remove an entry: a database stamped long ago
# must still find its way.
RENAMED_REVISIONS = {
    "0001": "0001_initial_schema",
    "0002": "0002_claim_index_order",
    "0003_user_email": "0004_user_email",
    "0003_list_indexes": "0005_list_indexes",
    "0003_scheduling": "0006_scheduling",
}


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is a ConfigParser: a literal % must be doubled.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def renumber_stamp(conn: Connection) -> list[tuple[str, str]]:
    """Rewrite an old revision id in the version table to its new id, in the caller's
    transaction; returns the (old, new) pairs it rewrote. A database without the table (never
    migrated) or already on new ids is left alone."""
    if not inspect(conn).has_table("alembic_version"):
        return []
    stamped = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    done = []
    for old in stamped:
        new = RENAMED_REVISIONS.get(old)
        if new is not None:
            conn.execute(
                text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old"),
                {"new": new, "old": old},
            )
            done.append((old, new))
    return done
