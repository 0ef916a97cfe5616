"""The whole system, every part a real process: PostgreSQL, `molyte server` (production
settings, results on an S3 server), two worker processes on real Slurm with the real engines
(LAMMPS, PySCF, xtb). Two users submit a mix of MD and QC jobs over HTTP; every job completes
exactly once, and every result file downloads through its presigned URL with the size and
sha256 the API lists."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from support import Moto, free_port, md_body, qc_body, report_counts, stop_process, wait_until
from worker_harness import spawn_worker

pytestmark = pytest.mark.slurm

MOLYTE = str(Path(sys.executable).parent / "molyte")
PASSWORD = "mixed-load-9"
WORKERS = ("node-1", "node-2")
CAPACITY = 3  # per worker: five jobs cannot all go to one of them


@dataclass
class System:
    url: str
    env: dict[str, str]
    tmp: Path
    s3: Any  # a boto3 S3 client on the results bucket's server
    bucket: str
    s3_endpoint: str

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [MOLYTE, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def login(self, username: str) -> dict[str, str]:
        r = httpx.post(
            f"{self.url}/api/v1/auth/login", data={"username": username, "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def system(slurm: None, pg_url: str, moto: Moto, tmp_path: Path) -> Iterator[System]:
    """`molyte server` as its own process on loopback, on PostgreSQL and an S3 bucket."""
    bucket = f"system-{time.time_ns()}"
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=bucket)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLYTE_")}
    env.update(
        creds,
        MOLYTE_ENV="production",
        MOLYTE_DATABASE_URL=pg_url,
        MOLYTE_STORAGE_URL=f"s3://{bucket}?endpoint={moto.endpoint}&region=us-east-1",
        MOLYTE_SECRET_KEY=secrets.token_urlsafe(48),
        MOLYTE_DATA_DIR=str(tmp_path / "server"),
    )
    port = free_port()
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [MOLYTE, "server", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
        try:
            return httpx.get(url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, 60, "molyte server", interval=0.5)
        yield System(url, env, tmp_path, s3, bucket, moto.endpoint)
    finally:
        stop_process(server)


def md_job(name: str, salt: str, solvent: str) -> dict[str, Any]:
    """The smallest electrolyte that still gives a density and RDFs: two ion pairs, 1+1 ps."""
    body = md_body(name)
    body["spec"].update(
        {
            "salts": [{"name": salt, "concentration": 1.0}],
            "solvents": [{"name": solvent, "ratio": 1.0}],
            "salt_pairs": 2,
            "stages": {"minimize": True, "npt_ps": 2, "nvt_ps": 2},
            "thermo_interval": 100,
            "dump_interval": 200,
        }
    )
    return body


def qc_job(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    body = qc_body(name)
    body["spec"] = spec
    return body


def submissions() -> list[tuple[str, dict[str, Any]]]:
    """Two MD and three QC jobs (PySCF and xtb), from two users."""
    return [
        ("alice", md_job("LiPF6 in EC", "LiPF6", "EC")),
        ("bob", md_job("LiTFSI in DMC", "LiTFSI", "DMC")),
        ("alice", qc_body("water opt+freq (PySCF)")),
        (
            "bob",
            qc_job(
                "methanol SP (PySCF)",
                {"molecule": {"smiles": "CO"}, "task": "sp", "method": "HF", "basis": "STO-3G"}
                | {"engine": "pyscf"},
            ),
        ),
        (
            "alice",
            qc_job(
                "EC opt (xtb)",
                {
                    "molecule": {"smiles": "C1COC(=O)O1"},
                    "task": "opt",
                    "method": "GFN2-xTB",
                    "basis": "def2-SVP",
                    "engine": "xtb",
                },
            ),
        ),
    ]


def test_two_users_two_workers_mixed_md_and_qc_complete_once(system: System) -> None:
    started = time.monotonic()
    for user in ("alice", "bob"):
        system.cli("user", "create", user, "--role", "user", "--password", PASSWORD)
    system.cli("user", "create", "root", "--role", "admin", "--password", PASSWORD)
    tokens = {w: system.cli("worker-token", "create", w).strip().splitlines()[-1] for w in WORKERS}
    headers = {u: system.login(u) for u in ("alice", "bob", "root")}

    procs = []
    try:
        for name in WORKERS:
            args = {
                "url": system.url,
                "token": tokens[name],
                "work": str(system.tmp / name),
                "scheduler": "slurm",
                "name": name,
                "concurrent": CAPACITY,
                "engines": "real",
            }
            procs.append(spawn_worker(args, system.tmp / f"{name}.json"))

        def both_online() -> bool:
            for p in procs:
                assert p.poll() is None, (system.tmp / "node-1.log").read_text()[-3000:]
            r = httpx.get(f"{system.url}/api/v1/admin/workers", headers=headers["root"])
            return {w["name"] for w in r.json() if w["state"] == "online"} == set(WORKERS)

        wait_until(both_online, 60, "both workers online", interval=0.5)

        owners: dict[int, str] = {}
        for user, body in submissions():
            r = httpx.post(f"{system.url}/api/v1/jobs", json=body, headers=headers[user])
            assert r.status_code == 201, r.text
            owners[r.json()["id"]] = user

        def job(job_id: int) -> dict[str, Any]:
            r = httpx.get(f"{system.url}/api/v1/jobs/{job_id}", headers=headers[owners[job_id]])
            assert r.status_code == 200, r.text
            return dict(r.json())

        def all_finished() -> bool:
            states = {i: job(i)["state"] for i in owners}
            failed = {i: job(i) for i, s in states.items() if s in ("FAILED", "CANCELLED")}
            assert not failed, {
                i: (j["failure_reason"], j["events"][-1]["message"], j["log_tail"])
                for i, j in failed.items()
            }
            return set(states.values()) == {"COMPLETED"}

        wait_until(all_finished, 200, "every job COMPLETED", interval=0.5)
    finally:
        for p in procs:
            stop_process(p)
    jobs = {i: job(i) for i in owners}
    counts = report_counts("system-mixed-load", len(owners), list(jobs.values()))
    assert counts == {"submitted": 5, "completed": 5, "lost": 0, "run-twice": 0}

    # Each job ran exactly once: one claim, one Slurm job, one work directory, attempt 1.
    slurm_ids = set()
    for job_id, j in jobs.items():
        tos = [e["to"] for e in j["events"]]
        assert tos == [
            "PENDING",
            "CLAIMED",
            "QUEUED",
            "RUNNING",
            "POSTPROCESSING",
            "COMPLETED",
        ] or (tos == ["PENDING", "CLAIMED", "QUEUED", "POSTPROCESSING", "COMPLETED"]), tos
        assert j["attempts"] == 1 and j["scheduler_job_id"].isdigit()
        dirs = [d for w in WORKERS for d in (system.tmp / w).glob(f"*/job-{job_id}")]
        assert len(dirs) == 1 and dirs[0].parts[-3] == j["worker"], dirs
        outs = [p.name for p in dirs[0].glob("slurm-*.out")]
        assert outs == [f"slurm-{j['scheduler_job_id']}.out"], outs
        slurm_ids.add(j["scheduler_job_id"])
    assert len(slurm_ids) == len(jobs)
    per_worker = {w: sum(j["worker"] == w for j in jobs.values()) for w in WORKERS}
    assert all(n >= 1 for n in per_worker.values()), per_worker

    # Every result file, through the URL the API gives, has the listed size and sha256.
    downloaded = 0
    for job_id, j in jobs.items():
        owner = headers[owners[job_id]]
        res = httpx.get(f"{system.url}/api/v1/jobs/{job_id}/results", headers=owner).json()
        assert res["files"], j
        for f in res["files"]:
            assert f["url"].startswith(system.s3_endpoint + "/"), f["url"]  # presigned, on S3
            body = httpx.get(f["url"], timeout=60)
            assert body.status_code == 200, (f["name"], body.text[:300])
            assert len(body.content) == f["size"], f["name"]
            assert hashlib.sha256(body.content).hexdigest() == f["sha256"], f["name"]
            downloaded += 1
        other = headers["bob" if owners[job_id] == "alice" else "alice"]
        assert (
            httpx.get(f"{system.url}/api/v1/jobs/{job_id}/results", headers=other).status_code
            == 404
        )
        if j["type"] == "MD":
            assert 0.5 < res["summary"]["density"]["mean"] < 2.5
        else:
            assert res["summary"]["normal_termination"] is True
    stored = system.s3.list_objects_v2(Bucket=system.bucket).get("KeyCount", 0)
    assert stored == downloaded
    print(
        f"system: {len(jobs)} jobs, {downloaded} files checked, per worker {per_worker}, "
        f"{time.monotonic() - started:.0f} s"
    )
