"""Fixtures for scheduler integration tests: the project's single-node Slurm, a polling helper."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from molyte.schedulers.base import BatchStatus, Scheduler

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
