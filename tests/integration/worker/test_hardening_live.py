"""Issue 13 on real parts: a live server (SQLite and PostgreSQL), real workers with the local
scheduler and real engines."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from molyte.worker.app import build_worker
from molyte.worker.config import WorkerConfig, parse_config
from molyte.worker.loop import Worker
from support import Api, LiveServer, build_api, make_settings, qc_body, stop_process, wait_until

MOLYTE = str(Path(sys.executable).parent / "molyte")


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[tuple[Api, LiveServer]]:
    for api in build_api(make_settings(database_url, tmp_path, lease_seconds=30)):
        with LiveServer(api.app) as server:
            yield api, server


def config(url: str, token: str, work: Path, name: str, **sections: Any) -> WorkerConfig:
    data: dict[str, Any] = {
        "api": {"base_url": url, "worker_token": token, "poll_interval": 1},
        "worker": {"name": name, "heartbeat_interval": 1, "job_types": ["QC"]},
        "local": {"md_work_dir": str(work / "md"), "qc_work_dir": str(work / "qc")},
        "scheduler": {"type": "local"},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return parse_config(data)


def run_until(worker: Worker, done: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.cycle(claim_wait=0.2)
        if done():
            return
    raise AssertionError("condition not reached in time")


def xtb_auto_body() -> dict[str, Any]:
    body = qc_body("water GFN2 auto")
    body["spec"].update({"method": "GFN2-xTB", "engine": "auto", "task": "sp"})
    body["spec"].pop("basis")
    return body


# -- item 12: an `auto` job goes only to a worker with the engine that will run it ----------
def test_auto_xtb_job_is_never_claimed_without_xtb_and_completes_with_it(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice, xtb_auto_body())
    # The claim filter itself: engines that cannot run GFN2-xTB get nothing.
    assert api.claim(engines=["gaussian", "pyscf", "lammps"]) == []
    without = build_worker(
        config(server.url, api.worker_token, tmp_path / "a", "no-xtb", local={"xtb_bin": "/x/no"})
    )
    assert "xtb" not in without.engines and "pyscf" in without.engines
    for _ in range(3):
        without.cycle(claim_wait=0.2)
    assert without.stats.claimed == 0
    assert api.job(job["id"])["state"] == "PENDING"
    token = api.new_worker_token("b")
    with_xtb = build_worker(config(server.url, token, tmp_path / "b", "has-xtb"))
    assert "xtb" in with_xtb.engines
    run_until(with_xtb, lambda: api.job(job["id"])["state"] in ("COMPLETED", "FAILED"))
    done = api.job(job["id"])
    assert done["state"] == "COMPLETED", done
    assert done["worker"] == "has-xtb"
    results = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
    assert results["summary"]["engine"] == "xtb"


# -- item 11: the /api/v1 form of base_url works; a wrong one stops with one clear line -------
def worker_yaml(path: Path, base_url: str, token: str, name: str) -> Path:
    work = path.parent / f"work-{name}"
    path.write_text(
        yaml.safe_dump(
            {
                "api": {"base_url": base_url, "worker_token": token, "poll_interval": 1},
                "worker": {"name": name, "heartbeat_interval": 1, "job_types": ["QC"]},
                "local": {"md_work_dir": str(work / "md"), "qc_work_dir": str(work / "qc")},
                "scheduler": {"type": "local"},
            }
        )
    )
    return path


def test_worker_process_with_api_v1_base_url_runs_a_job(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice, xtb_auto_body())
    cfg = worker_yaml(tmp_path / "w.yaml", server.url + "/api/v1/", api.worker_token, "v1-form")
    log = (tmp_path / "worker.log").open("wb")
    proc = subprocess.Popen([MOLYTE, "worker", "--config", str(cfg)], stderr=log)
    try:
        wait_until(
            lambda: (
                api.job(job["id"])["state"] in ("COMPLETED", "FAILED") or proc.poll() is not None
            ),
            120,
            "the job to finish",
        )
    finally:
        stop_process(proc)
        log.close()
    assert api.job(job["id"])["state"] == "COMPLETED", (tmp_path / "worker.log").read_text()
    assert api.job(job["id"])["worker"] == "v1-form"


@pytest.mark.parametrize(
    ("suffix", "token", "says"),
    [
        ("/api/v2", None, "check api.base_url"),
        ("", "not-a-token", "api.worker_token"),
    ],
)
def test_worker_with_a_configuration_mistake_exits_2_with_one_line(
    live: tuple[Api, LiveServer], tmp_path: Path, suffix: str, token: str | None, says: str
) -> None:
    api, server = live
    cfg = worker_yaml(tmp_path / "w.yaml", server.url + suffix, token or api.worker_token, "bad")
    done = subprocess.run(
        [MOLYTE, "worker", "--config", str(cfg)], capture_output=True, timeout=60, check=False
    )
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert "Traceback" not in err
    [line] = [ln for ln in err.splitlines() if "ERROR" in ln]
    assert says in line and "/api/v1/workers/heartbeat" in line and "HTTP 40" in line


# -- item 5: a job above the worker's limits fails by name, unsubmitted ---------------------
def test_job_above_the_partition_limits_fails_resources_exceeded_unsubmitted(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    body = qc_body("too big")
    body["spec"]["resources"].update({"tasks": 1, "cpus_per_task": 128})
    big = api.submit(api.alice, body)
    small = api.submit(api.alice, xtb_auto_body())
    worker = build_worker(
        config(
            server.url,
            api.worker_token,
            tmp_path,
            "limited",
            scheduler={"max_cpus_per_task": 4, "max_memory_mb": 4000},
        )
    )
    run_until(
        worker,
        lambda: all(api.job(j["id"])["state"] in ("COMPLETED", "FAILED") for j in (big, small)),
    )
    refused = api.job(big["id"])
    assert refused["state"] == "FAILED"
    assert refused["failure_reason"] == "RESOURCES_EXCEEDED"
    assert "cpus_per_task 128 > 4" in refused["events"][-1]["message"]
    assert refused["scheduler_job_id"] is None
    assert "QUEUED" not in [e["to"] for e in refused["events"]]
    assert not (tmp_path / "qc" / f"job-{big['id']}" / "job.sh").exists()
    assert api.job(small["id"])["state"] == "COMPLETED"
