"""Real engines through the real worker on real Slurm: a small LAMMPS electrolyte, a PySCF
opt+freq of water and an xtb optimisation; each result checked for physical values."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from molyte.worker.app import build_worker
from molyte.worker.config import parse_config
from support import LiveServer, api_session, make_settings, md_body, qc_body

pytestmark = pytest.mark.slurm


def small_md() -> dict[str, Any]:
    body = md_body("small electrolyte on Slurm")
    body["spec"].update(
        {
            "salt_pairs": 2,
            "stages": {"minimize": True, "npt_ps": 3, "nvt_ps": 3},
            "thermo_interval": 100,
            "dump_interval": 200,
        }
    )
    return body


def xtb_opt() -> dict[str, Any]:
    body = qc_body("EC xtb opt on Slurm")
    body["spec"] = {
        "molecule": {"smiles": "C1COC(=O)O1"},
        "task": "opt",
        "method": "GFN2-xTB",
        "basis": "def2-SVP",
        "engine": "xtb",
    }
    return body


def test_md_pyscf_and_xtb_jobs_complete_on_slurm(slurm: None, pg_url: str, tmp_path: Path) -> None:
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        jobs = {
            kind: api.submit(api.alice, body)
            for kind, body in (
                ("md", small_md()),
                ("pyscf", qc_body("water on Slurm")),
                ("xtb", xtb_opt()),
            )
        }
        cfg = parse_config(
            {
                "api": {
                    "base_url": server.url,
                    "worker_token": api.worker_token,
                    "poll_interval": 1,
                },
                "worker": {
                    "name": "slurm-engines",
                    "max_concurrent_jobs": 3,
                    "heartbeat_interval": 5,
                },
                "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
                "scheduler": {"type": "slurm"},
            }
        )
        worker = build_worker(cfg)
        assert {"lammps", "pyscf", "xtb"} <= set(worker.engines)
        deadline = time.monotonic() + 420
        while not all(api.job(j["id"])["state"] in ("COMPLETED", "FAILED") for j in jobs.values()):
            assert time.monotonic() < deadline, [api.job(j["id"])["state"] for j in jobs.values()]
            worker.cycle(claim_wait=0.5)
        states = {k: api.job(j["id"]) for k, j in jobs.items()}
        assert {k: s["state"] for k, s in states.items()} == dict.fromkeys(jobs, "COMPLETED"), {
            k: (s["failure_reason"], s["log_tail"]) for k, s in states.items()
        }
        for job in states.values():
            assert job["scheduler_job_id"].isdigit()

        md = api.client.get(f"/api/v1/jobs/{jobs['md']['id']}/results", headers=api.alice).json()
        density = md["summary"]["density"]
        assert 0.5 < density["mean"] < 2.5 and density["unit"] == "g/cm^3"
        names = {f["name"] for f in md["files"]}
        assert {"final.pdb", "final.xyz", "thermo.csv"} <= names
        assert any(n.startswith("rdf_") for n in names)
        thermo = httpx.get(
            server.url + next(f["url"] for f in md["files"] if f["name"] == "thermo.csv")
        ).text.splitlines()
        header = thermo[0].split(",")
        assert "stage" in header and "density" in header
        values = [float(x) for x in thermo[-1].split(",")[header.index("density")].split()]
        assert all(math.isfinite(v) for v in values)

        water = api.client.get(
            f"/api/v1/jobs/{jobs['pyscf']['id']}/results", headers=api.alice
        ).json()["summary"]
        assert -76.1 < water["scf_energy_hartree"] < -75.9
        assert water["homo_ev"] < water["lumo_ev"]
        freqs = water["frequencies_cm1"]
        assert len(freqs) == 3 and min(freqs) > 0

        ec = api.client.get(f"/api/v1/jobs/{jobs['xtb']['id']}/results", headers=api.alice).json()[
            "summary"
        ]
        assert ec["engine"] == "xtb" and ec["normal_termination"] is True
        assert ec["homo_ev"] < ec["lumo_ev"]
        assert len(ec["geometry"]) == 10  # C3H4O3
