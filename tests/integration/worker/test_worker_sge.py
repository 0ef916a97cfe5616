"""The real worker on real Grid Engine (scripts/sge.sh): real xtb and PySCF jobs run through
qsub/qstat/qacct to COMPLETED with their results, and a job cancelled by its owner while it
runs is deleted from Grid Engine (qdel) and ends CANCELLED."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from molyte.schedulers.base import BatchState
from molyte.schedulers.sge import SGEScheduler
from molyte.worker.app import build_worker
from molyte.worker.config import parse_config
from molyte.worker.loop import Worker
from support import LiveServer, api_session, make_settings, qc_body
from worker_harness import test_worker, worker_config

pytestmark = [pytest.mark.sge, pytest.mark.usefixtures("sge")]


def xtb_opt() -> dict[str, Any]:
    body = qc_body("EC xtb opt on Grid Engine")
    body["spec"] = {
        "molecule": {"smiles": "C1COC(=O)O1"},
        "task": "opt",
        "method": "GFN2-xTB",
        "basis": "def2-SVP",
        "engine": "xtb",
    }
    return body


def run_until(worker: Worker, done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "condition not reached in time"
        worker.cycle(claim_wait=0.3)


def test_pyscf_and_xtb_jobs_complete_on_grid_engine(pg_url: str, tmp_path: Path) -> None:
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        jobs = {
            "pyscf": api.submit(api.alice, qc_body("water on Grid Engine")),
            "xtb": api.submit(api.alice, xtb_opt()),
        }
        cfg = parse_config(
            {
                "api": {"base_url": server.url, "worker_token": api.worker_token},
                "worker": {"name": "sge-engines", "max_concurrent_jobs": 2},
                "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
                "scheduler": {"type": "sge"},
            }
        )
        worker = build_worker(cfg)
        run_until(
            worker,
            lambda: all(
                api.job(j["id"])["state"] in ("COMPLETED", "FAILED") for j in jobs.values()
            ),
            300,
        )
        final = {k: api.job(j["id"]) for k, j in jobs.items()}
        assert {k: j["state"] for k, j in final.items()} == dict.fromkeys(jobs, "COMPLETED"), {
            k: (j["failure_reason"], j.get("log_tail")) for k, j in final.items()
        }
        for kind, job in final.items():
            assert job["scheduler_job_id"].isdigit()
            workdir = tmp_path / "qc" / f"job-{job['id']}"
            assert (workdir / f"sge-{job['scheduler_job_id']}.out").exists(), kind
        water = api.client.get(
            f"/api/v1/jobs/{jobs['pyscf']['id']}/results", headers=api.alice
        ).json()["summary"]
        assert -76.1 < water["scf_energy_hartree"] < -75.9
        ec = api.client.get(f"/api/v1/jobs/{jobs['xtb']['id']}/results", headers=api.alice).json()[
            "summary"
        ]
        assert ec["engine"] == "xtb" and ec["normal_termination"] is True


def test_cancelled_job_is_deleted_from_grid_engine(pg_url: str, tmp_path: Path) -> None:
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice)
        cfg = worker_config(server.url, api.worker_token, tmp_path / "work", scheduler="sge")
        worker = test_worker(cfg, seconds=300)
        run_until(worker, lambda: api.job(job["id"])["state"] == "RUNNING", 120)
        sge_id = api.job(job["id"])["scheduler_job_id"]
        cancelled = api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice)
        assert cancelled.status_code == 200, cancelled.text
        scheduler = SGEScheduler()
        deadline = time.monotonic() + 60
        while scheduler.status([sge_id])[sge_id].state.finished is False:
            assert time.monotonic() < deadline, "Grid Engine still runs the cancelled job"
            worker.cycle(claim_wait=0.3)
        assert api.job(job["id"])["state"] == "CANCELLED"
        assert scheduler.status([sge_id])[sge_id].state == BatchState.CANCELLED
