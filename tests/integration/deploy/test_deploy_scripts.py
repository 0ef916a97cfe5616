"""deploy/start_polling_worker.sh and stop_polling_worker.sh, kept for workers set up with
Molyte's first scripts, against a live server: they run deployment/'s scripts on that setup's
files (config and pid file under deploy/, log deploy/run/worker-PROFILE.out)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from support import ROOT, LiveServer, api_session, make_settings

DEPLOY = ROOT / "deploy"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not alive
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.split(")")[1].split()[0] != "Z"


def test_start_refuses_second_copy_and_stop_stops(tmp_path: Path) -> None:
    from molyte.db.migrate import upgrade

    upgrade(f"sqlite:///{tmp_path / 'srv.sqlite'}")
    with api_session(make_settings(f"sqlite:///{tmp_path / 'srv.sqlite'}", tmp_path)) as api:
        with LiveServer(api.app) as server:
            config = tmp_path / "worker.yaml"
            config.write_text(
                yaml.safe_dump(
                    {
                        "api": {"base_url": server.url, "poll_interval": 1},
                        "worker": {"name": "deploy-test", "heartbeat_interval": 1},
                        "local": {
                            "md_work_dir": str(tmp_path / "md"),
                            "qc_work_dir": str(tmp_path / "qc"),
                            "log_file": str(tmp_path / "worker.log"),
                        },
                        "scheduler": {"type": "local"},
                    }
                )
            )
            env = {
                **os.environ,
                "MOLYTE_WORKER_CONFIG": str(config),
                "MOLYTE_RUN_DIR": str(tmp_path / "run"),
                "MOLYTE_PYTHON": sys.executable,
                "MOLYTE_WORKER_TOKEN": api.worker_token,
            }
            start = subprocess.run(
                [DEPLOY / "start_polling_worker.sh", "t1"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert start.returncode == 0, start.stderr + start.stdout
            pid = int((tmp_path / "run" / "polling_worker_t1.pid").read_text())
            try:
                assert _alive(pid)
                second = subprocess.run(
                    [DEPLOY / "start_polling_worker.sh", "t1"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                # Already running is not an error (a systemd ExecStart may run it twice).
                assert second.returncode == 0, second.stderr
                assert f"already running (pid {pid})" in second.stdout
                deadline = time.monotonic() + 30
                while not api.client.get("/api/v1/admin/workers", headers=api.admin).json():
                    assert time.monotonic() < deadline, "worker never heartbeated"
                    time.sleep(0.3)
                workers = api.client.get("/api/v1/admin/workers", headers=api.admin).json()
                assert workers[0]["name"] == "deploy-test" and workers[0]["state"] == "online"
                assert (tmp_path / "worker.log").exists()
            finally:
                stop = subprocess.run(
                    [DEPLOY / "stop_polling_worker.sh", "t1"],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
            assert stop.returncode == 0, stop.stderr
            deadline = time.monotonic() + 10
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _alive(pid)
            assert not (tmp_path / "run" / "polling_worker_t1.pid").exists()
            assert "worker deploy-test started" in (tmp_path / "run" / "worker-t1.out").read_text()
            log = (tmp_path / "worker.log").read_text()
            assert api.worker_token not in log
