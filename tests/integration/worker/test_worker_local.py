"""The real worker loop against a live server, with the local scheduler and a test engine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from molyte.domain.failures import FailureReason
from molyte.domain.resources import Resources
from molyte.domain.states import JobType
from molyte.engines.base import EngineContext, EngineResult, RunPlan
from molyte.fakes.engine import ScriptEngine
from molyte.fakes.scheduler import FakeScheduler
from molyte.schedulers.base import BatchState
from molyte.worker.client import WorkerClient
from molyte.worker.loop import Worker
from support import Api, LiveServer, build_api, make_settings, md_body, qc_body
from worker_harness import test_worker, worker_config


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[tuple[Api, LiveServer]]:
    for api in build_api(make_settings(database_url, tmp_path, lease_seconds=6)):
        with LiveServer(api.app) as server:
            yield api, server


def run_until(worker: Worker, done: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.cycle(claim_wait=0.2)
        if done():
            return
    raise AssertionError("condition not reached in time")


def test_jobs_run_to_completed_with_results(live: tuple[Api, LiveServer], tmp_path: Path) -> None:
    api, server = live
    md = api.submit(api.alice, md_body())
    qc = api.submit(api.alice, qc_body())
    worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "work"))
    run_until(worker, lambda: all(api.job(j["id"])["state"] == "COMPLETED" for j in (md, qc)))
    job = api.job(md["id"])
    assert [e["to"] for e in job["events"]][:3] == ["PENDING", "CLAIMED", "QUEUED"]
    assert [e["to"] for e in job["events"]][-2:] == ["POSTPROCESSING", "COMPLETED"]
    assert job["scheduler_job_id"].startswith("local-")
    assert job["worker"] == "test-worker"
    res = api.client.get(f"/api/v1/jobs/{md['id']}/results", headers=api.alice).json()
    assert [f["name"] for f in res["files"]] == ["result.txt"]
    assert res["summary"]["engine"] == "script"
    # Provenance: the batch script's run record (node, times, CPUs) and the server's part.
    run = res["summary"]["provenance"]
    assert run["worker"] == "test-worker" and run["molyte_version"] and run["host"]
    assert run["engine"] == "lammps" and run["scheduler_job_id"] == job["scheduler_job_id"]
    assert run["cpus"] == 1 and run["finished_at"] >= run["started_at"]
    assert run["core_hours"] is not None and 0 <= run["core_hours"] < 0.01
    body = httpx.get(server.url + res["files"][0]["url"]).content
    assert body == b"molyte\n"
    assert worker.tracked == {} and worker.stats.completed == 2


def test_user_cancel_reaches_the_scheduler(live: tuple[Api, LiveServer], tmp_path: Path) -> None:
    api, server = live
    job = api.submit(api.alice)
    worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "work"), 60)
    run_until(worker, lambda: api.job(job["id"])["state"] in ("QUEUED", "RUNNING"))
    [tracked] = worker.tracked.values()
    api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice)
    worker._next_heartbeat = 0  # the next cycle heartbeats and learns of the cancel
    run_until(worker, lambda: not worker.tracked)
    status = worker.scheduler.status([tracked.scheduler_id or ""])
    assert status[tracked.scheduler_id or ""].state.value == "CANCELLED"
    final = api.job(job["id"])
    assert final["state"] == "CANCELLED"
    assert not (tracked.workdir / "result.txt").exists()


def test_stale_lease_cancels_batch_job_and_uploads_nothing(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice)
    worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "work"), 3)
    run_until(worker, lambda: api.job(job["id"])["state"] in ("QUEUED", "RUNNING"))
    [tracked] = worker.tracked.values()
    # An admin requeues it and another worker takes it over: our token is now stale.
    api.client.post(f"/api/v1/admin/jobs/{job['id']}/requeue", headers=api.admin)
    other_token = {"Authorization": f"Bearer {api.new_worker_token('other')}"}
    [other] = api.claim(worker_name="other", headers=other_token)
    run_until(worker, lambda: not worker.tracked, timeout=30)
    assert worker.stats.dropped == 1
    state = worker.scheduler.status([tracked.scheduler_id or ""])[tracked.scheduler_id or ""]
    assert state.state.value == "CANCELLED"
    res = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
    assert res["files"] == []
    assert api.job(job["id"])["state"] == "CLAIMED" and other["lease_token"]


def test_jobs_for_missing_engines_are_not_claimed(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    xtb = qc_body("needs xtb")
    xtb["spec"].update({"engine": "xtb", "method": "GFN2-xTB"})
    gaussian = qc_body("needs Gaussian")
    gaussian["spec"]["engine"] = "gaussian"
    jobs = [api.submit(api.alice, xtb), api.submit(api.alice, gaussian)]
    worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "work"))
    assert "gaussian" not in worker.engines and "xtb" not in worker.engines
    for _ in range(3):
        worker.cycle(claim_wait=0)
    assert [api.job(j["id"])["state"] for j in jobs] == ["PENDING", "PENDING"]
    assert worker.stats.claimed == 0
    workers = api.client.get("/api/v1/admin/workers", headers=api.admin).json()
    assert workers[0]["engines"] == ["lammps", "pyscf"]


class RepairingEngine(ScriptEngine):
    """Fails with a science failure first; its repair policy gives an input that works."""

    repairs: int = 0

    def collect(self, workdir: Path) -> EngineResult:
        if (workdir / "scf-failed").exists():
            return EngineResult({}, [], FailureReason.SCF_NOT_CONVERGED, "SCF not converged")
        return super().collect(workdir)

    def prepare_repair(
        self, spec: dict[str, Any], workdir: Path, ctx: EngineContext, failure: FailureReason
    ) -> RunPlan | None:
        assert failure is FailureReason.SCF_NOT_CONVERGED and spec["task"] == "opt_freq"
        self.repairs += 1
        (workdir / "scf-failed").unlink()
        return RunPlan([["bash", "-c", "echo repaired > result.txt"]], Resources())


def test_science_failure_is_repaired_and_resubmitted(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice)
    worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "work"))
    engine = RepairingEngine(JobType.QC, [["bash", "-c", "touch scf-failed"]], name="pyscf")
    worker.engines["pyscf"] = engine
    run_until(worker, lambda: api.job(job["id"])["state"] == "COMPLETED")
    final = api.job(job["id"])
    assert engine.repairs == 1
    notes = [e for e in final["events"] if e["from"] == e["to"]]
    assert [n["message"] for n in notes] == ["SCF_NOT_CONVERGED: resubmitted with a repaired input"]
    assert final["scheduler_job_id"] == "local-2"
    res = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
    body = httpx.get(server.url + res["files"][0]["url"]).content
    assert body == b"repaired\n"


class ContinuingEngine(ScriptEngine):
    """An MD-like engine that can continue a run cut by its time limit."""

    continued: int = 0

    def prepare_continue(self, workdir: Path, ctx: EngineContext) -> RunPlan:
        self.continued += 1
        return RunPlan([["true"]], Resources())


def test_time_limit_continues_from_restart(live: tuple[Api, LiveServer], tmp_path: Path) -> None:
    api, server = live
    job = api.submit(api.alice, md_body("long MD"))
    cfg = worker_config(server.url, api.worker_token, tmp_path / "work")
    fake = FakeScheduler()
    engine = ContinuingEngine(JobType.MD, [["true"]], name="lammps")
    worker = Worker(cfg, WorkerClient(server.url, api.worker_token), fake, {"lammps": engine})
    run_until(worker, lambda: fake.submitted != {})
    fake.set_state("fake-1", BatchState.RUNNING)
    run_until(worker, lambda: api.job(job["id"])["state"] == "RUNNING")
    fake.set_state("fake-1", BatchState.FAILED, FailureReason.TIMEOUT)
    run_until(worker, lambda: "fake-2" in fake.submitted)
    assert engine.continued == 1
    assert api.job(job["id"])["scheduler_job_id"] == "fake-2"
    (tmp_path / "work" / "md" / f"job-{job['id']}" / "result.txt").write_text("done\n")
    fake.set_state("fake-2", BatchState.COMPLETED)
    run_until(worker, lambda: api.job(job["id"])["state"] == "COMPLETED")
    notes = [e["message"] for e in api.job(job["id"])["events"] if e["from"] == e["to"]]
    assert notes == ["TIMEOUT: continued from the last restart file (1 of 3)"]


def test_jobs_go_only_to_workers_of_their_cluster_and_partition(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    on_b = api.submit(api.alice, {**qc_body("on cluster b"), "cluster": "hpc-b"})
    on_gpu = api.submit(api.alice, {**md_body("on gpu"), "partition": "gpu"})
    plain = test_worker(worker_config(server.url, api.worker_token, tmp_path / "plain"))
    for _ in range(3):
        plain.cycle(claim_wait=0)
    assert plain.stats.claimed == 0
    assert [api.job(j["id"])["state"] for j in (on_b, on_gpu)] == ["PENDING", "PENDING"]
    cfg = worker_config(server.url, api.new_worker_token("b"), tmp_path / "b", name="hpc-b-login")
    cfg.worker.cluster = "hpc-b"
    cfg.scheduler.partitions = ["gpu"]
    routed = test_worker(cfg)
    run_until(routed, lambda: all(api.job(j["id"])["state"] == "COMPLETED" for j in (on_b, on_gpu)))
    assert {api.job(j["id"])["worker"] for j in (on_b, on_gpu)} == {"hpc-b-login"}
    workers = {
        w["name"]: w for w in api.client.get("/api/v1/admin/workers", headers=api.admin).json()
    }
    assert workers["hpc-b-login"]["cluster"] == "hpc-b"
    assert workers["hpc-b-login"]["partitions"] == ["gpu"]
    assert workers["test-worker"]["cluster"] is None
