"""The cluster admins' own deployment, as written in their guide: `bash
deployment/start_polling_worker.sh tencent` with their YAML (only the URL, the token, the
secrets and the paths changed to the test's), "started" in the stdout log, a real xtb job
completed on real Slurm, `ps` finds `polling_worker`, and `bash deployment/stop_polling_worker.sh`
with no argument stops it; once as root and once as an ordinary user (runuser, no sudo)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import ROOT, Api, LiveServer, api_session, make_settings

pytestmark = pytest.mark.slurm
DEPLOYMENT = ROOT / "deployment"
OPERATOR = "molyteop"  # an ordinary account made for this test

# Their YAML as their guide has it; the test replaces the URL, the token, the secrets and paths.
THEIR_YAML = """\
api:
  base_url: "{base_url}/api/v1"
  worker_token: "{token}"
  poll_interval: 30
  verify_ssl: false
cos:
  secret_id: ""
  secret_key: ""
  region: "ap-shanghai"
  bucket: ""
local:
  md_work_dir: "{work}/md"
  qc_work_dir: "{work}/qc"
  lammps_bin: "{lammps_bin}"
  gaussian_bin: "/opt/g16/g16"
  conda_env: "molyte"
worker:
  name: "{name}"
  max_concurrent_jobs: 2
  heartbeat_interval: 300
"""


def xtb_job() -> dict[str, Any]:
    return {
        "type": "QC",
        "name": "EC via the admins deployment",
        "spec": {
            "molecule": {"smiles": "C1COC(=O)O1"},
            "task": "sp",
            "method": "GFN2-xTB",
            "basis": "def2-SVP",
            "engine": "xtb",
        },
    }


def worker_pids() -> list[int]:
    """What `ps aux | grep polling_worker` finds (without the grep itself); `ww` because ps
    cuts lines at $COLUMNS when that is set, as it is under pytest."""
    out = subprocess.run(["ps", "auxww"], capture_output=True, text=True, check=True).stdout
    return [
        int(line.split()[1])
        for line in out.splitlines()
        if "polling_worker" in line and "grep" not in line and "pytest" not in line
    ]


@pytest.fixture
def live(slurm: None, pg_url: str, tmp_path: Path) -> Iterator[tuple[Api, LiveServer]]:
    with api_session(make_settings(pg_url, tmp_path)) as api, LiveServer(api.app) as server:
        yield api, server


@pytest.fixture
def operator() -> Iterator[str]:
    """An ordinary login account (created once; no sudo on these machines) that can run the
    checkout's Python, as an operator runs their own."""
    if os.geteuid() != 0:
        pytest.skip("creating the operator account needs root")
    try:
        pwd.getpwnam(OPERATOR)
    except KeyError:
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", OPERATOR], check=True)
    python = str(ROOT / ".venv" / "bin" / "python")
    probe = ["runuser", "-u", OPERATOR, "--", python, "-c", "import molyte"]
    # The venv's interpreter may live under root's home (pyenv), which others cannot enter:
    # let them pass through it (execute only, no listing) for this test.
    home = Path("/root")
    mode = home.stat().st_mode & 0o777
    if subprocess.run(probe, capture_output=True).returncode != 0 and not mode & 0o001:
        home.chmod(mode | 0o001)
    try:
        usable = subprocess.run(probe, capture_output=True, text=True)
        assert usable.returncode == 0, f"{OPERATOR} cannot run {python}: {usable.stderr}"
        yield OPERATOR
    finally:
        home.chmod(mode)


