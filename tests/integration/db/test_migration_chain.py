"""The whole migration chain on SQLite and PostgreSQL: from an empty database up to the head,
down to nothing one step at a time (each step down must give back exactly the schema the step
up had made), and up again; and databases stamped with the revision ids of older releases.

The schema is compared as plain data: tables with their columns, keys and indexes, and what
reflection does not show (SQLite: AUTOINCREMENT and the index text with its DESC and WHERE;
PostgreSQL: triggers, functions and the jobs table's storage options). Extensions are left out:
migration 0005 installs pg_trgm if it can, and its downgrade leaves it (other objects in the
database may use it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from molyte.db.migrate import RENAMED_REVISIONS, alembic_config, upgrade
from molyte.db.models import Base

VERSION_TABLE = "alembic_version"
DATABASE_ONLY = {"ix_jobs_name_trgm"}  # PostgreSQL's trigram index, outside the models


def _index(i: Any) -> tuple[Any, ...]:
    where = {k: str(v) for k, v in i.get("dialect_options", {}).items() if k.endswith("_where")}
    return (
        i["name"],
        tuple(i["column_names"]),
        tuple(i.get("expressions") or ()),
        bool(i["unique"]),
        tuple(sorted(where.items())),
        tuple(sorted((i.get("column_sorting") or {}).items())),
        tuple(i.get("include_columns") or ()),
    )


def schema_print(url: str) -> dict[str, Any]:
    """The schema of the database at `url` (its version table left out)."""
    engine = create_engine(_url(url))
    try:
        return _print(engine)
    finally:
        engine.dispose()


def _print(engine: Engine) -> dict[str, Any]:
    db = inspect(engine)
    tables: dict[str, Any] = {}
    for name in sorted(set(db.get_table_names()) - {VERSION_TABLE}):
        tables[name] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"]) for c in db.get_columns(name)
            ),
            "pk": tuple(db.get_pk_constraint(name)["constrained_columns"]),
            "fks": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk.get("options") or {}).get("ondelete"),
                )
                for fk in db.get_foreign_keys(name)
            ),
            "uniques": sorted(
                (u["name"], tuple(u["column_names"])) for u in db.get_unique_constraints(name)
            ),
            "indexes": sorted(_index(i) for i in db.get_indexes(name)),
        }
    extra: dict[str, Any] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL")
            ).all()
            for kind, name, sql in rows:
                if name.startswith("sqlite_"):
                    continue  # SQLite's own (sqlite_sequence stays once made)
                flat = re.sub(r"\s+", " ", sql.replace('"', "")).strip()
                if kind == "index":
                    extra[name] = flat.split(" ON ", 1)[1]
                elif kind == "table" and name != VERSION_TABLE:
                    extra[name] = "AUTOINCREMENT" in flat
        else:
            extra["triggers"] = sorted(
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
                        " WHERE NOT tgisinternal"
                    )
                )
            )
            extra["functions"] = sorted(
                conn.execute(
                    text(
                        "SELECT proname FROM pg_proc p JOIN pg_namespace n"
                        " ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
                        # an extension's own (pg_trgm stays installed: see 0005)
                        " AND NOT EXISTS (SELECT 1 FROM pg_depend d"
                        " WHERE d.objid = p.oid AND d.deptype = 'e')"
                    )
                ).scalars()
            )
            extra["options"] = conn.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'jobs'")
            ).scalar()
    return {"tables": tables, "extra": extra}


def _url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _chain() -> list[str]:
    """The revision ids, base first."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [s.revision for s in scripts.walk_revisions()][::-1]


def _stamp(url: str) -> list[str]:
    engine = create_engine(_url(url))
    with engine.connect() as conn:
        versions = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    engine.dispose()
    return versions


def _matches_the_models(url: str) -> bool:
    """The migrated schema is the models'. PostgreSQL: Alembic's comparison; SQLite (whose
    ordered indexes the comparison cannot read): the same print as the models' own tables."""
    if url.startswith("sqlite"):
        models = create_engine("sqlite://")
        Base.metadata.create_all(models)
        same = _print(models) == schema_print(url)
        models.dispose()
        return same
    engine = create_engine(_url(url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    return not [d for d in diff if not (d[0] == "remove_index" and d[1].name in DATABASE_ONLY)]


def test_the_whole_chain_goes_up_down_to_nothing_and_up_again(empty_database_url: str) -> None:
    url = _url(empty_database_url)
    cfg = alembic_config(url)
    chain = _chain()
    made = {}
    for revision in chain:
        command.upgrade(cfg, revision)
        made[revision] = schema_print(url)
    assert _stamp(url) == [chain[-1]]
    assert _matches_the_models(url)
    for revision in reversed(chain[:-1]):
        command.downgrade(cfg, revision)
        assert _stamp(url) == [revision]
        assert schema_print(url) == made[revision], f"down to {revision}"
    command.downgrade(cfg, "base")
    assert schema_print(url)["tables"] == {}
    assert _stamp(url) == []
    upgrade(url)
    assert schema_print(url) == made[chain[-1]]
    assert _matches_the_models(url)


@pytest.mark.parametrize("old", sorted(RENAMED_REVISIONS))
def test_a_database_stamped_with_an_old_id_upgrades_to_the_head(
    empty_database_url: str, old: str
) -> None:
    url = _url(empty_database_url)
    new = RENAMED_REVISIONS[old]
    chain = _chain()
    upgrade(url, new)
    engine = create_engine(url)
    with engine.begin() as conn:  # what an older release left: its own id for this revision
        conn.execute(text("UPDATE alembic_version SET version_num = :old"), {"old": old})
        if chain.index(new) >= chain.index("0006_scheduling"):  # users.claim_seq exists
            conn.execute(
                text(
                    "INSERT INTO users (id, username, password_hash, role, active, max_priority,"
                    " claim_seq, created_at) VALUES (1, 'u', 'x', 'USER', true, 5, 0, :t)"
                ),
                {"t": "2026-01-01T00:00:00+00:00"},
            )
    engine.dispose()
    upgrade(url)
    assert _stamp(url) == [chain[-1]]
    assert _matches_the_models(url)
    fresh = create_engine(url)
    with fresh.connect() as conn:
        users = list(conn.execute(text("SELECT username FROM users")).scalars())
    fresh.dispose()
    assert users == (["u"] if chain.index(new) >= chain.index("0006_scheduling") else [])


def test_a_database_stamped_with_an_old_id_also_goes_down(empty_database_url: str) -> None:
    url = _url(empty_database_url)
    upgrade(url, "0006_scheduling")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0003_scheduling'"))
    command.downgrade(alembic_config(url), "0005_list_indexes")
    assert _stamp(url) == ["0005_list_indexes"]
    assert "claim_seq" not in {c["name"] for c in inspect(engine).get_columns("users")}
    engine.dispose()
