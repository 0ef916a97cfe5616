"""SGEScheduler against the real single-node Grid Engine that scripts/sge.sh starts: a job runs
to completion, a failing script fails with its exit code, a running job is cancelled, and a job
past its time limit (`h_rt`) is a TIMEOUT."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.domain.resources import Resources
from molyte.schedulers.base import BatchJob, BatchStatus
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.script import read_exit_status
from molyte.schedulers.sge import SGEScheduler
from support import ROOT

pytestmark = [pytest.mark.sge, pytest.mark.usefixtures("sge")]

Poll = Callable[..., list[BatchStatus]]
SGE_SH = ROOT / "scripts" / "sge.sh"
SMALL = Resources(tasks=1, cpus_per_task=1, memory_mb=100, walltime_minutes=5)


def submit(
    workdir: Path, commands: list[list[str]], resources: Resources = SMALL
) -> tuple[SGEScheduler, str]:
    scheduler = SGEScheduler()
    job = BatchJob(job_id=1, workdir=workdir, commands=commands, resources=resources)
    script = workdir / "job.sh"
    script.write_text(scheduler.render(job))
    return scheduler, scheduler.submit(script, workdir)


@pytest.fixture(scope="module")
def timeout_job(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SGEScheduler, str, Path]]:
    """A one-minute job submitted when the module starts, so its wait overlaps other tests
    (one minute is the smallest limit a spec can ask for)."""
    workdir = tmp_path_factory.mktemp("timeout")
    resources = Resources(tasks=1, cpus_per_task=1, memory_mb=100, walltime_minutes=1)
    scheduler, job_id = submit(workdir, [["sleep", "600"]], resources)
    yield scheduler, job_id, workdir
    scheduler.cancel(job_id)


@pytest.fixture(autouse=True)
def _start_timeout_job_first(timeout_job: tuple[SGEScheduler, str, Path]) -> None:
    return None


def test_job_runs_to_completion_with_its_slots(tmp_path: Path, poll: Poll) -> None:
    resources = Resources(tasks=2, cpus_per_task=1, memory_mb=100, walltime_minutes=5)
    scheduler, job_id = submit(tmp_path, [["bash", "-c", 'echo "slots $NSLOTS"']], resources)
    seen = poll(scheduler, job_id, lambda s: s.state.finished, 120)
    assert seen[-1].state == S.COMPLETED
    assert seen[-1].exit_code == 0
    assert read_exit_status(tmp_path) == 0
    assert (tmp_path / f"sge-{job_id}.out").read_text() == "slots 2\n"


def test_failing_script_is_failed_with_its_exit_code(tmp_path: Path, poll: Poll) -> None:
    scheduler, job_id = submit(tmp_path, [["bash", "-c", "echo oops >&2; exit 3"], ["touch", "no"]])
    final = poll(scheduler, job_id, lambda s: s.state.finished, 120)[-1]
    assert (final.state, final.failure_reason, final.exit_code) == (S.FAILED, F.SCRIPT_FAILED, 3)
    assert read_exit_status(tmp_path) == 3
    assert not (tmp_path / "no").exists()
    assert "oops" in (tmp_path / f"sge-{job_id}.out").read_text()


def test_cancel_a_running_job(tmp_path: Path, poll: Poll) -> None:
    scheduler, job_id = submit(tmp_path, [["sleep", "300"]])
    poll(scheduler, job_id, lambda s: s.state == S.RUNNING, 120)
    scheduler.cancel(job_id)
    final = poll(scheduler, job_id, lambda s: s.state.finished, 60)[-1]
    assert (final.state, final.failure_reason) == (S.CANCELLED, F.CANCELLED)
    assert read_exit_status(tmp_path) is None
    scheduler.cancel(job_id)  # cancelling a finished job is not an error


def test_time_limit_is_a_timeout(timeout_job: tuple[SGEScheduler, str, Path], poll: Poll) -> None:
    scheduler, job_id, workdir = timeout_job
    final = poll(scheduler, job_id, lambda s: s.state.finished, 150)[-1]
    assert (final.state, final.failure_reason) == (S.FAILED, F.TIMEOUT)
    assert read_exit_status(workdir) is None


def global_config() -> str:
    return subprocess.run(
        ["qconf", "-sconf", "global"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def reporting_params(config: str) -> str:
    """The value of `reporting_params`, its continuation lines joined."""
    lines = iter(config.splitlines())
    for line in lines:
        if line.startswith("reporting_params"):
            value = [line.split(None, 1)[1]]
            while value[-1].endswith("\\"):
                value[-1] = value[-1][:-1]
                value.append(next(lines).strip())
            return " ".join(" ".join(value).split())
    raise AssertionError("no reporting_params in the global configuration")


def test_starting_again_leaves_the_cell_configuration_as_it_was() -> None:
    """sge.sh configures the cell on every start; a second start must change nothing (an edit
    in place once doubled `accounting_flush_time` per start until qconf choked on the line)."""
    before = global_config()
    started = subprocess.run([SGE_SH, "start"], capture_output=True, text=True, timeout=600)
    assert started.returncode == 0, started.stderr
    after = global_config()
    assert after == before
    params = reporting_params(after)
    assert params.count("accounting_flush_time=") == 1
    assert "accounting_flush_time=00:00:00" in params
