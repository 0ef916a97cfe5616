"""`molyte worker --config FILE --check` against a live server: what passes, what fails, and
the exit status; and config errors at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from support import LiveServer, api_session, free_port, make_settings

MOLYTE = str(Path(sys.executable).parent / "molyte")


def check(config: dict[str, object], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLYTE_")}
    return subprocess.run(
        [MOLYTE, "worker", "--config", str(path), "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_check_reports_each_item(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    from molyte.db.migrate import upgrade

    upgrade(db)
    with api_session(make_settings(db, tmp_path)) as api, LiveServer(api.app) as server:
        base = {
            "worker": {"name": "chk"},
            "scheduler": {"type": "local"},
            "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
        }
        ok = check(
            {**base, "api": {"base_url": server.url, "worker_token": api.worker_token}}, tmp_path
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
        lines = ok.stdout.splitlines()
        assert any(ln.startswith("[ok  ] dns: 127.0.0.1") for ln in lines)
        assert any(
            ln.startswith("[ok  ] token: accepted as cluster-a (role WORKER)") for ln in lines
        )
        assert any(ln.startswith("[ok  ] engine pyscf") for ln in lines)

        bad = check(
            {**base, "api": {"base_url": server.url, "worker_token": "mlw_wrong"}}, tmp_path
        )
        assert bad.returncode == 1
        assert "[FAIL] token: the server refused the token (401)" in bad.stdout

        user_token = api.alice["Authorization"].removeprefix("Bearer ")
        user = check(
            {**base, "api": {"base_url": server.url, "worker_token": user_token}}, tmp_path
        )
        assert user.returncode == 1 and "role is USER" in user.stdout

    down = check(
        {**base, "api": {"base_url": f"http://127.0.0.1:{free_port()}", "worker_token": "x"}},
        tmp_path,
    )
    assert down.returncode == 1 and "[FAIL] server: cannot connect" in down.stdout
    nodns = check(
        {**base, "api": {"base_url": "https://no-such-host.invalid", "worker_token": "x"}}, tmp_path
    )
    assert (
        nodns.returncode == 1 and "[FAIL] dns: cannot resolve no-such-host.invalid" in nodns.stdout
    )
    typo = check(
        {**base, "api": {"base_url": "https://x", "worker_token": "x", "verfy": 1}}, tmp_path
    )
    assert typo.returncode == 2 and "api.verfy: Extra inputs are not permitted" in typo.stderr
