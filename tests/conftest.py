"""Shared fixtures: databases (SQLite file or a fresh PostgreSQL database per run), settings,
the API app in-process, and a live server on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from molyte.db.migrate import upgrade
from support import Moto, free_port

SLURM_SH = Path(__file__).resolve().parents[1] / "scripts" / "slurm.sh"
SGE_SH = Path(__file__).resolve().parents[1] / "scripts" / "sge.sh"
PG_ADMIN_URL = os.environ.get("MOLYTE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES = (
    "job_live",
    "job_events",
    "result_files",
    "job_species",
    "jobs",
    "studies",
    "project_members",
    "projects",
    "workers",
    "worker_tokens",
    "users",
)


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def postgres_available() -> bool:
    try:
        engine = create_engine(_psycopg_url(PG_ADMIN_URL))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated; dropped at the end."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL is not reachable")
    name = f"molyte_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_psycopg_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(_psycopg_url(url))
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate(url: str) -> None:
    engine = create_engine(_psycopg_url(url))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, migrated database: each API test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "molyte.db"
        target.write_bytes(template.read_bytes())
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_database")
    _truncate(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty (never migrated) database on SQLite and on PostgreSQL, for tests of the
    migrations themselves; the PostgreSQL one is dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("pg_database")  # skips (or fails in CI) without PostgreSQL
    name = f"molyte_empty_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_psycopg_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield _psycopg_url(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A clean, migrated PostgreSQL database (for PostgreSQL-only tests)."""
    _truncate(pg_database)
    return pg_database


@pytest.fixture(scope="session")
def slurm() -> Iterator[None]:
    """A running single-node Slurm, started by scripts/slurm.sh (and stopped if it started it)."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("the test Slurm is installed with apt-get and needs root")
    already_running = subprocess.run([SLURM_SH, "status"], capture_output=True).returncode == 0
    started = subprocess.run([SLURM_SH, "start"], capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        pytest.fail(f"scripts/slurm.sh start failed:\n{started.stderr}")
    yield
    if not already_running:
        subprocess.run([SLURM_SH, "stop"], capture_output=True, timeout=120, check=True)


@pytest.fixture(scope="session")
def sge() -> Iterator[None]:
    """A running single-node Grid Engine, started by scripts/sge.sh (and stopped if it started
    it); its clients find the cell through SGE_ROOT and SGE_CELL."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("the test Grid Engine is installed with apt-get and needs root")
    os.environ.setdefault("SGE_ROOT", "/var/lib/gridengine")
    os.environ.setdefault("SGE_CELL", "default")
    already_running = subprocess.run([SGE_SH, "status"], capture_output=True).returncode == 0
    started = subprocess.run([SGE_SH, "start"], capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        pytest.fail(f"scripts/sge.sh start failed:\n{started.stderr}")
    yield
    if not already_running:
        subprocess.run([SGE_SH, "stop"], capture_output=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    server = Moto(free_port(), tmp_path_factory.mktemp("moto") / "moto.log")
    server.start()
    yield server
    server.stop()