def run_as(
    user: str | None, argv: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    if user is not None:
        keep = ",".join(k for k in env if k.startswith("MOLYTE_"))
        argv = ["runuser", "-u", user, f"--whitelist-environment={keep}", "--", *argv]
    return subprocess.run(
        argv, env={**os.environ, **env}, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def deploy_and_run(api: Api, server: LiveServer, user: str | None) -> None:
    # A folder both root and the operator can use (pytest's tmp_path is private to root).
    base = Path(tempfile.mkdtemp(prefix="molyte-deploy-", dir="/tmp"))
    profile = f"tencent{os.getpid()}{'u' if user else 'r'}"
    config = DEPLOYMENT / f"polling_worker_config_{profile}.yaml"
    try:
        work = base / "work"
        work.mkdir()
        config.write_text(
            THEIR_YAML.format(
                base_url=server.url,
                token=api.worker_token,
                work=work,
                lammps_bin=shutil.which("lmp") or "lmp",
                name=f"deploy-{profile}",
            )
        )
        log = base / "polling_worker_stdout.log"
        run_dir = base / "run"
        if user is not None:
            shutil.chown(base, user)
            shutil.chown(work, user)
            config.chmod(0o644)
        env = {"MOLYTE_WORKER_STDOUT_LOG": str(log), "MOLYTE_RUN_DIR": str(run_dir)}
        before = set(worker_pids())
        start = run_as(user, ["bash", "deployment/start_polling_worker.sh", profile], env)
        assert start.returncode == 0, start.stdout + start.stderr
        assert "started" in start.stdout
        try:
            pids = set(worker_pids()) - before
            assert len(pids) == 1, (worker_pids(), log.read_text())
            (pid,) = pids
            if user is not None:
                assert Path(f"/proc/{pid}").stat().st_uid == pwd.getpwnam(user).pw_uid
            deadline = time.monotonic() + 30
            while "started" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            job = api.submit(api.alice, xtb_job())
            deadline = time.monotonic() + 240
            while api.job(job["id"])["state"] not in ("COMPLETED", "FAILED"):
                assert time.monotonic() < deadline, (api.job(job["id"])["state"], log.read_text())
                time.sleep(1)
            final = api.job(job["id"])
            assert final["state"] == "COMPLETED", (final["failure_reason"], log.read_text())
            assert final["scheduler_job_id"].isdigit()
            assert final["worker"] == f"deploy-{profile}"
        finally:
            stop = run_as(user, ["bash", "deployment/stop_polling_worker.sh"], env)
        assert stop.returncode == 0, stop.stdout + stop.stderr
        assert "stopped" in stop.stdout
        assert set(worker_pids()) - before == set()
        text = log.read_text()
        # The job's story, one line per step, as the admins' guide expects to read it.
        sid, n = final["scheduler_job_id"], final["id"]
        for step in (
            f"pending job(s) found and claimed: QC job #{n}",
            f"QC job #{n}: processing QC job #{n} with xtb",
            f"QC job #{n}: work directory created:",
            f"QC job #{n}: `sbatch job.sh` submitted: Slurm job id {sid}",
            f"QC job #{n}: CLAIMED -> QUEUED",
            f"QC job #{n}: uploaded ",
            f"QC job #{n}: POSTPROCESSING -> COMPLETED",
        ):
            assert step in text, (step, text)
        assert "HTTP Request" not in text  # no line per request
        assert api.worker_token not in text
        assert "Traceback" not in text
        assert not list(run_dir.glob("*.pid"))
    finally:
        config.unlink(missing_ok=True)
        shutil.rmtree(base, ignore_errors=True)


def test_their_deployment_as_root(live: tuple[Api, LiveServer]) -> None:
    api, server = live
    deploy_and_run(api, server, user=None)


def test_their_deployment_as_an_ordinary_user(live: tuple[Api, LiveServer], operator: str) -> None:
    api, server = live
    deploy_and_run(api, server, user=operator)


def test_start_without_a_profile_or_config_is_a_usage_error(tmp_path: Path) -> None:
    env = {"MOLYTE_WORKER_STDOUT_LOG": str(tmp_path / "log"), "MOLYTE_RUN_DIR": str(tmp_path)}
    none = run_as(None, ["bash", "deployment/start_polling_worker.sh"], env)
    assert none.returncode == 2 and "usage" in none.stderr
    missing = run_as(None, ["bash", "deployment/start_polling_worker.sh", "nosuchprofile"], env)
    assert missing.returncode == 2 and "polling_worker_config_nosuchprofile.yaml" in missing.stderr
    stop = run_as(None, ["bash", "deployment/stop_polling_worker.sh"], env)
    assert stop.returncode == 0 and "no polling worker" in stop.stdout


def test_start_reports_a_worker_that_exits_at_once(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("api: {base_url: 'not a url'}\nworker: {name: x}\n")
    env = {
        "MOLYTE_WORKER_STDOUT_LOG": str(tmp_path / "log"),
        "MOLYTE_RUN_DIR": str(tmp_path / "run"),
        "MOLYTE_WORKER_CONFIG": str(config),
    }
    start = run_as(None, ["bash", "deployment/start_polling_worker.sh", "bad"], env)
    assert start.returncode == 1, start.stdout + start.stderr
    assert "exited at once (status 2)" in start.stderr
    assert not list((tmp_path / "run").glob("*.pid"))
