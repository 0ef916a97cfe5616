"""The local worker of `molyte up`: the real worker loop in a thread, local scheduler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from molyte.worker.app import build_worker
from molyte.worker.config import parse_config

log = logging.getLogger(__name__)


def start_worker_thread(server_url: str, token: str, data_dir: Path) -> Callable[[], None]:
    """Start a worker against `server_url`; returns a function that stops it."""
    work = (data_dir / "work").resolve()
    cfg = parse_config(
        {
            "api": {"base_url": server_url, "worker_token": token, "poll_interval": 20},
            "worker": {"name": "local-worker", "max_concurrent_jobs": 2, "heartbeat_interval": 30},
            "local": {"md_work_dir": str(work / "md"), "qc_work_dir": str(work / "qc")},
            "scheduler": {"type": "local", "local_max_parallel": 1},
        },
        "embedded worker",
    )
    worker = build_worker(cfg)

    def run() -> None:
        # The server starts in the same process: wait for it before the first call.
        worker.stop_event.wait(1.0)
        worker.run()

    thread = threading.Thread(target=run, name="local-worker", daemon=True)
    thread.start()

    def stop() -> None:
        worker.stop()
        thread.join(timeout=10)

    return stop
