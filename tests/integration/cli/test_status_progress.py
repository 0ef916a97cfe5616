"""`molyte status ID` shows a running job's progress, stage and time left; `--watch` prints
each change and returns once the job ends (live server, worker reports over the API)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import PASSWORD, LiveServer, api_session, make_settings, qc_body

MOLYTE = str(Path(sys.executable).parent / "molyte")


def test_status_shows_progress_and_watch_follows_to_the_end(
    tmp_path: Path, database_url: str
) -> None:
    with api_session(make_settings(database_url, tmp_path)) as api, LiveServer(api.app) as server:
        env = {
            **os.environ,
            "MOLYTE_CLIENT_CONFIG": str(tmp_path / "session.json"),
            "MOLYTE_PASSWORD": PASSWORD,
        }
        login = [MOLYTE, "login", "--url", server.url, "--username", "alice"]
        assert subprocess.run(login, env=env, capture_output=True, timeout=60).returncode == 0
        job = api.submit(api.alice, qc_body("watched from a shell"))
        [leased] = api.claim()
        api.status(leased, "QUEUED", scheduler_job_id="5")
        api.status(leased, "RUNNING", progress=0.425, stage="optimisation step 5", eta_seconds=4000)
        r = subprocess.run(
            [MOLYTE, "status", str(job["id"])], env=env, capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 0, r.stderr
        assert "RUNNING" in r.stdout
        assert "progress 42.5 %, optimisation step 5, about 1 h 0" in r.stdout  # 1 h 06 min
        watch = subprocess.Popen(
            [MOLYTE, "status", str(job["id"]), "--watch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        try:
            assert watch.stdout is not None
            first = [watch.stdout.readline(), watch.stdout.readline()]  # the running state
            api.status(leased, "POSTPROCESSING")
            api.status(leased, "COMPLETED")
            out, err = watch.communicate(timeout=60)
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait()
        assert watch.returncode == 0, err
        assert first[0].rstrip().endswith("RUNNING") and first[1].startswith("  progress 42.5 %")
        assert out.splitlines()[-1 - len(api.job(job["id"])["events"])].endswith("COMPLETED")
        assert "COMPLETED" in out and "POSTPROCESSING" in out  # the final block with events
