"""SlurmScheduler against the real single-node Slurm that scripts/slurm.sh starts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.domain.resources import Resources
from molyte.schedulers.base import BatchJob, BatchStatus
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.runner import CommandResult, run_command
from molyte.schedulers.script import read_exit_status
from molyte.schedulers.slurm import SlurmScheduler

pytestmark = [pytest.mark.slurm, pytest.mark.usefixtures("slurm")]

Poll = Callable[..., list[BatchStatus]]
SMALL = Resources(tasks=1, cpus_per_task=1, memory_mb=100, walltime_minutes=5)


def submit(
    workdir: Path, commands: list[list[str]], resources: Resources = SMALL
) -> tuple[SlurmScheduler, str]:
    scheduler = SlurmScheduler()
    job = BatchJob(job_id=1, workdir=workdir, commands=commands, resources=resources)
    script = workdir / "job.sh"
    script.write_text(scheduler.render(job))
    return scheduler, scheduler.submit(script, workdir)


@pytest.fixture(scope="module")
def timeout_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A `--time=1` job submitted when the module starts, so its ~90 s overlap other tests."""
    workdir = tmp_path_factory.mktemp("timeout")
    scheduler, job_id = submit(
        workdir, [["sleep", "600"]], Resources(memory_mb=100, walltime_minutes=1)
    )
    yield job_id, workdir
    scheduler.cancel(job_id)


@pytest.fixture(autouse=True)
def _start_timeout_job_first(timeout_job: tuple[str, Path]) -> None:
    return None


def test_job_runs_to_completion(tmp_path: Path, poll: Poll) -> None:
    scheduler, job_id = submit(tmp_path, [["echo", "hello from $SLURM"], ["sleep", "1"]])
    seen = poll(scheduler, job_id, lambda s: s.state.finished, 60)
    assert seen[0].state in (S.PENDING, S.RUNNING)
    assert seen[-1].state == S.COMPLETED
    assert seen[-1].exit_code == 0
    assert read_exit_status(tmp_path) == 0
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "hello from $SLURM\n"


def test_failing_script_is_failed_with_its_exit_code(tmp_path: Path, poll: Poll) -> None:
    scheduler, job_id = submit(tmp_path, [["bash", "-c", "echo oops >&2; exit 3"], ["touch", "no"]])
    final = poll(scheduler, job_id, lambda s: s.state.finished, 60)[-1]
    assert (final.state, final.failure_reason, final.exit_code) == (S.FAILED, F.SCRIPT_FAILED, 3)
    assert read_exit_status(tmp_path) == 3
    assert not (tmp_path / "no").exists()
    assert "oops" in (tmp_path / f"slurm-{job_id}.out").read_text()


def test_cancel_a_running_job(tmp_path: Path, poll: Poll) -> None:
    scheduler, job_id = submit(tmp_path, [["sleep", "300"]])
    poll(scheduler, job_id, lambda s: s.state == S.RUNNING, 60)
    scheduler.cancel(job_id)
    final = poll(scheduler, job_id, lambda s: s.state.finished, 30)[-1]
    assert (final.state, final.failure_reason) == (S.CANCELLED, F.CANCELLED)
    # The commands never finished. Slurm signals the job's processes one by one, so the
    # parent shell may outlive the killed subshell long enough to record its 143 (SIGTERM).
    assert read_exit_status(tmp_path) in (None, 143)
    scheduler.cancel(job_id)  # cancelling a finished job is not an error


class HideFromSqueue:
    """A runner that makes squeue forget every job, as it does MinJobAge after the end."""

    def __init__(self) -> None:
        self.programs: list[str] = []

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        self.programs.append(argv[0])
        if argv[0] == "squeue":
            return CommandResult(0, "", "")
        return run_command(argv)


def test_finished_job_found_without_squeue(tmp_path: Path, poll: Poll) -> None:
    scheduler, job_id = submit(tmp_path, [["bash", "-c", "exit 4"]])
    poll(scheduler, job_id, lambda s: s.state.finished, 60)

    via_scontrol = HideFromSqueue()
    status = SlurmScheduler(via_scontrol, use_sacct=False).status([job_id])[job_id]
    assert (status.state, status.exit_code) == (S.FAILED, 4)
    assert via_scontrol.programs == ["squeue", "scontrol"]

    # sacct when slurmdbd runs (scripts/slurm.sh starts it when MariaDB answers), else scontrol.
    auto = HideFromSqueue()
    status = SlurmScheduler(auto).status([job_id])[job_id]
    assert (status.state, status.exit_code) == (S.FAILED, 4)
    assert auto.programs in (["squeue", "sacct"], ["squeue", "sacct", "scontrol"])


def test_job_past_its_time_limit_times_out(timeout_job: tuple[str, Path], poll: Poll) -> None:
    job_id, workdir = timeout_job
    # Slurm checks limits about every 30 s: a 1-minute job ends by ~90 s after it started.
    final = poll(SlurmScheduler(), job_id, lambda s: s.state.finished, 150)[-1]
    assert (final.state, final.failure_reason) == (S.FAILED, F.TIMEOUT)
    assert read_exit_status(workdir) is None
