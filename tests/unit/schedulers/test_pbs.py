"""PBS Professional: the script renderer and the parsers of qsub and `qstat -f -F json -x`, on
output captured from real PBS 19.0.0 servers and on files built from the documentation
(tests/data/pbs/README.md says which is which)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.domain.resources import Resources
from molyte.errors import ConfigError, ExternalCommandError, SchedulerUnavailable
from molyte.schedulers.base import BatchJob, BatchStatus
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.pbs import (
    PBS_STATES,
    PBSScheduler,
    map_job,
    parse_qstat_json,
    parse_qsub,
    render_script,
)
from molyte.schedulers.runner import CommandResult

DATA = Path(__file__).resolve().parents[2] / "data" / "pbs"


def read(name: str) -> str:
    return (DATA / name).read_text()


def job(**kw: object) -> BatchJob:
    fields: dict[str, object] = {
        "job_id": 7,
        "workdir": Path("/scratch/molyte/md/7"),
        "commands": [["mpirun", "-np", "4", "lmp", "-in", "in.lammps"]],
        "resources": Resources(tasks=4, cpus_per_task=2, memory_mb=4000, walltime_minutes=90),
    }
    fields.update(kw)
    return BatchJob(**fields)  # type: ignore[arg-type]


class Recorder:
    def __init__(self, *results: CommandResult) -> None:
        self.calls: list[list[str]] = []
        self.results = list(results)

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        self.calls.append(list(argv))
        return self.results.pop(0)


def test_render_header() -> None:
    script = render_script(job(partition="workq", account="chem01"))
    header = [line for line in script.splitlines() if line.startswith("#PBS")]
    assert header == [
        "#PBS -N molyte-7",
        "#PBS -S /bin/bash",
        "#PBS -o /scratch/molyte/md/7/pbs.out",
        "#PBS -j oe",
        "#PBS -l select=1:ncpus=8:mpiprocs=4",
        "#PBS -l walltime=01:30:00",
        "#PBS -q workq",
        "#PBS -A chem01",
    ]
    assert script.startswith("#!/bin/bash\n")
    assert "    mpirun -np 4 lmp -in in.lammps" in script


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"qos": "high"}, "no QoS"),
        ({"partition": "work q"}, "queue"),
        ({"extra_directives": ["-l walltime=99:00:00"]}, "set by Molyte"),
        ({"extra_directives": ["-o /tmp/x"]}, "set by Molyte"),
        ({"extra_directives": ["-l mem=4gb; rm -rf /"]}, "not of the form"),
    ],
)
def test_render_refuses_unsafe_values(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render_script(job(**kw))


def test_extra_resource_directive_is_allowed() -> None:
    assert "#PBS -l mem=4gb" in render_script(job(extra_directives=["-l mem=4gb"]))


def test_qsub_prints_the_full_id() -> None:
    assert parse_qsub(read("qsub.txt")) == "201.pbs-server.example"
    with pytest.raises(ExternalCommandError, match="no job id"):
        parse_qsub("qsub: Bad UID for job execution\n")


def test_real_held_and_running_jobs() -> None:
    held = parse_qstat_json(read("qstat_json_held.json"))
    running = parse_qstat_json(read("qstat_json_running.json"))
    assert {k: (v.state, v.raw_state) for k, v in held.items()} == {"157": (S.PENDING, "H")}
    assert {k: (v.state, v.raw_state) for k, v in running.items()} == {"12860476": (S.RUNNING, "R")}


def test_finished_jobs_by_exit_status() -> None:
    parsed = parse_qstat_json(read("qstat_json_finished.json"))
    assert {k: (v.state, v.failure_reason, v.exit_code) for k, v in parsed.items()} == {
        "201": (S.COMPLETED, None, 0),
        "202": (S.FAILED, F.SCRIPT_FAILED, 3),
        "203": (S.FAILED, F.TIMEOUT, -29),
        "204": (S.FAILED, F.TIMEOUT, 271),  # killed by signal at its walltime
        "205": (S.CANCELLED, F.CANCELLED, 271),  # killed by signal well before it: qdel
        "206": (S.CANCELLED, F.CANCELLED, None),  # deleted before it ran
        "207": (S.FAILED, F.OUT_OF_MEMORY, -27),
        "208": (S.RUNNING, None, None),
    }


def test_every_state_letter_is_mapped() -> None:
    assert sorted(PBS_STATES) == list("BEFHMQRSTUWX")
    assert map_job({"job_state": "Z"}).state == S.UNKNOWN
    assert map_job({"job_state": "F", "Exit_status": -1}).failure_reason == F.SCHEDULER_ERROR


def test_bad_json_is_an_error() -> None:
    with pytest.raises(ExternalCommandError, match="no JSON"):
        parse_qstat_json("qstat: illegal -F value\n")


def test_one_qstat_call_for_all_ids_and_unknown_ids() -> None:
    runner = Recorder(
        CommandResult(153, read("qstat_json_finished.json"), read("qstat_unknown.txt"))
    )
    ids = ["201.pbs-server.example", "203.pbs-server.example", "999.pbs-server.example"]
    result = PBSScheduler(runner).status(ids)
    assert runner.calls == [["qstat", "-f", "-F", "json", "-x", *ids]]
    assert {k: v.state for k, v in result.items()} == {
        ids[0]: S.COMPLETED,
        ids[1]: S.FAILED,
        ids[2]: S.UNKNOWN,
    }


def test_all_ids_unknown() -> None:
    runner = Recorder(CommandResult(153, "", read("qstat_unknown.txt")))
    assert PBSScheduler(runner).status(["999.pbs-server.example"]) == {
        "999.pbs-server.example": BatchStatus(S.UNKNOWN)
    }
    assert len(runner.calls) == 1


def test_server_down_is_transient() -> None:
    runner = Recorder(CommandResult(1, "", read("qstat_server_down.txt")))
    with pytest.raises(SchedulerUnavailable):
        PBSScheduler(runner).status(["201.pbs-server.example"])


def test_submit_and_cancel() -> None:
    runner = Recorder(
        CommandResult(0, read("qsub.txt"), ""),
        CommandResult(0, "", ""),
        CommandResult(35, "", read("qdel_unknown.txt")),
        CommandResult(1, "", read("qstat_server_down.txt")),
    )
    scheduler = PBSScheduler(runner)
    script = Path("/scratch/molyte/md/7/job.pbs")
    assert scheduler.submit(script, script.parent) == "201.pbs-server.example"
    scheduler.cancel("201.pbs-server.example")
    scheduler.cancel("999.pbs-server.example")  # unknown: nothing to cancel
    with pytest.raises(SchedulerUnavailable):
        scheduler.cancel("201.pbs-server.example")
    assert runner.calls[:2] == [
        ["qsub", "/scratch/molyte/md/7/job.pbs"],
        ["qdel", "201.pbs-server.example"],
    ]
