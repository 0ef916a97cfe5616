"""The Python client and the `molyte login/submit/status/fetch` commands against a live server
with a real worker (local scheduler, test engine)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from molyte.client import Client, ClientError
from support import PASSWORD, ROOT, LiveServer, api_session, make_settings
from worker_harness import test_worker, worker_config

MOLYTE = str(Path(sys.executable).parent / "molyte")


def test_client_and_commands(tmp_path: Path, database_url: str) -> None:
    with api_session(make_settings(database_url, tmp_path)) as api, LiveServer(api.app) as server:
        worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "work"))
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        try:
            with Client.login(server.url, "alice", PASSWORD) as client:
                assert client.me()["username"] == "alice"
                job = client.submit(ROOT / "examples" / "qc-job.json")
                states: list[str] = []
                final = client.wait(
                    job["id"], timeout=60, poll=0.3, on_change=lambda j: states.append(j["state"])
                )
                assert final["state"] == "COMPLETED" and states[-1] == "COMPLETED"
                assert client.list(state="COMPLETED")["total"] == 1
                paths = client.download_results(job["id"], tmp_path / "dl")
                assert [p.name for p in paths] == ["result.txt"]
                listed = client.results(job["id"])["files"][0]
                assert hashlib.sha256(paths[0].read_bytes()).hexdigest() == listed["sha256"]
                with pytest.raises(ClientError) as err:
                    client.get(999_999)
                assert err.value.status_code == 404 and err.value.detail == "Job not found"

            env = {
                **os.environ,
                "MOLYTE_CLIENT_CONFIG": str(tmp_path / "session.json"),
                "MOLYTE_PASSWORD": PASSWORD,
            }

            def run(*args: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    [MOLYTE, *args],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=60,
                    stdin=subprocess.DEVNULL,
                )

            assert run("status", "1").returncode == 1  # not signed in yet
            r = run("login", "--url", server.url, "--username", "alice")
            assert r.returncode == 0, r.stderr
            assert oct((tmp_path / "session.json").stat().st_mode)[-3:] == "600"
            r = run("submit", str(ROOT / "examples" / "qc-job.json"))
            assert r.returncode == 0, r.stderr
            new_id = int(r.stdout.split()[2])
            Client.login(server.url, "alice", PASSWORD).wait(new_id, timeout=60, poll=0.3)
            r = run("status", str(new_id))
            assert r.returncode == 0 and "COMPLETED" in r.stdout and "CLAIMED" in r.stdout
            r = run("fetch", str(new_id), "--out", str(tmp_path / "fetched"))
            assert r.returncode == 0, r.stderr
            assert (tmp_path / "fetched" / "result.txt").read_text() == "molyte\n"
            bad = tmp_path / "bad.json"
            bad.write_text('{"type": "QC", "name": "x;rm", "spec": {}}')
            r = run("submit", str(bad))
            assert r.returncode == 1 and "name" in r.stderr
        finally:
            worker.stop()
            thread.join(timeout=30)
