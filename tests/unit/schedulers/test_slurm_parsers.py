"""Parsers of sbatch, squeue, sacct and scontrol, on output captured from a real Slurm 22.05.

The captures (tests/data/slurm/) come from one session of jobs: 1 ran past `--time=1`
(TIMEOUT), 2, 8, 10 succeeded, 3 ran `exit 3`, 4 slept (RUNNING), 5 was cancelled while
pending, 6 was held, 7 had `--begin` in an hour, 9 killed itself with SIGKILL, 11 was cancelled
while running. `early` was taken while 1 ran; `late` after it timed out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.errors import ExternalCommandError
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.base import BatchStatus
from molyte.schedulers.slurm import (
    parse_sacct,
    parse_sbatch,
    parse_scontrol,
    parse_squeue,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "slurm"


def read(name: str) -> str:
    return (DATA / name).read_text()


def summary(parsed: dict[str, BatchStatus]) -> dict[str, tuple[object, object, object]]:
    return {k: (v.state, v.failure_reason, v.exit_code) for k, v in parsed.items()}


def test_sbatch_parsable_id() -> None:
    assert parse_sbatch(read("sbatch_parsable.txt")) == "2"


def test_sbatch_parsable_id_with_cluster() -> None:
    assert read("sbatch_parsable_cluster.txt").strip() == "10;localcluster"
    assert parse_sbatch(read("sbatch_parsable_cluster.txt")) == "10"


@pytest.mark.parametrize("text", ["", "sbatch: error: Batch job submission failed\n", "abc;x\n"])
def test_sbatch_without_an_id_is_an_error(text: str) -> None:
    with pytest.raises(ExternalCommandError, match="no job id"):
        parse_sbatch(text)


def test_sbatch_plain_output_is_refused() -> None:
    # Without --parsable sbatch prints a sentence; the scheduler always asks for --parsable.
    with pytest.raises(ExternalCommandError):
        parse_sbatch(read("sbatch_plain.txt"))


def test_squeue_early() -> None:
    assert summary(parse_squeue(read("squeue_early.txt"))) == {
        "1": (S.RUNNING, None, None),
        "2": (S.COMPLETED, None, 0),
        "3": (S.FAILED, F.SCRIPT_FAILED, 3),
        "4": (S.RUNNING, None, None),
        "5": (S.CANCELLED, F.CANCELLED, 0),
        "6": (S.PENDING, None, None),
        "7": (S.PENDING, None, None),
        "8": (S.PENDING, None, None),
        "9": (S.PENDING, None, None),
        "10": (S.PENDING, None, None),
    }


def test_squeue_late() -> None:
    assert summary(parse_squeue(read("squeue_late.txt"))) == {
        "1": (S.FAILED, F.TIMEOUT, 143),  # SIGTERM at the time limit
        "2": (S.COMPLETED, None, 0),
        "3": (S.FAILED, F.SCRIPT_FAILED, 3),
        "4": (S.RUNNING, None, None),
        "5": (S.CANCELLED, F.CANCELLED, 0),
        "6": (S.PENDING, None, None),
        "7": (S.PENDING, None, None),
        "8": (S.COMPLETED, None, 0),
        "9": (S.FAILED, F.SCRIPT_FAILED, 137),  # SIGKILL
        "10": (S.COMPLETED, None, 0),
        "11": (S.CANCELLED, F.CANCELLED, 143),
    }


def test_squeue_raw_state_is_kept() -> None:
    parsed = parse_squeue(read("squeue_late.txt"))
    assert parsed["1"].raw_state == "TIMEOUT"
    assert parsed["5"].raw_state == "CANCELLED"


def test_sacct_early() -> None:
    parsed = parse_sacct(read("sacct_early.txt"))
    assert summary(parsed) == {
        "1": (S.RUNNING, None, None),
        "2": (S.COMPLETED, None, 0),
        "3": (S.FAILED, F.SCRIPT_FAILED, 3),
        "4": (S.RUNNING, None, None),
        "5": (S.CANCELLED, F.CANCELLED, 0),
        "6": (S.PENDING, None, None),
        "7": (S.PENDING, None, None),
        "8": (S.PENDING, None, None),
        "9": (S.PENDING, None, None),
    }
    assert parsed["5"].raw_state == "CANCELLED by 0"


def test_sacct_late() -> None:
    assert summary(parse_sacct(read("sacct_late.txt"))) == {
        "1": (S.FAILED, F.TIMEOUT, 0),
        "2": (S.COMPLETED, None, 0),
        "3": (S.FAILED, F.SCRIPT_FAILED, 3),
        "4": (S.RUNNING, None, None),
        "5": (S.CANCELLED, F.CANCELLED, 0),
        "6": (S.PENDING, None, None),
        "7": (S.PENDING, None, None),
        "8": (S.COMPLETED, None, 0),
        "9": (S.FAILED, F.SCRIPT_FAILED, 137),
        "10": (S.COMPLETED, None, 0),
        "11": (S.CANCELLED, F.CANCELLED, 0),
    }


def test_sacct_keeps_the_last_row_of_a_reused_id() -> None:
    # Job ids restart at 1 when slurmctld's state is wiped; sacct then lists both jobs.
    parsed = parse_sacct("7|COMPLETED|0:0\n7|RUNNING|0:0\n")
    assert parsed["7"].state == S.RUNNING


def test_scontrol_early() -> None:
    assert summary(parse_scontrol(read("scontrol_oneliner_early.txt"))) == {
        "1": (S.RUNNING, None, None),
        "2": (S.COMPLETED, None, 0),
        "3": (S.FAILED, F.SCRIPT_FAILED, 3),
        "4": (S.RUNNING, None, None),
        "5": (S.CANCELLED, F.CANCELLED, 0),
        "6": (S.PENDING, None, None),
        "7": (S.PENDING, None, None),
        "8": (S.PENDING, None, None),
        "9": (S.PENDING, None, None),
        "10": (S.PENDING, None, None),
    }


def test_scontrol_late() -> None:
    assert summary(parse_scontrol(read("scontrol_oneliner_late.txt"))) == {
        "1": (S.FAILED, F.TIMEOUT, 143),
        "2": (S.COMPLETED, None, 0),
        "3": (S.FAILED, F.SCRIPT_FAILED, 3),
        "4": (S.RUNNING, None, None),
        "5": (S.CANCELLED, F.CANCELLED, 0),
        "6": (S.PENDING, None, None),
        "7": (S.PENDING, None, None),
        "8": (S.COMPLETED, None, 0),
        "9": (S.FAILED, F.SCRIPT_FAILED, 137),
        "10": (S.COMPLETED, None, 0),
        "11": (S.CANCELLED, F.CANCELLED, 143),
    }


def test_scontrol_ignores_a_job_name_that_mimics_fields() -> None:
    line = "JobId=12 JobName=x JobState=COMPLETED UserId=u(1) JobState=FAILED ExitCode=3:0\n"
    assert parse_scontrol(line)["12"].state == S.COMPLETED


def test_parsers_ignore_noise() -> None:
    assert parse_squeue("\n   \nslurm_load_jobs error: Invalid job id specified\n") == {}
    assert parse_sacct("") == {}
    assert parse_scontrol("No jobs in the system\n") == {}
