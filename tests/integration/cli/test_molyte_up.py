"""`molyte up` on a fresh data dir: serves /healthz, the OpenAPI page and the UI, prints a
login, and its local worker really runs a submitted job (PySCF) to COMPLETED."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from support import ROOT, free_port


def test_molyte_up_runs_a_job_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLYTE_")}
    log = (tmp_path / "up.log").open("wb")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "molyte"),
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().decode() for _ in range(2)]
        assert lines[0].strip() == f"Molyte is running at {url}/"
        login = re.match(r"\s*login: (\S+) / (\S+)", lines[1])
        assert login, lines
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        assert httpx.get(url + "/docs").status_code == 200
        assert httpx.get(url + "/api/v1/openapi.json").json()["info"]["title"] == "Molyte"
        page = httpx.get(url + "/jobs/42")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        token = httpx.post(
            url + "/api/v1/auth/login", data={"username": login[1], "password": login[2]}
        ).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        body = json.loads((ROOT / "examples" / "qc-job.json").read_text())
        job = httpx.post(url + "/api/v1/jobs", json=body, headers=auth).json()
        deadline = time.monotonic() + 180
        while True:
            state = httpx.get(f"{url}/api/v1/jobs/{job['id']}", headers=auth).json()
            if state["state"] in ("COMPLETED", "FAILED"):
                break
            assert time.monotonic() < deadline, state
            time.sleep(1)
        assert state["state"] == "COMPLETED", state
        assert state["worker"] == "local-worker"
        results = httpx.get(f"{url}/api/v1/jobs/{job['id']}/results", headers=auth).json()
        summary = results["summary"]
        assert -76.1 < summary["scf_energy_hartree"] < -75.9
        names = {f["name"] for f in results["files"]}
        assert {"summary.json", "final.xyz"} <= names
        xyz = httpx.get(
            url + next(f["url"] for f in results["files"] if f["name"] == "final.xyz")
        ).text
        assert xyz.splitlines()[0].strip() == "3"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
