"""A Gaussian job that needs `module load g16/16` runs on a worker whose config loads it (real
Lmod, a stand-in `g16` writing a real Gaussian log, the local scheduler); a worker without
that module does not advertise Gaussian and does not claim the job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from module_tree import ModuleTree
from molyte.worker.app import build_worker
from molyte.worker.config import WorkerConfig, parse_config
from molyte.worker.loop import Worker
from support import Api, LiveServer, api_session, build_api, make_settings, qc_body


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[tuple[Api, LiveServer]]:
    for api in build_api(make_settings(database_url, tmp_path, lease_seconds=30)):
        with LiveServer(api.app) as server:
            yield api, server


def config(
    url: str, token: str, work: Path, name: str, engines: dict[str, Any], scheduler: str = "local"
) -> WorkerConfig:
    return parse_config(
        {
            "api": {"base_url": url, "worker_token": token, "poll_interval": 1},
            "worker": {"name": name, "heartbeat_interval": 1, "job_types": ["QC"]},
            "local": {"md_work_dir": str(work / "md"), "qc_work_dir": str(work / "qc")},
            "scheduler": {"type": scheduler, "local_max_parallel": 2},
            "engines": engines,
        }
    )


def gaussian_job() -> dict[str, Any]:
    body = qc_body("water MP2 on Gaussian from a module")
    body["spec"].update({"engine": "gaussian", "task": "sp", "method": "MP2", "basis": "STO-3G"})
    return body


def run_until(worker: Worker, done: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.cycle(claim_wait=0.2)
        if done():
            return
    raise AssertionError("condition not reached in time")


def test_gaussian_from_a_module_runs_only_where_the_module_is(
    live: tuple[Api, LiveServer], tmp_path: Path, g16_module: ModuleTree
) -> None:
    api, server = live
    job = api.submit(api.alice, gaussian_job())

    # A module tree without g16: the module does not load, Gaussian is not advertised.
    empty = tmp_path / "no-modules"
    empty.mkdir()
    without = config(
        server.url,
        api.new_worker_token("plain", "plain-worker"),
        tmp_path / "plain",
        "plain-worker",
        {"module_use": [str(empty)], "gaussian": {"bin": "g16", "modules": ["g16/16"]}},
    )
    plain = build_worker(without)
    assert "gaussian" not in plain.engines and "pyscf" in plain.engines
    for _ in range(3):
        plain.cycle(claim_wait=0)
    assert api.job(job["id"])["state"] == "PENDING" and plain.stats.claimed == 0

    engines = g16_engines(g16_module, tmp_path / "scratch")
    cfg = config(server.url, api.worker_token, tmp_path / "work", "test-worker", engines)
    worker = build_worker(cfg)
    assert "gaussian" in worker.engines
    assert worker.ctx.gaussian_bin == str(g16_module.bindir / "g16")
    run_until(worker, lambda: api.job(job["id"])["state"] in ("COMPLETED", "FAILED"))
    final = api.job(job["id"])
    assert final["state"] == "COMPLETED", final["failure_reason"]
    assert final["worker"] == "test-worker"
    res = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
    summary = res["summary"]
    # The numbers of the real log the stand-in wrote (EUMP2 and SCF Done lines).
    assert summary["energy_method"] == "MP2"
    assert summary["energy_hartree"] == pytest.approx(-75.002282127454, abs=1e-9)
    assert summary["scf_energy_hartree"] == pytest.approx(-74.9643287914, abs=1e-9)
    assert summary["provenance"]["engine"] == "gaussian"
    assert "input.log" in [f["name"] for f in res["files"]]
    script = (tmp_path / "work" / "qc" / f"job-{job['id']}" / "job.sh").read_text()
    assert "module load g16/16 || molyte_setup_failed" in script
    assert f"    {g16_module.bindir / 'g16'} input.gjf" in script.splitlines()
    assert (tmp_path / "scratch").is_dir()  # the engine's env and setup line reached the job
    workers = api.client.get("/api/v1/admin/workers", headers=api.admin).json()
    advertised = {w["name"]: w["engines"] for w in workers}
    assert "gaussian" in advertised["test-worker"]
    assert "gaussian" not in advertised["plain-worker"]


def g16_engines(tree: ModuleTree, scratch: Path) -> dict[str, Any]:
    return {
        "module_use": [str(tree.modulefiles)],
        "gaussian": {
            "bin": "g16",
            "modules": ["g16/16"],
            "env": {"GAUSS_SCRDIR": str(scratch)},
            "setup": ['mkdir -p "$GAUSS_SCRDIR"'],
        },
    }


@pytest.mark.slurm
def test_gaussian_from_a_module_runs_on_slurm(
    slurm: None, pg_url: str, tmp_path: Path, g16_module: ModuleTree
) -> None:
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice, gaussian_job())
        engines = g16_engines(g16_module, tmp_path / "scratch")
        cfg = config(server.url, api.worker_token, tmp_path, "slurm-g16", engines, "slurm")
        worker = build_worker(cfg)
        assert worker.ctx.gaussian_bin == str(g16_module.bindir / "g16")
        run_until(worker, lambda: api.job(job["id"])["state"] in ("COMPLETED", "FAILED"), 300)
        final = api.job(job["id"])
        assert final["state"] == "COMPLETED", (final["failure_reason"], final["log_tail"])
        assert final["scheduler_job_id"].isdigit()  # a Slurm job id
        res = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
        assert res["summary"]["energy_hartree"] == pytest.approx(-75.002282127454, abs=1e-9)
        assert (tmp_path / "scratch").is_dir()
