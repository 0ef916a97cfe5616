"""The real worker on PBS and LSF through the shim commands in tests/shims (no PBS or LSF server
runs here): the real `PBSScheduler` / `LSFScheduler` call `qsub`/`qstat`/`qdel` and
`bsub`/`bjobs`/`bkill` found first on PATH, which really run the batch scripts. A job goes
submit -> running -> COMPLETED, a job cancelled while it runs is deleted (CANCELLED), and a job
past its time limit ends FAILED with TIMEOUT."""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from molyte.domain.states import JobType
from molyte.fakes.engine import ScriptEngine
from molyte.schedulers.base import BatchState
from molyte.schedulers.registry import get_scheduler
from molyte.worker.loop import Worker
from support import LiveServer, api_session, make_settings
from worker_harness import test_worker, worker_config

SHIMS = Path(__file__).resolve().parents[2] / "shims"


def load_shim() -> ModuleType:
    spec = importlib.util.spec_from_file_location("batchshim", SHIMS / "batchshim.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["pbs", "lsf"])
def kind(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The scheduler under test, its shim commands first on PATH; what the shims still run at
    the end is killed."""
    state = tmp_path / "shim-state"
    monkeypatch.setenv("MOLYTE_SHIM_STATE", str(state))
    monkeypatch.setenv("PATH", f"{SHIMS / request.param}{os.pathsep}{os.environ['PATH']}")
    yield request.param
    load_shim().cleanup(state)


def run_until(worker: Worker, done: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "condition not reached in time"
        worker.cycle(claim_wait=0.3)


def output_file(kind: str, workdir: Path, scheduler_id: str) -> Path:
    return workdir / ("pbs.out" if kind == "pbs" else f"lsf-{scheduler_id}.out")


def test_job_runs_to_completed(kind: str, pg_url: str, tmp_path: Path) -> None:
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice)
        cfg = worker_config(server.url, api.worker_token, tmp_path / "work", scheduler=kind)
        worker = test_worker(cfg, seconds=2)
        seen: set[str] = set()

        def finished() -> bool:
            state = api.job(job["id"])["state"]
            seen.add(state)
            return state in ("COMPLETED", "FAILED")

        run_until(worker, finished)
        final = api.job(job["id"])
        assert final["state"] == "COMPLETED", (final["failure_reason"], final.get("log_tail"))
        assert "RUNNING" in seen
        scheduler_id = final["scheduler_job_id"]
        assert scheduler_id.split(".", 1)[0].isdigit()
        workdir = tmp_path / "work" / "qc" / f"job-{job['id']}"
        assert (workdir / "result.txt").read_text() == "molyte\n"
        assert output_file(kind, workdir, scheduler_id).exists()
        assert get_scheduler(kind).status([scheduler_id])[scheduler_id].state == (
            BatchState.COMPLETED
        )


def test_cancelled_job_is_deleted(kind: str, pg_url: str, tmp_path: Path) -> None:
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice)
        cfg = worker_config(server.url, api.worker_token, tmp_path / "work", scheduler=kind)
        worker = test_worker(cfg, seconds=300)
        scheduler = get_scheduler(kind)

        def running() -> bool:
            sid = api.job(job["id"])["scheduler_job_id"]
            return bool(sid) and scheduler.status([sid])[sid].state == BatchState.RUNNING

        run_until(worker, running)
        scheduler_id = api.job(job["id"])["scheduler_job_id"]
        cancelled = api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice)
        assert cancelled.status_code == 200, cancelled.text
        run_until(worker, lambda: scheduler.status([scheduler_id])[scheduler_id].state.finished)
        assert api.job(job["id"])["state"] == "CANCELLED"
        final = scheduler.status([scheduler_id])[scheduler_id]
        assert (final.state, final.failure_reason) == (BatchState.CANCELLED, "CANCELLED")


def test_time_limit_ends_failed_timeout(
    kind: str, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shims enforce 3 s instead of the 1-minute limit the job asks for.
    monkeypatch.setenv("MOLYTE_SHIM_WALLTIME_SECONDS", "3")
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice)
        cfg = worker_config(server.url, api.worker_token, tmp_path / "work", scheduler=kind)
        worker = test_worker(cfg)
        worker.engines["pyscf"] = ScriptEngine(
            JobType.QC, [["sleep", "600"]], name="pyscf", walltime_minutes=1
        )
        run_until(worker, lambda: api.job(job["id"])["state"] in ("FAILED", "COMPLETED"))
        final = api.job(job["id"])
        assert (final["state"], final["failure_reason"]) == ("FAILED", "TIMEOUT")
