"""Restart PostgreSQL and the API server under a steady submission load: every acknowledged
submission (201) exists afterwards, and the worker reconnects by itself and finishes them all.

PostgreSQL here is a private instance the test starts itself (own data dir and port), never the
machine's shared server."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from molyte.db.migrate import upgrade
from molyte.db.models import Job
from support import LiveServer, api_session, free_port, make_settings, qc_body, report_counts
from worker_harness import test_worker, worker_config

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    def __init__(self, root: Path) -> None:
        self.data = root / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.log = root / "pg.log"

    def _as_postgres(self, *args: str) -> None:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.data.parent.mkdir(parents=True, exist_ok=True)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.data, "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )

    def pg_ctl(self, action: str) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            opts,
            "-w",
            "-m",
            "fast",
            action,
        )


@pytest.fixture
def private_pg(tmp_path: Path) -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries are not installed")
    root = Path("/tmp") / f"molyte-pg-{os.getpid()}-{time.time_ns()}"
    pg = PrivatePostgres(root)
    pg.init()
    pg.pg_ctl("start")
    try:
        yield pg
    finally:
        pg.pg_ctl("stop")
        shutil.rmtree(root, ignore_errors=True)


def test_restart_postgres_and_server_under_load(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    url = private_pg.url.replace("postgresql://", "postgresql+psycopg://")
    upgrade(url)
    # A claim whose answer is lost in a restart is recovered by lease expiry (the sweeper).
    # One user submits as fast as it can: no submission quotas here (they would refuse
    # the load after 120 jobs in a minute, which is what they are for).
    settings = make_settings(
        private_pg.url,
        tmp_path,
        lease_seconds=5,
        grace_seconds=5,
        sweep_interval_seconds=1,
        default_max_pending_jobs=0,
        default_max_submissions_per_minute=0,
    )
    acknowledged: list[int] = []
    refused = 0
    stop = threading.Event()
    with api_session(settings) as api:
        server = LiveServer(api.app)
        port = server.port
        server.__enter__()

        def submitter() -> None:
            nonlocal refused
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", timeout=10, headers=api.alice
            ) as http:
                n = 0
                while not stop.is_set():
                    n += 1
                    try:
                        r = http.post("/api/v1/jobs", json=qc_body(f"load {n}"))
                    except httpx.HTTPError:
                        refused += 1
                        time.sleep(0.05)
                        continue
                    if r.status_code == 201:
                        acknowledged.append(r.json()["id"])
                    else:
                        refused += 1
                    time.sleep(0.02)

        worker = test_worker(
            worker_config(
                f"http://127.0.0.1:{port}", api.worker_token, tmp_path / "w", concurrent=8
            ),
            0.2,
        )
        threads = [threading.Thread(target=submitter), threading.Thread(target=worker.run)]
        for t in threads:
            t.start()
        try:
            time.sleep(3)
            before_pg = len(acknowledged)
            private_pg.pg_ctl("restart")
            time.sleep(3)
            after_pg = len(acknowledged)
            server.__exit__()  # the API server goes away ...
            time.sleep(1)
            server = LiveServer(api.app, port=port)  # ... and comes back on the same port
            server.__enter__()
            time.sleep(3)
            stop.set()
            threads[0].join(timeout=30)
            assert before_pg > 0 and after_pg > before_pg and len(acknowledged) > after_pg
            engine = create_engine(url)
            deadline = time.monotonic() + 120
            while True:
                with engine.connect() as conn:
                    rows = dict(conn.execute(select(Job.id, Job.state)).all())
                done = [i for i in acknowledged if rows.get(i) == "COMPLETED"]
                if len(done) == len(acknowledged) or time.monotonic() > deadline:
                    break
                time.sleep(1)
            engine.dispose()
            views = []
            for i in acknowledged:
                r = api.client.get(f"/api/v1/jobs/{i}", headers=api.admin)
                views.append(r.json() if r.status_code == 200 else None)
            report_counts("pg-and-api-restart", len(acknowledged), views)
            missing = [i for i in acknowledged if i not in rows]
            assert missing == [], f"acknowledged but lost: {missing}"
            stuck = {i: rows.get(i) for i in acknowledged if rows.get(i) != "COMPLETED"}
            assert stuck == {}, stuck
        finally:
            stop.set()
            worker.stop()
            for t in threads:
                t.join(timeout=60)
            server.__exit__()
