"""Fixtures for scheduler integration tests: the project's single-node Slurm, a polling helper."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from molyte.schedulers.base import BatchStatus, Scheduler

ROOT = Path(__file__).resolve().parents[3]
SLURM_SH = ROOT / "scripts" / "slurm.sh"


@pytest.fixture(scope="session")
def slurm() -> Iterator[None]:
    """A running single-node Slurm, started by scripts/slurm.sh (and stopped if it started it)."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("the test Slurm is installed with apt-get and needs root")
    already_running = subprocess.run([SLURM_SH, "status"], capture_output=True).returncode == 0
    started = subprocess.run([SLURM_SH, "start"], capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        pytest.fail(f"scripts/slurm.sh start failed:\n{started.stderr}")
    yield
    if not already_running:
        subprocess.run([SLURM_SH, "stop"], capture_output=True, timeout=120, check=True)


WaitFor = Callable[[Scheduler, str, Callable[[BatchStatus], bool], float], list[BatchStatus]]


def wait_for(
    scheduler: Scheduler, job_id: str, done: Callable[[BatchStatus], bool], timeout: float
) -> list[BatchStatus]:
    """Poll `status` until `done` holds; every status seen, in order (the last one satisfies)."""
    seen: list[BatchStatus] = []
    deadline = time.monotonic() + timeout
    while True:
        current = scheduler.status([job_id])[job_id]
        if not seen or seen[-1] != current:
            seen.append(current)
        if done(current):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"{job_id} did not get there in {timeout} s; seen {seen}")
        time.sleep(0.3)


@pytest.fixture
def poll() -> WaitFor:
    """The `wait_for` helper as a fixture (test folders have no __init__.py to import from)."""
    return wait_for
