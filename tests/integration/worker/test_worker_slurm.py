"""The real worker on real Slurm (started by scripts/slurm.sh): lifecycle, failures, time limit,
cancel, and kill -9 of the worker process with a restart."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from molyte.domain.states import JobType
from molyte.fakes.engine import ScriptEngine
from molyte.worker.loop import Worker
from support import Api, LiveServer, build_api, make_settings, qc_body, report_counts
from worker_harness import spawn_worker, test_worker, worker_config

pytestmark = pytest.mark.slurm


@pytest.fixture
def live(slurm: None, tmp_path: Path, pg_url: str) -> Iterator[tuple[Api, LiveServer]]:
    for api in build_api(make_settings(pg_url, tmp_path, lease_seconds=6, grace_seconds=60)):
        with LiveServer(api.app) as server:
            yield api, server


def run_until(worker: Worker, done: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.cycle(claim_wait=0.3)
        if done():
            return
    raise AssertionError("condition not reached in time")


def slurm_worker(server: LiveServer, api: Api, tmp_path: Path, seconds: float = 2) -> Worker:
    return test_worker(
        worker_config(server.url, api.worker_token, tmp_path / "work", scheduler="slurm"), seconds
    )


def test_job_goes_through_every_state_on_slurm(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice)
    worker = slurm_worker(server, api, tmp_path, seconds=4)
    run_until(worker, lambda: api.job(job["id"])["state"] == "COMPLETED")
    final = api.job(job["id"])
    assert [e["to"] for e in final["events"]] == [
        "PENDING",
        "CLAIMED",
        "QUEUED",
        "RUNNING",
        "POSTPROCESSING",
        "COMPLETED",
    ]
    assert final["scheduler_job_id"].isdigit()
    workdir = tmp_path / "work" / "qc" / f"job-{job['id']}"
    assert (workdir / f"slurm-{final['scheduler_job_id']}.out").exists()
    assert "#SBATCH --job-name=molyte-" in (workdir / "job.sh").read_text()


def test_failing_script_ends_failed_with_log_tail(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice)
    worker = slurm_worker(server, api, tmp_path)
    worker.engines["pyscf"] = ScriptEngine(
        JobType.QC, [["bash", "-c", "echo 'segfault in step 3' >&2; exit 3"]], name="pyscf"
    )
    run_until(worker, lambda: api.job(job["id"])["state"] == "FAILED")
    final = api.job(job["id"])
    assert final["failure_reason"] == "SCRIPT_FAILED"
    assert final["events"][-1]["message"].endswith("(exit status 3)")
    assert "segfault in step 3" in (final["log_tail"] or "")


def test_time_limit_ends_failed_timeout(live: tuple[Api, LiveServer], tmp_path: Path) -> None:
    api, server = live
    job = api.submit(api.alice)
    worker = slurm_worker(server, api, tmp_path)
    worker.engines["pyscf"] = ScriptEngine(
        JobType.QC, [["sleep", "600"]], name="pyscf", walltime_minutes=1
    )
    # Slurm enforces limits about every 30 s: a 1-minute limit ends within ~100 s.
    run_until(worker, lambda: api.job(job["id"])["state"] == "FAILED", timeout=180)
    assert api.job(job["id"])["failure_reason"] == "TIMEOUT"


def test_user_cancel_runs_scancel(live: tuple[Api, LiveServer], tmp_path: Path) -> None:
    api, server = live
    job = api.submit(api.alice)
    worker = slurm_worker(server, api, tmp_path, seconds=300)
    run_until(worker, lambda: api.job(job["id"])["state"] == "RUNNING")
    slurm_id = api.job(job["id"])["scheduler_job_id"]
    api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice)
    worker._next_heartbeat = 0
    run_until(worker, lambda: not worker.tracked)
    state = worker.scheduler.status([slurm_id])[slurm_id]
    assert state.state.value == "CANCELLED", state
    assert api.job(job["id"])["state"] == "CANCELLED"


def test_kill_9_worker_then_restart_completes_once(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice, qc_body("survives kill -9"))
    args = {
        "url": server.url,
        "token": api.worker_token,
        "work": str(tmp_path / "work"),
        "scheduler": "slurm",
        "name": "node-k",
        "seconds": 12,
    }
    proc = spawn_worker(args, tmp_path / "worker.json")
    try:
        deadline = time.monotonic() + 60
        while api.job(job["id"])["state"] != "RUNNING":
            assert time.monotonic() < deadline, api.job(job["id"])
            time.sleep(0.3)
        slurm_id = api.job(job["id"])["scheduler_job_id"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        time.sleep(2)
        proc = spawn_worker(args, tmp_path / "worker.json")
        deadline = time.monotonic() + 90
        while api.job(job["id"])["state"] != "COMPLETED":
            assert time.monotonic() < deadline, api.job(job["id"])
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    final = api.job(job["id"])
    report_counts("kill-9-worker", 1, [final])
    assert final["scheduler_job_id"] == slurm_id
    assert final["attempts"] == 1
    assert [e["to"] for e in final["events"]].count("QUEUED") == 1
    workdir = tmp_path / "work" / "qc" / f"job-{job['id']}"
    assert [p.name for p in workdir.glob("slurm-*.out")] == [f"slurm-{slurm_id}.out"]
    res = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
    assert [f["name"] for f in res["files"]] == ["result.txt"]
