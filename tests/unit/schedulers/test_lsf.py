"""LSF: the script renderer and the parsers of bsub and `bjobs -json`, on output captured from
real LSF clusters and on files built from the documentation (tests/data/lsf/README.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.domain.resources import Resources
from molyte.errors import ConfigError, ExternalCommandError, SchedulerUnavailable
from molyte.schedulers.base import BatchJob, BatchStatus
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.lsf import (
    LSF_STATES,
    LSFScheduler,
    map_record,
    parse_bjobs_json,
    parse_bsub,
    render_script,
)
from molyte.schedulers.runner import CommandResult

DATA = Path(__file__).resolve().parents[2] / "data" / "lsf"


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
        self.calls: list[tuple[list[str], str | None]] = []
        self.results = list(results)

    def __call__(self, argv: Sequence[str], stdin: str | None = None) -> CommandResult:
        self.calls.append((list(argv), stdin))
        return self.results.pop(0)


def test_render_header() -> None:
    script = render_script(job(partition="normal", account="chem01"))
    header = [line for line in script.splitlines() if line.startswith("#BSUB")]
    assert header == [
        "#BSUB -J molyte-7",
        "#BSUB -cwd /scratch/molyte/md/7",
        "#BSUB -o /scratch/molyte/md/7/lsf-%J.out",
        "#BSUB -n 8",
        '#BSUB -R "span[hosts=1]"',
        "#BSUB -W 90",
        "#BSUB -q normal",
        "#BSUB -P chem01",
    ]
    assert "    mpirun -np 4 lmp -in in.lammps" in script


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"qos": "high"}, "no QoS"),
        ({"account": "a b"}, "project"),
        ({"extra_directives": ["-W 9999"]}, "set by Molyte"),
        ({"extra_directives": ["-M 4GB; id"]}, "not of the form"),
    ],
)
def test_render_refuses_unsafe_values(kw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render_script(job(**kw))


def test_bsub_id() -> None:
    assert parse_bsub(read("bsub.txt")) == "22005"
    with pytest.raises(ExternalCommandError, match="no job id"):
        parse_bsub("Request aborted by esub. Job not submitted.\n")


def test_real_records() -> None:
    done, _ = parse_bjobs_json(read("bjobs_json_done.json"))
    assert {k: (v.state, v.exit_code) for k, v in done.items()} == {"22005": (S.COMPLETED, 0)}
    # This capture asked for no JOBID field: the record is read but cannot be matched.
    held, _ = parse_bjobs_json(read("bjobs_json_psusp.json"))
    assert held == {}
    record = json.loads(read("bjobs_json_psusp.json"))["RECORDS"][0]
    assert map_record(record).state == S.PENDING


def test_finished_jobs_by_reason() -> None:
    found, missing = parse_bjobs_json(read("bjobs_json_finished.json"))
    assert {k: (v.state, v.failure_reason, v.exit_code) for k, v in found.items()} == {
        "301": (S.COMPLETED, None, 0),
        "302": (S.FAILED, F.SCRIPT_FAILED, 3),
        "303": (S.FAILED, F.TIMEOUT, 140),
        "304": (S.CANCELLED, F.CANCELLED, 130),
        "305": (S.FAILED, F.OUT_OF_MEMORY, 137),
        "306": (S.RUNNING, None, None),
    }
    assert missing == {"999"}


def test_every_state_is_mapped() -> None:
    for stat in [
        "PEND",
        "PSUSP",
        "RUN",
        "USUSP",
        "SSUSP",
        "DONE",
        "EXIT",
        "UNKWN",
        "WAIT",
        "ZOMBI",
        "PROV",
    ]:
        assert stat in LSF_STATES
        assert map_record({"STAT": stat}).state != S.UNKNOWN
    assert map_record({"STAT": "NEW"}).state == S.UNKNOWN
    assert map_record({"STAT": "EXIT", "EXIT_REASON": "TERM_ADMIN: job killed by root"}) == (
        BatchStatus(S.CANCELLED, F.CANCELLED, None, "EXIT; TERM_ADMIN: job killed by root")
    )


def test_one_bjobs_call_for_all_ids() -> None:
    runner = Recorder(CommandResult(0, read("bjobs_json_finished.json"), ""))
    result = LSFScheduler(runner).status(["301", "303", "999", "not-an-id"])
    assert runner.calls == [
        (
            ["bjobs", "-a", "-o", "jobid stat exit_code exit_reason", "-json", "301", "303", "999"],
            None,
        )
    ]
    assert {k: v.state for k, v in result.items()} == {
        "301": S.COMPLETED,
        "303": S.FAILED,
        "999": S.UNKNOWN,
        "not-an-id": S.UNKNOWN,
    }


def test_not_found_on_stderr_and_daemon_down() -> None:
    runner = Recorder(
        CommandResult(255, "", read("bjobs_not_found.txt")),
        CommandResult(255, "", read("bjobs_daemon_down.txt")),
    )
    scheduler = LSFScheduler(runner)
    assert scheduler.status(["999"]) == {"999": BatchStatus(S.UNKNOWN)}
    with pytest.raises(SchedulerUnavailable):
        scheduler.status(["999"])


def test_submit_feeds_the_script_on_stdin_and_cancel(tmp_path: Path) -> None:
    script = tmp_path / "job.lsf"
    script.write_text("#!/bin/bash\n#BSUB -J molyte-7\ntrue\n")
    runner = Recorder(
        CommandResult(0, read("bsub.txt"), ""),
        CommandResult(0, "Job <22005> is being terminated\n", ""),
        CommandResult(255, "", "Job <999>: Job has already finished\n"),
        CommandResult(255, "", read("bjobs_daemon_down.txt")),
    )
    scheduler = LSFScheduler(runner)
    assert scheduler.submit(script, tmp_path) == "22005"
    assert runner.calls[0] == (["bsub"], script.read_text())
    scheduler.cancel("22005")
    scheduler.cancel("999")
    with pytest.raises(SchedulerUnavailable):
        scheduler.cancel("22005")
    assert runner.calls[1] == (["bkill", "22005"], None)
