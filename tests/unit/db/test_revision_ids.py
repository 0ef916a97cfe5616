"""Revision ids are the migration files' names, in file order; a database stamped with an id of
an older release gets the new id (`molyte.db.migrate.renumber_stamp`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text

from molyte.db.migrate import MIGRATIONS, RENAMED_REVISIONS, alembic_config, renumber_stamp


def test_every_revision_id_is_its_file_name_and_follows_the_previous_file() -> None:
    files = sorted(p.stem for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    chain = [s for s in scripts.walk_revisions()][::-1]  # base first
    assert [s.revision for s in chain] == files
    assert [s.down_revision for s in chain] == [None, *files[:-1]]
    assert [int(f[:4]) for f in files] == list(range(1, len(files) + 1))


def test_every_old_id_maps_to_an_existing_revision() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {s.revision for s in scripts.walk_revisions()}
    assert set(RENAMED_REVISIONS.values()) <= known
    assert not set(RENAMED_REVISIONS) & known  # an old id never names a current revision
    assert RENAMED_REVISIONS["0003_scheduling"] == "0006_scheduling"


@pytest.fixture
def conn() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    with engine.begin() as c:
        yield c
    engine.dispose()


def _stamp(conn: Connection, version: str) -> None:
    conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
    conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})


def _stamped(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0003_scheduling", "0006_scheduling"),
        ("0003_user_email", "0004_user_email"),
        ("0003_list_indexes", "0005_list_indexes"),
        ("0001", "0001_initial_schema"),
        ("0002", "0002_claim_index_order"),
    ],
)
def test_an_old_stamp_is_rewritten_to_the_new_id(conn: Connection, old: str, new: str) -> None:
    _stamp(conn, old)
    assert renumber_stamp(conn) == [(old, new)]
    assert _stamped(conn) == [new]
    assert renumber_stamp(conn) == []  # a second run finds nothing to do
    assert _stamped(conn) == [new]


@pytest.mark.parametrize(
    "current", ["0003_pending_notify", "0006_scheduling", "0010_live_progress"]
)
def test_a_current_stamp_is_left_alone(conn: Connection, current: str) -> None:
    _stamp(conn, current)
    assert renumber_stamp(conn) == []
    assert _stamped(conn) == [current]


def test_a_database_never_migrated_is_left_alone(conn: Connection) -> None:
    assert renumber_stamp(conn) == []
    assert conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar() == 0
