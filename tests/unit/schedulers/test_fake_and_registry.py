"""FakeScheduler behaves like a scheduler the tests drive; the registry picks by short name."""

from __future__ import annotations

from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.errors import ConfigError, ExternalCommandError
from molyte.fakes.scheduler import FakeScheduler
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.base import Scheduler
from molyte.schedulers.local import LocalScheduler
from molyte.schedulers.registry import get_scheduler
from molyte.schedulers.slurm import SlurmScheduler


def test_fake_scheduler_follows_what_the_test_sets() -> None:
    fake = FakeScheduler()
    scheduler: Scheduler = fake
    first = scheduler.submit(Path("/w/1/job.sh"), Path("/w/1"))
    second = scheduler.submit(Path("/w/2/job.sh"), Path("/w/2"))
    assert (first, second) == ("fake-1", "fake-2")
    assert scheduler.status([first])[first].state == S.PENDING
    fake.set_state(first, S.RUNNING)
    fake.set_state(second, S.FAILED, F.TIMEOUT)
    result = scheduler.status([first, second, "fake-99"])
    assert result[first].state == S.RUNNING
    assert (result[second].state, result[second].failure_reason) == (S.FAILED, F.TIMEOUT)
    assert result["fake-99"].state == S.UNKNOWN
    scheduler.cancel(first)
    scheduler.cancel(second)  # finished: stays FAILED
    assert scheduler.status([first])[first].state == S.CANCELLED
    assert fake.jobs[second].state == S.FAILED
    assert fake.calls == {"submit": 2, "status": 3, "cancel": 2}
    assert fake.submitted[second] == (Path("/w/2/job.sh"), Path("/w/2"))


def test_fake_scheduler_can_fail_on_demand() -> None:
    fake = FakeScheduler()
    fake.submit_error = ExternalCommandError("sbatch failed: no partition")
    with pytest.raises(ExternalCommandError, match="no partition"):
        fake.submit(Path("/w/job.sh"), Path("/w"))
    fake.status_error = ExternalCommandError("squeue failed")
    with pytest.raises(ExternalCommandError):
        fake.status(["fake-1"])


def test_registry_builds_by_short_name(tmp_path: Path) -> None:
    assert isinstance(get_scheduler("slurm"), SlurmScheduler)
    assert get_scheduler("pbs").name == "pbs"
    assert get_scheduler("lsf").name == "lsf"
    local = get_scheduler("local", state_dir=tmp_path, max_running=2)
    assert isinstance(local, LocalScheduler)
    assert local.name == "local"


def test_registry_refuses_unknown_names_and_options(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match="unknown scheduler 'torque'; choose one of local, lsf, pbs, sge, slurm"
    ):
        get_scheduler("torque")
    with pytest.raises(ConfigError, match="bad options for the slurm scheduler"):
        get_scheduler("slurm", state_dir=tmp_path)
    with pytest.raises(ConfigError, match="max_running"):
        get_scheduler("local", state_dir=tmp_path, max_running=0)
