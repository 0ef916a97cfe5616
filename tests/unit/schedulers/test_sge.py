"""Grid Engine: the script renderer and the parsers of qsub, qstat -xml and qacct, on output
captured from a real Son of Grid Engine 8.1.9 (tests/data/sge/README.md says which job did what).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.domain.resources import Resources
from molyte.errors import ConfigError, ExternalCommandError, SchedulerUnavailable
from molyte.schedulers.base import BatchJob
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.runner import CommandResult
from molyte.schedulers.sge import (
    SGEScheduler,
    map_qstat_state,
    parse_qacct,
    parse_qstat_xml,
    parse_qsub,
    render_script,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "sge"


def read(name: str) -> str:
    return (DATA / name).read_text()


def job(tmp: Path = Path("/scratch/molyte/md/7"), **kw: object) -> BatchJob:
    fields: dict[str, object] = {
        "job_id": 7,
        "workdir": tmp,
        "commands": [["mpirun", "-np", "4", "lmp", "-in", "in.lammps"]],
        "resources": Resources(tasks=4, cpus_per_task=2, memory_mb=4000, walltime_minutes=90),
    }
    fields.update(kw)
    return BatchJob(**fields)  # type: ignore[arg-type]


def test_qsub_terse_id() -> None:
    assert parse_qsub(read("qsub_terse.txt")) == "2"
    assert parse_qsub("17.1-10:1\n") == "17"  # an array job


@pytest.mark.parametrize("text", ["", "Unable to run job: got send error\n", "x\n"])
def test_qsub_without_an_id_is_an_error(text: str) -> None:
    with pytest.raises(ExternalCommandError, match="no job id"):
        parse_qsub(text)


def test_qstat_running_transferring_and_waiting() -> None:
    parsed = parse_qstat_xml(read("qstat_xml_running.xml"))
    assert {k: (v.state, v.raw_state) for k, v in parsed.items()} == {
        "4": (S.RUNNING, "r"),
        "5": (S.RUNNING, "t"),
        "6": (S.PENDING, "qw"),
    }


def test_qstat_deleting_job_keeps_its_place_until_gone() -> None:
    parsed = parse_qstat_xml(read("qstat_xml_deleting.xml"))
    assert (parsed["5"].state, parsed["5"].raw_state) == (S.RUNNING, "dr")
    assert parsed["4"].state == S.RUNNING


def test_qstat_error_state_is_a_scheduler_failure() -> None:
    parsed = parse_qstat_xml(read("qstat_xml_error.xml"))
    assert (parsed["7"].state, parsed["7"].failure_reason) == (S.FAILED, F.SCHEDULER_ERROR)


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("qw", S.PENDING),
        ("hqw", S.PENDING),
        ("hRwq", S.RUNNING),  # a rescheduled job's record keeps R
        ("Rr", S.RUNNING),
        ("s", S.RUNNING),
        ("dr", S.RUNNING),
        ("dqw", S.PENDING),
        ("Eqw", S.FAILED),
        ("", S.UNKNOWN),
        ("z", S.UNKNOWN),
    ],
)
def test_every_state_letter(code: str, state: S) -> None:
    assert map_qstat_state(code).state == state


def test_qstat_that_is_not_xml_is_an_error() -> None:
    with pytest.raises(ExternalCommandError, match="no XML"):
        parse_qstat_xml(read("qstat_qmaster_down.txt"))


@pytest.mark.parametrize(
    ("name", "state", "reason", "exit_code"),
    [
        ("qacct_exit0.txt", S.COMPLETED, None, 0),
        ("qacct_exit3.txt", S.FAILED, F.SCRIPT_FAILED, 3),
        ("qacct_h_rt.txt", S.FAILED, F.TIMEOUT, 137),
        ("qacct_qdel_running.txt", S.CANCELLED, F.CANCELLED, 137),
    ],
)
def test_qacct_final_states(name: str, state: S, reason: F | None, exit_code: int) -> None:
    status = parse_qacct(read(name))
    assert status is not None
    assert (status.state, status.failure_reason, status.exit_code) == (state, reason, exit_code)


def test_qacct_limit_hit_before_h_rt_is_memory() -> None:
    text = read("qacct_h_rt.txt").replace("-l h_rt=5", "-l h_rt=600")
    status = parse_qacct(text)
    assert status is not None and status.failure_reason == F.OUT_OF_MEMORY


def test_qacct_other_failed_codes_are_scheduler_errors() -> None:
    text = read("qacct_exit0.txt").replace(
        "failed       0    ", "failed       26  : opening input/output file"
    )
    status = parse_qacct(text)
    assert status is not None
    assert (status.state, status.failure_reason) == (S.FAILED, F.SCHEDULER_ERROR)


def test_qacct_without_a_record() -> None:
    assert parse_qacct(read("qacct_qdel_pending.txt")) is None


def test_render_requests_slots_time_and_output(tmp_path: Path) -> None:
    text = render_script(job(tmp_path, partition="short.q", account="chem"), "mpi")
    directives = [line for line in text.splitlines() if line.startswith("#$ ")]
    assert directives == [
        "#$ -N molyte-7",
        "#$ -S /bin/bash",
        f"#$ -wd {tmp_path}",
        f"#$ -o {tmp_path}/sge-$JOB_ID.out",
        "#$ -j y",
        "#$ -pe mpi 8",
        "#$ -l h_rt=5400",
        "#$ -q short.q",
        "#$ -A chem",
    ]
    assert "    mpirun -np 4 lmp -in in.lammps" in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("qos", "high", "no QoS"),
        ("partition", "a;rm", "queue"),
        ("extra_directives", ["-l h_vmem=4G\n#$ -N x"], "not of the form"),
        ("extra_directives", ["-o /tmp/elsewhere"], "set by Molyte"),
    ],
)
def test_render_refuses_unsafe_values(field: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        render_script(job(**{field: value}))


def test_render_takes_a_site_memory_directive() -> None:
    text = render_script(job(extra_directives=["-l h_vmem=4G"]))
    assert "#$ -l h_vmem=4G" in text.splitlines()


class Recorder:
    """A command runner that answers from captured output and records every call."""

    def __init__(self, answers: dict[str, CommandResult]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        self.calls.append(list(argv))
        key = " ".join(argv[:3]) if argv[0] == "qacct" else argv[0]
        return self.answers.get(key, CommandResult(1, "", f"error: job id {argv[-1]} not found\n"))


def test_status_is_one_qstat_plus_one_qacct_per_job_that_left_it() -> None:
    runner = Recorder(
        {
            "qstat": CommandResult(0, read("qstat_xml_running.xml"), ""),
            "qacct -j 2": CommandResult(0, read("qacct_exit0.txt"), ""),
        }
    )
    statuses = SGEScheduler(runner).status(["4", "6", "2", "99", "not-an-id"])
    assert {k: v.state for k, v in statuses.items()} == {
        "4": S.RUNNING,
        "6": S.PENDING,
        "2": S.COMPLETED,
        "99": S.UNKNOWN,
        "not-an-id": S.UNKNOWN,
    }
    assert runner.calls == [["qstat", "-xml"], ["qacct", "-j", "2"], ["qacct", "-j", "99"]]


def test_qmaster_down_is_transient() -> None:
    runner = Recorder({"qstat": CommandResult(1, "", read("qstat_qmaster_down.txt"))})
    with pytest.raises(SchedulerUnavailable):
        SGEScheduler(runner).status(["4"])
    runner = Recorder({"qdel": CommandResult(1, read("qdel_qmaster_down.txt"), "")})
    with pytest.raises(SchedulerUnavailable):
        SGEScheduler(runner).cancel("4")


def test_cancelling_an_unknown_job_is_not_an_error() -> None:
    runner = Recorder({"qdel": CommandResult(1, "", read("qdel_unknown.txt"))})
    SGEScheduler(runner).cancel("999")
    assert runner.calls == [["qdel", "999"]]
