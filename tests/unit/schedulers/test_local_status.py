"""The local scheduler's state table: what a job folder's files mean."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.errors import InvalidInput
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.local import JobFiles, LocalScheduler, local_status

QUEUED = JobFiles(
    exit_code=None,
    started=False,
    cancelled=False,
    timed_out=False,
    launch_error=False,
    wrapper_recorded=False,
    wrapper_alive=False,
    seconds_since_start=0.0,
)
RUNNING = replace(QUEUED, started=True, wrapper_recorded=True, wrapper_alive=True)
ENDED = replace(RUNNING, wrapper_alive=False)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (QUEUED, (S.PENDING, None, None)),
        (replace(QUEUED, started=True, wrapper_recorded=False), (S.RUNNING, None, None)),
        (
            replace(QUEUED, started=True, seconds_since_start=300.0),
            (S.FAILED, F.SCHEDULER_ERROR, None),
        ),
        (RUNNING, (S.RUNNING, None, None)),
        (replace(RUNNING, cancelled=True), (S.RUNNING, None, None)),  # still being stopped
        (replace(ENDED, exit_code=0), (S.COMPLETED, None, 0)),
        (replace(ENDED, exit_code=3), (S.FAILED, F.SCRIPT_FAILED, 3)),
        (replace(ENDED, exit_code=143, timed_out=True), (S.FAILED, F.TIMEOUT, 143)),
        (replace(ENDED, exit_code=143, cancelled=True), (S.CANCELLED, F.CANCELLED, 143)),
        (replace(ENDED, exit_code=0, cancelled=True), (S.CANCELLED, F.CANCELLED, 0)),
        (replace(QUEUED, started=True, cancelled=True), (S.CANCELLED, F.CANCELLED, None)),
        (replace(ENDED, exit_code=127, launch_error=True), (S.FAILED, F.SUBMIT_FAILED, 127)),
        (ENDED, (S.FAILED, F.SCHEDULER_ERROR, None)),  # wrapper died without an exit code
    ],
)
def test_local_state_table(files: JobFiles, expected: tuple[object, object, object]) -> None:
    status = local_status(files)
    assert (status.state, status.failure_reason, status.exit_code) == expected


def test_ids_outside_the_state_dir_are_unknown_and_not_cancellable(tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    scheduler = LocalScheduler(tmp_path / "state")
    result = scheduler.status(["../secret", "local-1", "12"])
    assert {k: v.state for k, v in result.items()} == {
        "../secret": S.UNKNOWN,
        "local-1": S.UNKNOWN,
        "12": S.UNKNOWN,
    }
    with pytest.raises(InvalidInput):
        scheduler.cancel("../secret")
