"""Helpers shared by the tests: settings, free ports, a live server, API helpers."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from molyte.api.app import create_app
from molyte.api.auth import service as auth_service
from molyte.api.auth.principal import Role
from molyte.api.auth.security import create_access_token, hash_password
from molyte.api.context import AppContext
from molyte.config import Environment, ServerSettings
from molyte.db.models import User

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PASSWORD = "s3cret-pass"


def make_settings(database_url: str, tmp_path: Path, **overrides: object) -> ServerSettings:
    values: dict[str, object] = {
        "env": Environment.TEST,
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "storage_url": f"file://{tmp_path / 'objects'}",
        "secret_key": secrets.token_urlsafe(40),
        "lease_seconds": 30,
        "grace_seconds": 30,
        "sweep_interval_seconds": 3600,  # tests call the sweeper themselves
        "login_max_failures": 5,
    }
    values.update(overrides)
    return ServerSettings(**values)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a thread of the test process."""

    def __init__(self, app: object, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("live server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    ctx: AppContext
    settings: ServerSettings
    admin: dict[str, str]
    alice: dict[str, str]
    bob: dict[str, str]
    worker: dict[str, str]
    worker_token: str

    def submit(self, headers: dict[str, str], body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = self.client.post("/api/v1/jobs", json=body or qc_body(), headers=headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def new_worker_token(self, name: str, worker_name: str | None = None) -> str:
        """Another worker token (a token acts under one worker name only)."""
        with self.ctx.sessions() as db:
            _row, token = auth_service.create_worker_token(db, name, worker_name)
            db.commit()
        return token

    def claim(
        self, limit: int = 1, headers: dict[str, str] | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        body = {"job_types": ["MD", "QC"], "limit": limit, "wait_seconds": 0, **extra}
        r = self.client.post(
            "/api/v1/workers/jobs/claim", json=body, headers=headers or self.worker
        )
        assert r.status_code == 200, r.text
        return list(r.json())

    def status(self, job: dict[str, Any], state: str, **extra: Any) -> Any:
        body = {"lease_token": job["lease_token"], "state": state, **extra}
        return self.client.put(
            f"/api/v1/workers/jobs/{job['id']}/status", json=body, headers=self.worker
        )

    def job(self, job_id: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = self.client.get(f"/api/v1/jobs/{job_id}", headers=headers or self.admin)
        assert r.status_code == 200, r.text
        return dict(r.json())


def example(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / name).read_text()))


def qc_body(name: str = "water opt") -> dict[str, Any]:
    body = example("qc-job.json")
    body["name"] = name
    return body


def md_body(name: str = "LiPF6 in EC") -> dict[str, Any]:
    body = example("md-job.json")
    body["name"] = name
    return body


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


_PASSWORD_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash of PASSWORD per test run (hashing is slow by design)."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    return _PASSWORD_HASH[0]


def bearer(ctx: AppContext, username: str, role: str) -> dict[str, str]:
    token = create_access_token(username, role, ctx.signing_key, 60)
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def api_session(settings: ServerSettings) -> Iterator[Api]:
    """The API for `settings` with its accounts, as a context manager."""
    yield from build_api(settings)


def build_api(settings: ServerSettings) -> Iterator[Api]:
    app = create_app(settings)
    ctx: AppContext = app.state.ctx
    with ctx.sessions() as db:
        for name, role in (("admin", Role.ADMIN), ("alice", Role.USER), ("bob", Role.USER)):
            db.add(User(username=name, password_hash=password_hash(), role=role.value))
        _row, token = auth_service.create_worker_token(db, "cluster-a")
        db.commit()
    auth_service.credential_cache.clear()
    with TestClient(app) as client:
        yield Api(
            app=app,
            client=client,
            ctx=ctx,
            settings=settings,
            admin=bearer(ctx, "admin", "ADMIN"),
            alice=bearer(ctx, "alice", "USER"),
            bob=bearer(ctx, "bob", "USER"),
            worker={"Authorization": f"Bearer {token}"},
            worker_token=token,
        )


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.3) -> None:
    """Poll `check` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM a process the test started, by its PID; SIGKILL if it does not end."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def ran_twice(job: dict[str, Any]) -> bool:
    """The job's run was finished (collected) more than once, or it completed twice."""
    tos = [e["to"] for e in job["events"]]
    return tos.count("POSTPROCESSING") > 1 or tos.count("COMPLETED") > 1


def report_counts(label: str, submitted: int, jobs: list[dict[str, Any] | None]) -> dict[str, int]:
    """A fault test's closing figures, printed as `counts LABEL: submitted=.. completed=..
    lost=.. run-twice=..` (see them with `pytest -rP`) and returned for assertions.
    `jobs`: the API's view of every acknowledged submission, None for one not found."""
    found = [j for j in jobs if j is not None]
    counts = {
        "submitted": submitted,
        "completed": sum(j["state"] == "COMPLETED" for j in found),
        "lost": submitted - len(found),
        "run-twice": sum(ran_twice(j) for j in found),
    }
    print(f"counts {label}: " + " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


MOTO_SERVER = Path(sys.executable).parent / "moto_server"


class Moto:
    """One moto_server process on a fixed loopback port, which tests may stop and restart."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.endpoint}/moto-api/", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # in case a test left it paused
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)
