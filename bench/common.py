"""Shared pieces of the benchmarks: a private PostgreSQL database, a server process, tables."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("MOLYTE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    from molyte.db.migrate import upgrade

    name = f"molyte_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(psycopg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(psycopg(url))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server_process(
    db_url: str, data_dir: Path, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """`molyte server` on loopback in its own process; stopped by PID at the end."""
    with server_process_pid(db_url, data_dir, workers, extra_env) as (url, _pid):
        yield url


@contextmanager
def server_process_pid(
    db_url: str, data_dir: Path, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """`server_process`, also giving the server's PID (the leader of its own session)."""
    port = free_port()
    env = {
        **os.environ,
        "MOLYTE_DATABASE_URL": db_url,
        "MOLYTE_DATA_DIR": str(data_dir),
        "MOLYTE_SECRET_KEY": secrets.token_urlsafe(40),
        "MOLYTE_ENV": "test",
        "MOLYTE_STORAGE_URL": f"file://{data_dir / 'objects'}",
        # Benchmarks submit thousands of jobs as one user: no submission quotas.
        "MOLYTE_DEFAULT_MAX_PENDING_JOBS": "0",
        "MOLYTE_DEFAULT_MAX_SUBMISSIONS_PER_MINUTE": "0",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "molyte"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/healthz", proc, "server", 60)
        yield url, proc.pid
    finally:
        stop_process(proc)


def wait_for_http(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float) -> None:
    """Wait until `url` answers 200; fail if `proc` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop a process we started, by its PID: SIGTERM, then SIGKILL after `timeout` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def make_accounts(db_url: str) -> tuple[str, str]:
    """A user (returns a JWT-able password) and a worker token, created directly."""
    from molyte.api.auth import service
    from molyte.api.auth.principal import Role
    from molyte.db.session import make_engine, make_session_factory

    engine = make_engine(psycopg(db_url))
    with make_session_factory(engine)() as db:
        service.create_user(db, "bench", Role.USER, "bench-pass-1", 8)
        _row, token = service.create_worker_token(db, "bench-worker")
        db.commit()
    engine.dispose()
    return "bench-pass-1", token


def make_worker_token(db_url: str, worker_name: str) -> str:
    """A worker token bound to `worker_name` (a token acts under one worker name only)."""
    from molyte.api.auth import service
    from molyte.db.session import make_engine, make_session_factory

    engine = make_engine(psycopg(db_url))
    with make_session_factory(engine)() as db:
        _row, token = service.create_worker_token(db, f"token-{worker_name}", worker_name)
        db.commit()
    engine.dispose()
    return token


def insert_jobs(db_url: str, n: int, *, owner: str = "bench", job_type: str = "QC") -> None:
    from molyte.db.models import Job, User

    spec = {
        "molecule": {"smiles": "O", "charge": 0, "multiplicity": 1},
        "task": "sp",
        "method": "HF",
        "basis": "STO-3G",
        "engine": "pyscf",
    }
    now = datetime.now(UTC)
    engine = create_engine(psycopg(db_url))
    with engine.begin() as conn:
        owner_id = conn.scalar(select(User.id).where(User.username == owner))
        for start in range(0, n, 5000):
            conn.execute(
                insert(Job),
                [
                    {
                        "owner_id": owner_id,
                        "type": job_type,
                        "name": f"bench {i}",
                        "spec": spec,
                        "engine": "pyscf",
                        "state": "PENDING",
                        "priority": 0,
                        "attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(start, min(n, start + 5000))
                ],
            )
    engine.dispose()


def cell(value: Any) -> str:
    """A value as the text of a Markdown table cell."""
    return str(value).replace("|", "\\|")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (a `|` inside a cell is escaped)."""
    cells = [[cell(h) for h in headers]] + [[cell(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


# --- processes: resident memory and CPU from /proc -------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def session_pids(leader: int) -> list[int]:
    """The processes of the session `leader` started (`start_new_session=True`), leader first."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 6 is the session id; the command name (field 2) may hold spaces, so split
        # after its closing parenthesis.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == leader:
            pids.append(int(entry.name))
    return sorted(pids, key=lambda p: (p != leader, p))


def rss_mib(pid: int) -> float:
    """Resident memory of a process (VmRSS), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time of a process (user + system) and of its waited-for children, seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the name: state is fields[0], so utime, stime, cutime, cstime are 11..14.
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


# --- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A figure a benchmark is held to: `measured` compared with `limit` by `compare`
    (`<`: must stay below, `>=`: must reach, `==`: must equal)."""

    name: str
    measured: float
    limit: float
    unit: str
    compare: str = "<"

    @property
    def met(self) -> bool:
        if self.measured != self.measured:  # NaN: nothing was measured
            return False
        if self.compare == "<":
            return self.measured < self.limit
        if self.compare == ">=":
            return self.measured >= self.limit
        if self.compare == "==":
            return self.measured == self.limit
        raise ValueError(f"unknown comparison {self.compare!r}")

    @property
    def row(self) -> tuple[str, str, str, str]:
        unit = f" {self.unit}" if self.unit else ""
        return (
            self.name,
            f"{self.compare} {number(self.limit)}{unit}",
            f"{number(self.measured)}{unit}",
            "met" if self.met else "NOT MET",
        )


TARGET_HEADERS = ("target", "limit", "measured", "result")


def targets_table(targets: Sequence[Target]) -> str:
    """The targets of a benchmark as a Markdown table (run_all gathers these tables)."""
    return table(TARGET_HEADERS, [t.row for t in targets])


def number(value: float) -> str:
    """A figure with as many digits as it deserves: 0.123, 12.3, 1,234."""
    if value != value:
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
