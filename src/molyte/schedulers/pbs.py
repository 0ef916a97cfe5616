"""PBS Professional / OpenPBS: render a batch script, `qsub` it, follow it with one
`qstat -f -F json -x ID...` call per cycle.

`-x` makes `qstat` list finished jobs too (state F, with `Exit_status`) for as long as the
server keeps job history (`job_history_enable`), so no separate accounting call is needed. A
tracked id the server no longer knows ("Unknown Job Id") is reported UNKNOWN; the worker then
reads the exit-status file the script writes. When the server does not answer every call raises
`SchedulerUnavailable`, which the worker treats as transient.

`Exit_status` meanings (PBS Professional Administrator's Guide, "Job Exit Status Codes"; the
negative JOB_EXEC_* codes as MetaCentrum's PBS Pro documentation lists them):
  - X < 0: PBS could not run or finish the job (JOB_EXEC_* codes): -29
    JOB_EXEC_KILL_WALLTIME (walltime exceeded), -27 JOB_EXEC_KILL_MEM (memory), -25
    JOB_EXEC_KILL_NCPUS_SUM (CPU use); the others are start-up failures.
  - 0 <= X < 256: the exit status of the job's shell (the script's own status).
  - X >= 256: the shell was killed by signal X - 256 (265: SIGKILL, 271: SIGTERM), as after
    `qdel` or when MoM enforced the walltime on versions that do not report -29; the walltime
    used against the limit tells the two apart.

Torque is not supported: its `qstat` has no JSON output (`-f` prints text, `-x` XML), keeps no
finished jobs without `keep_completed`, and reports `C` instead of `F`. A Torque site needs
its own parser; this module refuses nothing Torque-specific, it simply does not parse Torque.

One chunk is requested (`-l select=1:ncpus=N:mpiprocs=T`, N = tasks x CPUs per task): the
worker runs single-node jobs. Memory is not requested, like on Grid Engine: a site that wants
it adds an extra directive (`-l mem=4gb`; only `select` and `walltime` are Molyte's).
PBS does not put the job id into `-o` paths, and each job has its own work directory, so the
joined output goes to `pbs.out` there.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from molyte.domain.failures import FailureReason
from molyte.errors import ConfigError, ExternalCommandError
from molyte.schedulers.base import BatchJob, BatchState, BatchStatus
from molyte.schedulers.runner import CommandRunner, run_command
from molyte.schedulers.script import (
    check_option_directive,
    check_path,
    check_resources,
    check_scheduler_id,
    check_slurm_name,
    command_failure,
    render_body,
)

log = logging.getLogger(__name__)

_S = BatchState
_F = FailureReason

OUTPUT_FILE = "pbs.out"

# Every `job_state` letter of PBS Professional (Reference Guide, "Job States").
PBS_STATES: dict[str, BatchState] = {
    "B": _S.RUNNING,  # a job array has begun (molyte submits no arrays)
    "E": _S.RUNNING,  # exiting after having run; F follows
    "F": _S.COMPLETED,  # finished: Exit_status says how
    "H": _S.PENDING,  # held
    "M": _S.PENDING,  # moved to another server
    "Q": _S.PENDING,  # queued
    "R": _S.RUNNING,
    "S": _S.RUNNING,  # suspended by the server; it resumes where it was
    "T": _S.PENDING,  # in transit to a new location
    "U": _S.RUNNING,  # suspended because the workstation is busy
    "W": _S.PENDING,  # waiting for its start time or stage-in
    "X": _S.COMPLETED,  # a finished subjob of an array
}

# `123.server` as qsub prints it; the sequence number alone is accepted too.
_JOB_ID_RE = re.compile(r"^([0-9]+)(\.[A-Za-z0-9_.-]+)?$")
_DIRECTIVE_RE = re.compile(r"^-[A-Za-z]( [A-Za-z0-9_=:.,/@+-]+)?$")
_RESERVED = frozenset({"-N", "-o", "-e", "-j", "-S", "-l", "-W", "-J"})
_EXTRA_RESOURCE_RE = re.compile(r"^-l [A-Za-z_]+=[A-Za-z0-9_:.,/@+-]+$")
# What the clients print when pbs_server does not answer (`qstat: cannot connect to server
# HOST (errno=15010)`, after `Connection refused` when nothing listens on its port).
_NO_SERVER = ("cannot connect to server", "Connection refused", "pbs_connect", "errno=15010")
_UNKNOWN_JOB = "Unknown Job Id"
_QDEL_FINISHED = ("Job has finished", "Request invalid for state of job")

_WALLTIME_KILLED = -29  # JOB_EXEC_KILL_WALLTIME
_MEMORY_KILLED = -27  # JOB_EXEC_KILL_MEM
_SIGNAL_BASE = 256


def command_error(what: str, output: str) -> ExternalCommandError:
    """`SchedulerUnavailable` when the server did not answer, else `ExternalCommandError`."""
    return command_failure(what, output, _NO_SERVER)


def check_job_id(scheduler_id: str) -> str:
    """A PBS job id (`123.server` or `123`); else `InvalidInput`."""
    return check_scheduler_id(scheduler_id, _JOB_ID_RE, "a PBS")


def sequence_number(scheduler_id: str) -> str:
    """`123` of `123.server`: how one id is matched whatever server suffix qstat adds."""
    return scheduler_id.split(".", 1)[0]


def check_directive(directive: str) -> str:
    """An extra `#PBS` line such as `-P project` or `-l place=excl`; else `ConfigError`. A
    `-l` resource other than `select` and `walltime` (Molyte's own) may be added."""
    if (
        _DIRECTIVE_RE.match(directive)
        and _EXTRA_RESOURCE_RE.match(directive)
        and directive[3:].split("=", 1)[0] not in ("select", "walltime")
    ):
        return directive
    return check_option_directive(directive, _DIRECTIVE_RE, _RESERVED, "-x or -x value")


def walltime(minutes: int) -> str:
    """`HH:MM:SS` for `-l walltime`."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


# --- builders ----------------------------------------------------------------------------------


def render_script(job: BatchJob) -> str:
    """The qsub script for `job`; refuses any value that is not plainly safe."""
    check_resources(job)
    if job.qos is not None:
        raise ConfigError("PBS has no QoS: remove scheduler.qos from the worker config")
    workdir = check_path(job.workdir, "work directory")
    res = job.resources
    directives = [
        f"-N {job.name}",
        "-S /bin/bash",
        f"-o {workdir}/{OUTPUT_FILE}",
        "-j oe",
        f"-l select=1:ncpus={res.tasks * res.cpus_per_task}:mpiprocs={res.tasks}",
        f"-l walltime={walltime(res.walltime_minutes)}",
    ]
    if job.partition is not None:
        directives.append(f"-q {check_slurm_name(job.partition, 'queue')}")
    if job.account is not None:
        directives.append(f"-A {check_slurm_name(job.account, 'account')}")
    directives += [check_directive(d) for d in job.extra_directives]
    lines = ["#!/bin/bash", *(f"#PBS {d}" for d in directives), *render_body(job)]
    return "\n".join(lines) + "\n"


def qsub_argv(script: Path) -> list[str]:
    """`qsub SCRIPT`; the script changes to its work directory itself."""
    return ["qsub", check_path(script, "batch script")]


def qstat_argv(ids: Sequence[str]) -> list[str]:
    """Every tracked job, queued, running or finished (`-x`), as JSON: one call per cycle."""
    return ["qstat", "-f", "-F", "json", "-x", *(check_job_id(i) for i in ids)]


def qdel_argv(scheduler_id: str) -> list[str]:
    """`qdel` for one job."""
    return ["qdel", check_job_id(scheduler_id)]


# --- parsers -----------------------------------------------------------------------------------


def parse_qsub(stdout: str) -> str:
    """The job id qsub prints (`123.pbs-server`)."""
    first = stdout.strip().splitlines()[0].strip() if stdout.strip() else ""
    if not _JOB_ID_RE.match(first):
        raise ExternalCommandError(f"qsub printed no job id: {stdout.strip()[:200]!r}")
    return first


def _as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def _seconds(hms: object) -> int | None:
    if not isinstance(hms, str):
        return None
    parts = hms.strip().split(":")
    if not parts or not all(p.isdigit() for p in parts):
        return None
    total = 0
    for part in parts:
        total = total * 60 + int(part)
    return total


def _ran_out_of_time(record: Mapping[str, Any]) -> bool:
    limit = _seconds((record.get("Resource_List") or {}).get("walltime"))
    used = _seconds((record.get("resources_used") or {}).get("walltime"))
    return limit is not None and used is not None and used >= limit


def map_job(record: Mapping[str, Any]) -> BatchStatus:
    """One job of `qstat -f -F json` as a status (`job_state`, then `Exit_status`)."""
    letter = str(record.get("job_state", "")).strip()
    state = PBS_STATES.get(letter)
    if state is None:
        log.warning("unknown PBS state %r", letter, extra={"action": "status"})
        return BatchStatus(_S.UNKNOWN, _F.UNKNOWN, None, letter)
    if state is not _S.COMPLETED:
        return BatchStatus(state, None, None, letter)
    code = _as_int(record.get("Exit_status"))
    raw = f"{letter}; Exit_status {code}" if code is not None else letter
    if code is None:
        # Finished without ever running (deleted while queued): PBS records no exit status.
        return BatchStatus(_S.CANCELLED, _F.CANCELLED, None, raw)
    if code == 0:
        return BatchStatus(_S.COMPLETED, None, 0, raw)
    if code == _WALLTIME_KILLED:
        return BatchStatus(_S.FAILED, _F.TIMEOUT, code, raw)
    if code == _MEMORY_KILLED:
        return BatchStatus(_S.FAILED, _F.OUT_OF_MEMORY, code, raw)
    if code < 0:
        return BatchStatus(_S.FAILED, _F.SCHEDULER_ERROR, code, raw)
    if code >= _SIGNAL_BASE:
        if _ran_out_of_time(record):
            return BatchStatus(_S.FAILED, _F.TIMEOUT, code, raw)
        return BatchStatus(_S.CANCELLED, _F.CANCELLED, code, raw)
    return BatchStatus(_S.FAILED, _F.SCRIPT_FAILED, code, raw)


def parse_qstat_json(stdout: str) -> dict[str, BatchStatus]:
    """`qstat -f -F json` by sequence number (`123`), whatever server suffix the ids carry."""
    try:
        document = json.loads(stdout) if stdout.strip() else {}
    except json.JSONDecodeError as exc:
        raise ExternalCommandError(f"qstat -F json printed no JSON: {exc}") from exc
    jobs = document.get("Jobs", {}) if isinstance(document, dict) else {}
    if not isinstance(jobs, dict):
        raise ExternalCommandError("qstat -F json: 'Jobs' is not an object")
    return {
        sequence_number(job_id): map_job(record)
        for job_id, record in jobs.items()
        if _JOB_ID_RE.match(job_id) and isinstance(record, dict)
    }


# --- the scheduler -----------------------------------------------------------------------------


class PBSScheduler:
    """PBS Professional / OpenPBS through `qsub`, `qstat -f -F json -x` and `qdel`."""

    name = "pbs"

    def __init__(self, runner: CommandRunner = run_command) -> None:
        self._run = runner

    def render(self, job: BatchJob) -> str:
        """The qsub script for `job` (pure)."""
        return render_script(job)

    def submit(self, script: Path, workdir: Path) -> str:
        """`qsub`; the new job id (`123.server`)."""
        check_path(workdir, "work directory")
        result = self._run(qsub_argv(script))
        if result.returncode != 0:
            raise command_error("qsub", result.stderr + result.stdout)
        job_id = parse_qsub(result.stdout)
        log.info("submitted %s", script, extra={"action": "submit", "scheduler_id": job_id})
        return job_id

    def status(self, ids: Sequence[str]) -> dict[str, BatchStatus]:
        """One `qstat -f -F json -x` for every id; ids the server forgot are UNKNOWN."""
        unknown = BatchStatus(BatchState.UNKNOWN)
        wanted = list(dict.fromkeys(i for i in ids if _JOB_ID_RE.match(i)))
        if not wanted:
            return {i: unknown for i in ids}
        result = self._run(qstat_argv(wanted))
        # qstat exits non-zero when any id is unknown but still prints the others: only
        # stderr lines other than "Unknown Job Id" make the call a failure.
        other = [
            line for line in result.stderr.splitlines() if line.strip() and _UNKNOWN_JOB not in line
        ]
        if result.returncode != 0 and (other or not result.stdout.strip()):
            if not other and _UNKNOWN_JOB in result.stderr:
                return {i: unknown for i in ids}
            raise command_error("qstat", result.stderr + result.stdout)
        listed = parse_qstat_json(result.stdout)
        return {i: listed.get(sequence_number(i), unknown) for i in ids}

    def cancel(self, scheduler_id: str) -> None:
        """`qdel`; a job PBS no longer knows or that has finished needs no cancelling."""
        result = self._run(qdel_argv(scheduler_id))
        output = result.stderr + result.stdout
        if result.returncode == 0 or _UNKNOWN_JOB in output:
            return
        if any(m in output for m in _QDEL_FINISHED):
            return
        raise command_error("qdel", output)
