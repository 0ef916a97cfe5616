"""Faults on real parts: a worker lost for good, a network cut longer than the lease, a full
disk. Each ends with every job completed once and nothing registered twice."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from molyte.domain.states import JobType
from molyte.engines.base import EngineContext, RunPlan
from molyte.fakes.engine import ScriptEngine
from molyte.schedulers.slurm import SlurmScheduler
from support import (
    LiveServer,
    api_session,
    make_settings,
    qc_body,
    report_counts,
    stop_process,
    wait_until,
)
from worker_harness import spawn_worker, test_worker, worker_config

pytestmark = pytest.mark.slurm

LEASE, GRACE = 4.0, 4.0


def spawn(
    tmp_path: Path, name: str, url: str, token: str, seconds: float
) -> subprocess.Popen[bytes]:
    """A worker process on Slurm (test engine); its own work dir, so it can be killed -9."""
    args = {
        "url": url,
        "token": token,
        "work": str(tmp_path / name),
        "scheduler": "slurm",
        "name": name,
        "seconds": seconds,
    }
    return spawn_worker(args, tmp_path / f"{name}.json")


@pytest.fixture
def settings_factory(slurm: None, pg_url: str, tmp_path: Path) -> Callable[..., Any]:
    def make(**extra: Any) -> Any:
        values = {"lease_seconds": LEASE, "grace_seconds": GRACE, "sweep_interval_seconds": 0.5}
        return make_settings(pg_url, tmp_path, **{**values, **extra})

    return make


def test_worker_lost_for_good_is_replaced_and_fenced_when_back(
    settings_factory: Callable[..., Any], tmp_path: Path
) -> None:
    with api_session(settings_factory()) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice, qc_body("outlives its worker"))
        a = spawn(tmp_path, "node-a", server.url, api.worker_token, seconds=120)
        procs = [a]
        try:
            wait_until(lambda: api.job(job["id"])["state"] == "RUNNING", 60, "node-a running")
            first_slurm = api.job(job["id"])["scheduler_job_id"]
            os.kill(a.pid, signal.SIGKILL)
            a.wait(timeout=10)
            # Its own token: a worker token acts under one worker name.
            b = spawn(tmp_path, "node-b", server.url, api.new_worker_token("b"), seconds=2)
            procs.append(b)
            wait_until(lambda: api.job(job["id"])["state"] == "COMPLETED", 120, "node-b done")
            final = api.job(job["id"])
            report_counts("lost-worker", 1, [final])
            assert final["worker"] == "node-b" and final["attempts"] == 2
            assert final["scheduler_job_id"] != first_slurm
            sweeps = [e for e in final["events"] if e["actor"] == "sweeper"]
            assert len(sweeps) == 1 and sweeps[0]["to"] == "PENDING"
            # node-a comes back: its old lease is fenced, so it cancels its Slurm job.
            a2 = spawn(tmp_path, "node-a", server.url, api.worker_token, seconds=120)
            procs.append(a2)
            slurm = SlurmScheduler()
            wait_until(
                lambda: slurm.status([first_slurm])[first_slurm].state.value == "CANCELLED",
                60,
                "node-a's Slurm job cancelled",
            )
            results = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
            assert [f["name"] for f in results["files"]] == ["result.txt"]
            assert api.job(job["id"])["state"] == "COMPLETED"
        finally:
            for p in procs:
                stop_process(p)


def test_network_cut_longer_than_lease_keeps_slurm_job_and_resyncs(
    settings_factory: Callable[..., Any], tmp_path: Path
) -> None:
    settings = settings_factory(grace_seconds=60)
    with api_session(settings) as api:
        server = LiveServer(api.app)
        port = server.port
        server.__enter__()
        job = api.submit(api.alice, qc_body("survives a network cut"))
        worker = spawn(tmp_path, "node-c", server.url, api.worker_token, seconds=15)
        try:
            wait_until(lambda: api.job(job["id"])["state"] == "RUNNING", 60, "running")
            slurm_id = api.job(job["id"])["scheduler_job_id"]
            server.__exit__()  # the server is gone for longer than the lease
            time.sleep(LEASE * 2)
            slurm = SlurmScheduler()
            assert slurm.status([slurm_id])[slurm_id].state.value in ("RUNNING", "COMPLETED")
            server = LiveServer(api.app, port=port)
            server.__enter__()
            wait_until(lambda: api.job(job["id"])["state"] == "COMPLETED", 90, "completed")
            final = api.job(job["id"])
            report_counts("network-cut", 1, [final])
            assert final["scheduler_job_id"] == slurm_id and final["attempts"] == 1
            assert [e["to"] for e in final["events"]].count("QUEUED") == 1
        finally:
            stop_process(worker)
            server.__exit__()


class FullDiskEngine(ScriptEngine):
    """Writing the inputs fails with ENOSPC, as on a full scratch file system."""

    def prepare(self, spec: dict[str, Any], workdir: Path, ctx: EngineContext) -> RunPlan:
        raise OSError(errno.ENOSPC, "No space left on device", str(workdir / "system.data"))


def test_full_disk_fails_the_job_and_the_worker_goes_on(
    settings_factory: Callable[..., Any], tmp_path: Path
) -> None:
    # Mounting a small tmpfs needs privileges a CI sandbox may not grant, so ENOSPC is
    # simulated where the worker meets it: while the engine writes the inputs.
    with api_session(settings_factory()) as api, LiveServer(api.app) as server:
        full = api.submit(api.alice, qc_body("no space"))
        worker = test_worker(
            worker_config(server.url, api.worker_token, tmp_path / "w", scheduler="slurm"), 1
        )
        worker.engines["pyscf"] = FullDiskEngine(JobType.QC, [["true"]], name="pyscf")
        deadline = time.monotonic() + 30
        while api.job(full["id"])["state"] != "FAILED":
            assert time.monotonic() < deadline
            worker.cycle(claim_wait=0.2)
        failed = api.job(full["id"])
        assert failed["failure_reason"] == "DISK_FULL"
        assert "No space left" in failed["events"][-1]["message"]
        # the worker keeps going: the next job runs normally
        worker.engines["pyscf"] = ScriptEngine(
            JobType.QC, [["bash", "-c", "echo ok > result.txt"]], name="pyscf"
        )
        ok = api.submit(api.alice, qc_body("after the disk was freed"))
        deadline = time.monotonic() + 60
        while api.job(ok["id"])["state"] != "COMPLETED":
            assert time.monotonic() < deadline
            worker.cycle(claim_wait=0.2)
        counts = report_counts("full-disk", 2, [api.job(full["id"]), api.job(ok["id"])])
        assert counts == {"submitted": 2, "completed": 1, "lost": 0, "run-twice": 0}
