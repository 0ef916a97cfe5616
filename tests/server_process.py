"""`molyte server` as a real child process on 127.0.0.1, stopped by its PID (with the worker
processes `--workers N` starts)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from support import free_port

MOLYTE = str(Path(sys.executable).parent / "molyte")
SECRET_KEY = "multiprocess-test-signing-key-0123456789abcdef"


class ServerProcess:
    """`molyte server` as a child process on 127.0.0.1."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [MOLYTE, "server", "--host", "127.0.0.1", "--port", str(self.port)]
        if workers > 1:
            args += ["--workers", str(workers)]
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        """The server's child processes: its workers and multiprocessing's resource tracker."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def workers(self) -> list[int]:
        return [pid for pid in self.children() if "spawn_main" in _cmdline(pid)]

    def stop(self) -> None:
        """SIGTERM to the server's PID (uvicorn's parent stops its worker processes)."""
        children = self.children()
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in children if alive(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes {left} outlived their server"

    def rss_bytes(self) -> int:
        """The server process's resident memory, from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc status")

    def metric(self, series: str) -> float:
        text = httpx.get(self.url + "/metrics", timeout=10).text
        lines = [x for x in text.splitlines() if x.startswith(series + " ")]
        return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return ""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def server_env(database_url: str, tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLYTE_")}
    env.update(
        {
            "MOLYTE_ENV": "test",
            "MOLYTE_DATABASE_URL": database_url,
            "MOLYTE_SECRET_KEY": SECRET_KEY,
            "MOLYTE_DATA_DIR": str(tmp_path / "data"),
            "MOLYTE_STORAGE_URL": f"file://{tmp_path / 'objects'}",
        }
    )
    env.update({f"MOLYTE_{k.upper()}": v for k, v in settings.items()})
    return env
