"""SlurmScheduler wiring: one squeue call per cycle, then one sacct or scontrol call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.errors import ConfigError, ExternalCommandError, InvalidInput, SchedulerUnavailable
from molyte.fakes.scheduler import RecordingRunner
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.base import BatchStatus
from molyte.schedulers.runner import CommandResult
from molyte.schedulers.slurm import SlurmScheduler

DATA = Path(__file__).resolve().parents[2] / "data" / "slurm"
OK_EMPTY = CommandResult(0, "", "")


def read(name: str) -> str:
    return (DATA / name).read_text()


def test_two_hundred_jobs_cost_one_squeue_call() -> None:
    lines = "".join(f"{n}|RUNNING|None|0\n" for n in range(1000, 1200))
    runner = RecordingRunner({"squeue": CommandResult(0, lines, "")})
    ids = [str(n) for n in range(1000, 1200)]
    result = SlurmScheduler(runner).status(ids)
    assert len(runner.calls) == 1
    assert runner.calls[0][0] == "squeue"
    assert runner.calls[0][2] == "--jobs=" + ",".join(ids)
    assert "--states=all" in runner.calls[0]
    assert len(result) == 200
    assert {s.state for s in result.values()} == {S.RUNNING}


def test_jobs_squeue_forgot_cost_one_sacct_call() -> None:
    runner = RecordingRunner(
        {
            "squeue": CommandResult(0, "4|RUNNING|None|0\n", ""),
            "sacct": CommandResult(0, read("sacct_late.txt"), ""),
        }
    )
    result = SlurmScheduler(runner).status(["4", "1", "3", "11", "77"])
    assert [argv[0] for argv in runner.calls] == ["squeue", "sacct"]
    assert runner.calls[1][runner.calls[1].index("-j") + 1] == "1,3,11,77"
    assert result["4"].state == S.RUNNING
    assert (result["1"].state, result["1"].failure_reason) == (S.FAILED, F.TIMEOUT)
    assert (result["3"].state, result["3"].exit_code) == (S.FAILED, 3)
    assert result["11"].state == S.CANCELLED
    assert result["77"].state == S.UNKNOWN


def test_without_accounting_scontrol_is_used_and_sacct_not_retried() -> None:
    runner = RecordingRunner(
        {
            "squeue": CommandResult(1, "", read("squeue_invalid_id.stderr")),
            "sacct": CommandResult(1, "", read("sacct_disabled.stderr")),
            "scontrol": CommandResult(0, read("scontrol_oneliner_late.txt"), ""),
        }
    )
    scheduler = SlurmScheduler(runner)
    first = scheduler.status(["3", "9", "500"])
    second = scheduler.status(["3"])
    assert [argv[0] for argv in runner.calls] == [
        "squeue",
        "sacct",
        "scontrol",
        "squeue",
        "scontrol",
    ]
    assert (first["3"].state, first["3"].exit_code) == (S.FAILED, 3)
    assert first["9"].exit_code == 137
    assert first["500"].state == S.UNKNOWN
    assert second["3"].state == S.FAILED


def test_all_ids_unknown_to_squeue_is_not_an_error() -> None:
    runner = RecordingRunner(
        {
            "squeue": CommandResult(1, "", read("squeue_invalid_id.stderr")),
            "sacct": OK_EMPTY,
        }
    )
    assert SlurmScheduler(runner).status(["999"])["999"].state == S.UNKNOWN


def test_a_transient_sacct_failure_falls_back_to_scontrol() -> None:
    runner = RecordingRunner(
        {
            "squeue": OK_EMPTY,
            "sacct": CommandResult(1, "", "sacct: error: slurmdbd: connection refused"),
            "scontrol": CommandResult(0, read("scontrol_oneliner_late.txt"), ""),
        }
    )
    scheduler = SlurmScheduler(runner, use_sacct=True)
    assert scheduler.status(["2"])["2"].state == S.COMPLETED
    scheduler.status(["2"])
    assert runner.count("sacct") == 2  # a configured sacct is tried again next cycle


def test_squeue_failure_raises() -> None:
    runner = RecordingRunner(
        {"squeue": CommandResult(1, "", "squeue: error: Unable to contact slurm controller")}
    )
    with pytest.raises(ExternalCommandError, match="Unable to contact"):
        SlurmScheduler(runner).status(["1"])


def test_no_ids_no_calls() -> None:
    runner = RecordingRunner()
    assert SlurmScheduler(runner).status([]) == {}
    assert runner.calls == []


@pytest.mark.parametrize("bad", ["--all", "1;2", "", "12 13", "-1", "local-3"])
def test_ids_that_are_not_slurm_ids_never_reach_slurm(bad: str) -> None:
    runner = RecordingRunner()
    assert SlurmScheduler(runner).status([bad]) == {bad: BatchStatus(S.UNKNOWN)}
    with pytest.raises(InvalidInput):
        SlurmScheduler(runner).cancel(bad)
    assert runner.calls == []


def test_a_bad_id_does_not_hide_the_others() -> None:
    runner = RecordingRunner({"squeue": CommandResult(0, "4|RUNNING|None|0\n", "")})
    result = SlurmScheduler(runner).status(["--all", "4"])
    assert runner.calls[0][2] == "--jobs=4"
    assert (result["--all"].state, result["4"].state) == (S.UNKNOWN, S.RUNNING)


def test_submit_runs_sbatch_parsable_and_reads_the_id() -> None:
    runner = RecordingRunner({"sbatch": CommandResult(0, read("sbatch_parsable_cluster.txt"), "")})
    job_id = SlurmScheduler(runner).submit(Path("/w/job.sh"), Path("/w"))
    assert job_id == "10"
    assert runner.calls == [["sbatch", "--parsable", "--chdir=/w", "/w/job.sh"]]


def test_submit_failure_names_the_reason() -> None:
    err = "sbatch: error: Batch job submission failed: Invalid partition name specified\n"
    runner = RecordingRunner({"sbatch": CommandResult(1, "", err)})
    with pytest.raises(ExternalCommandError, match="Invalid partition"):
        SlurmScheduler(runner).submit(Path("/w/job.sh"), Path("/w"))


def test_cancel_runs_scancel_and_tolerates_gone_jobs() -> None:
    def scancel(argv: Sequence[str]) -> CommandResult:
        if argv[1] == "5":
            return OK_EMPTY
        return CommandResult(
            1, "", "scancel: error: Kill job error on job id 6: Invalid job id specified"
        )

    runner = RecordingRunner({"scancel": scancel})
    scheduler = SlurmScheduler(runner)
    scheduler.cancel("5")
    scheduler.cancel("6")
    assert runner.calls == [["scancel", "5"], ["scancel", "6"]]


def test_cancel_failure_raises() -> None:
    runner = RecordingRunner(
        {"scancel": CommandResult(1, "", "scancel: error: Access/permission denied")}
    )
    with pytest.raises(ExternalCommandError, match="permission denied"):
        SlurmScheduler(runner).cancel("5")


def test_submit_refuses_unsafe_paths_before_running_anything() -> None:
    runner = RecordingRunner()
    with pytest.raises(ConfigError, match="work directory"):
        SlurmScheduler(runner).submit(Path("/w x/job.sh"), Path("/w x"))
    with pytest.raises(ConfigError, match="batch script"):
        SlurmScheduler(runner).submit(Path("job.sh"), Path("/w"))
    assert runner.calls == []


def test_no_controller_is_scheduler_unavailable_other_failures_are_not() -> None:
    down = RecordingRunner(
        {
            "squeue": CommandResult(1, "", read("squeue_no_controller.stderr")),
            "sbatch": CommandResult(1, "", read("sbatch_no_controller.stderr")),
        }
    )
    with pytest.raises(SchedulerUnavailable, match="Unable to contact slurm controller"):
        SlurmScheduler(down).status(["1"])
    with pytest.raises(SchedulerUnavailable):
        SlurmScheduler(down).submit(Path("/w/job.sh"), Path("/w"))
    err = "sbatch: error: Batch job submission failed: Invalid partition name specified\n"
    refused = RecordingRunner({"sbatch": CommandResult(1, "", err)})
    with pytest.raises(ExternalCommandError) as caught:
        SlurmScheduler(refused).submit(Path("/w/job.sh"), Path("/w"))
    assert not isinstance(caught.value, SchedulerUnavailable)
