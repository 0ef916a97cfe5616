"""Every Slurm job state maps to a BatchState and, when the job failed, a named reason."""

from __future__ import annotations

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.slurm import SLURM_STATES, map_state

TABLE = [
    ("PENDING", S.PENDING, None),
    ("CONFIGURING", S.PENDING, None),
    ("REQUEUED", S.PENDING, None),
    ("REQUEUE_HOLD", S.PENDING, None),
    ("REQUEUE_FED", S.PENDING, None),
    ("RESV_DEL_HOLD", S.PENDING, None),
    ("RUNNING", S.RUNNING, None),
    ("COMPLETING", S.RUNNING, None),
    ("STAGE_OUT", S.RUNNING, None),
    ("SIGNALING", S.RUNNING, None),
    ("RESIZING", S.RUNNING, None),
    ("SUSPENDED", S.RUNNING, None),
    ("STOPPED", S.RUNNING, None),
    ("COMPLETED", S.COMPLETED, None),
    ("FAILED", S.FAILED, F.SCRIPT_FAILED),
    ("SPECIAL_EXIT", S.FAILED, F.SCRIPT_FAILED),
    ("CANCELLED", S.CANCELLED, F.CANCELLED),
    ("CANCELLED by 0", S.CANCELLED, F.CANCELLED),
    ("CANCELLED by 1234", S.CANCELLED, F.CANCELLED),
    ("CANCELLED+", S.CANCELLED, F.CANCELLED),
    ("TIMEOUT", S.FAILED, F.TIMEOUT),
    ("OUT_OF_MEMORY", S.FAILED, F.OUT_OF_MEMORY),
    ("OUT_OF_ME+", S.UNKNOWN, F.UNKNOWN),
    ("NODE_FAIL", S.FAILED, F.NODE_FAIL),
    ("PREEMPTED", S.FAILED, F.PREEMPTED),
    ("BOOT_FAIL", S.FAILED, F.BOOT_FAIL),
    ("DEADLINE", S.FAILED, F.DEADLINE),
    ("REVOKED", S.FAILED, F.SCHEDULER_ERROR),
    ("SOMETHING_NEW", S.UNKNOWN, F.UNKNOWN),
]


@pytest.mark.parametrize(("raw", "state", "reason"), TABLE)
def test_state_table(raw: str, state: S, reason: F | None) -> None:
    status = map_state(raw, exit_code=1)
    assert (status.state, status.failure_reason) == (state, reason)
    assert status.raw_state == raw


def test_every_known_state_is_in_the_test_table() -> None:
    assert set(SLURM_STATES) <= {raw for raw, _, _ in TABLE}


def test_failed_states_name_a_reason_and_others_do_not() -> None:
    for state, reason in SLURM_STATES.values():
        assert (reason is not None) == (state in (S.FAILED, S.CANCELLED))


def test_exit_code_only_for_finished_jobs() -> None:
    assert map_state("RUNNING", 0).exit_code is None
    assert map_state("FAILED", 3).exit_code == 3
