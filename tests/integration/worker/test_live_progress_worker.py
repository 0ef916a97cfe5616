"""Watching a real LAMMPS run through the real worker, on the local scheduler and on Slurm:
while it is in NPT its progress rises between two reads and `GET /jobs/{id}/live` returns
thermo rows whose last step grows; after completion progress is 100 and the series is gone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from molyte.worker.app import build_worker
from molyte.worker.config import parse_config
from support import LiveServer, api_session, make_settings, md_body


def long_npt_md() -> dict[str, Any]:
    body = md_body("watched electrolyte")
    body["spec"].update(
        {
            "salt_pairs": 2,
            "stages": {"minimize": True, "npt_ps": 8, "nvt_ps": 1},
            "thermo_interval": 100,
            "dump_interval": 500,
        }
    )
    return body


@pytest.mark.parametrize("scheduler", ["local", pytest.param("slurm", marks=pytest.mark.slurm)])
def test_progress_and_live_thermo_of_a_running_lammps_job(
    scheduler: str, pg_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if scheduler == "slurm":
        request.getfixturevalue("slurm")
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice, long_npt_md())
        cfg = parse_config(
            {
                "api": {"base_url": server.url, "worker_token": api.worker_token},
                "worker": {"name": "watcher", "heartbeat_interval": 5, "progress_interval": 0},
                "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
                "scheduler": {"type": scheduler},
            }
        )
        worker = build_worker(cfg)
        url = f"/api/v1/jobs/{job['id']}/live"
        in_npt: list[dict[str, Any]] = []  # live views read while the run was in NPT
        deadline = time.monotonic() + 540
        while api.job(job["id"])["state"] not in ("COMPLETED", "FAILED"):
            assert time.monotonic() < deadline, api.job(job["id"])
            worker.cycle(claim_wait=0.3)
            live = api.client.get(url, headers=api.alice).json()
            rows = live["series"]["rows"]
            newer = not in_npt or (rows and rows[-1][0] > in_npt[-1]["series"]["rows"][-1][0])
            if (live["stage"] or "").startswith("npt") and rows and newer:
                in_npt.append(live)
        final = api.job(job["id"])
        assert final["state"] == "COMPLETED", (final["failure_reason"], final["log_tail"])
        assert len(in_npt) >= 2, in_npt
        first, last = in_npt[0], in_npt[-1]
        assert first["series"]["columns"][:5] == ["step", "time_ps", "temp", "press", "density"]
        assert 0 <= first["progress"] < last["progress"] < 100
        assert last["series"]["rows"][-1][0] > first["series"]["rows"][-1][0]
        # NPT ends at step 8800: 800 steps of compression (a tenth of NPT), then 8 ps of 1 fs
        assert last["stage"].startswith("npt: step ") and last["stage"].endswith(" of 8800")
        density = [r[4] for r in last["series"]["rows"]]
        assert all(0.3 < d < 3.0 for d in density)  # g/cm^3 of a liquid
        assert final["progress"] == 100.0 and final["stage"] is None
        after = api.client.get(url, headers=api.alice).json()
        assert after["series"] == {"columns": [], "rows": []} and after["progress"] == 100.0
        worker.client.close()
        worker.state.close()
