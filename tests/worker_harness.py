"""Run a real worker (test engine or the real engines, real scheduler) against a live server,
in-process or as a separate process that a test can kill -9."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from molyte.domain.states import JobType
from molyte.fakes.engine import ScriptEngine
from molyte.worker.app import build_worker, make_scheduler
from molyte.worker.client import WorkerClient
from molyte.worker.config import WorkerConfig, parse_config
from molyte.worker.loop import Worker


def worker_config(
    url: str,
    token: str,
    work: Path,
    *,
    scheduler: str = "local",
    name: str = "test-worker",
    concurrent: int = 4,
) -> WorkerConfig:
    return parse_config(
        {
            "api": {"base_url": url, "worker_token": token, "poll_interval": 1},
            "worker": {"name": name, "max_concurrent_jobs": concurrent, "heartbeat_interval": 1},
            "local": {"md_work_dir": str(work / "md"), "qc_work_dir": str(work / "qc")},
            "scheduler": {"type": scheduler, "local_max_parallel": 4},
        }
    )


def script_engines(seconds: float) -> dict[str, ScriptEngine]:
    """Both job types run a short shell script that writes result.txt."""
    script = ["bash", "-c", f"sleep {seconds}; echo molyte > result.txt"]
    return {
        "lammps": ScriptEngine(JobType.MD, [script], name="lammps"),
        "pyscf": ScriptEngine(JobType.QC, [script], name="pyscf"),
    }


def test_worker(cfg: WorkerConfig, seconds: float = 1.0) -> Worker:
    client = WorkerClient(cfg.api.base_url, cfg.api.worker_token, timeout=10)
    return Worker(cfg, client, make_scheduler(cfg), script_engines(seconds))


test_worker.__test__ = False  # type: ignore[attr-defined]


def spawn_worker(
    args: dict[str, Any], path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """This harness as a separate worker process (so a test can kill -9 it); `args` are
    written to `path`, its stderr goes beside it; `env` is added to this process's environment.

    `args`: url, token, work, scheduler, name; optional seconds (the test engine's run time),
    concurrent (max_concurrent_jobs), engines ("script", the default, or "real": LAMMPS,
    PySCF, xtb as `molyte worker` finds them)."""
    path.write_text(json.dumps(args))
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, **(env or {}), "PYTHONPATH": f"{root / 'src'}:{root / 'tests'}"}
    with path.with_suffix(".log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__)), str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )


def main(argv: list[str]) -> None:
    """`python tests/worker_harness.py CONFIG.json`: a worker process for kill -9 tests."""
    args: dict[str, Any] = json.loads(Path(argv[0]).read_text())
    cfg = worker_config(
        args["url"],
        args["token"],
        Path(args["work"]),
        scheduler=args["scheduler"],
        name=args["name"],
        concurrent=int(args.get("concurrent", 4)),
    )
    if args.get("engines", "script") == "real":
        worker = build_worker(cfg)
    else:
        worker = test_worker(cfg, float(args.get("seconds", 1.0)))
    import signal

    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    worker.run()


if __name__ == "__main__":
    main(sys.argv[1:])

__all__ = ["build_worker", "main", "script_engines", "spawn_worker", "test_worker", "worker_config"]
