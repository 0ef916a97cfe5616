"""Slurm: render a batch script, `sbatch` it, follow it with one `squeue` call per cycle.

Jobs `squeue` no longer lists (it forgets them `MinJobAge` seconds after they end) are looked
up with one `sacct` call when accounting works, else in one `scontrol show job` listing.
Builders and parsers here are pure; `SlurmScheduler` only wires them to a `CommandRunner`.
When slurmctld does not answer (stopped, restarting) every call raises `SchedulerUnavailable`,
which the worker treats as transient.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from molyte.domain.failures import FailureReason
from molyte.errors import ExternalCommandError, InvalidInput
from molyte.schedulers.base import BatchJob, BatchState, BatchStatus
from molyte.schedulers.runner import CommandRunner, run_command
from molyte.schedulers.script import (
    check_directive,
    check_path,
    check_resources,
    check_slurm_name,
    command_failure,
    render_body,
)

log = logging.getLogger(__name__)

_S = BatchState
_F = FailureReason

# Every job state Slurm (22.05+) reports, as the worker needs it.
SLURM_STATES: dict[str, tuple[BatchState, FailureReason | None]] = {
    "PENDING": (_S.PENDING, None),
    "REQUEUED": (_S.PENDING, None),
    "REQUEUE_HOLD": (_S.PENDING, None),
    "REQUEUE_FED": (_S.PENDING, None),
    "RESV_DEL_HOLD": (_S.PENDING, None),
    "SPECIAL_EXIT": (_S.FAILED, _F.SCRIPT_FAILED),
    # Nodes are being booted for the job; its script has not started.
    "CONFIGURING": (_S.PENDING, None),
    "RUNNING": (_S.RUNNING, None),
    # The script has ended and Slurm is cleaning up; the final state follows shortly.
    "COMPLETING": (_S.RUNNING, None),
    "STAGE_OUT": (_S.RUNNING, None),
    "SIGNALING": (_S.RUNNING, None),
    "RESIZING": (_S.RUNNING, None),
    # A suspended or stopped job has started and will resume: it still holds its place.
    "SUSPENDED": (_S.RUNNING, None),
    "STOPPED": (_S.RUNNING, None),
    "COMPLETED": (_S.COMPLETED, None),
    "FAILED": (_S.FAILED, _F.SCRIPT_FAILED),
    "CANCELLED": (_S.CANCELLED, _F.CANCELLED),
    "TIMEOUT": (_S.FAILED, _F.TIMEOUT),
    "OUT_OF_MEMORY": (_S.FAILED, _F.OUT_OF_MEMORY),
    "NODE_FAIL": (_S.FAILED, _F.NODE_FAIL),
    "PREEMPTED": (_S.FAILED, _F.PREEMPTED),
    "BOOT_FAIL": (_S.FAILED, _F.BOOT_FAIL),
    "DEADLINE": (_S.FAILED, _F.DEADLINE),
    # A federated job that another cluster of the federation took over.
    "REVOKED": (_S.FAILED, _F.SCHEDULER_ERROR),
}

_JOB_ID_RE = re.compile(r"^[0-9]+$")
_SQUEUE_FORMAT = "JobID:|,State:|,Reason:|,exit_code:"
# What squeue/scontrol say (on stderr, exit status 1) when none of the ids is known any more.
_INVALID_ID = "Invalid job id specified"
_ACCOUNTING_DISABLED = "accounting storage is disabled"
# What every Slurm client prints when slurmctld does not answer (after MessageTimeout seconds).
_NO_CONTROLLER = "Unable to contact slurm controller"


def map_state(raw: str, exit_code: int | None = None) -> BatchStatus:
    """A Slurm state word (`CANCELLED by 0`, `TIMEOUT`...) as a `BatchStatus`."""
    word = raw.strip().split(" ", 1)[0].rstrip("+").upper()
    if word not in SLURM_STATES:
        log.warning("unknown Slurm state %r", raw, extra={"action": "status"})
        return BatchStatus(BatchState.UNKNOWN, _F.UNKNOWN, exit_code, raw)
    state, reason = SLURM_STATES[word]
    # squeue prints an exit code of 0 for jobs that have not ended; it means nothing yet.
    return BatchStatus(state, reason, exit_code if state.finished else None, raw.strip())


def command_error(what: str, stderr: str) -> ExternalCommandError:
    """The error for a failed Slurm command: `SchedulerUnavailable` when the controller did
    not answer (the call may work later), else `ExternalCommandError`."""
    return command_failure(what, stderr, (_NO_CONTROLLER,))


def check_job_id(scheduler_id: str) -> str:
    """A Slurm job id as the worker stored it (digits only); else `InvalidInput`."""
    if not _JOB_ID_RE.match(scheduler_id):
        raise InvalidInput(f"{scheduler_id!r} is not a Slurm job id")
    return scheduler_id


# --- builders ----------------------------------------------------------------------------------


def render_script(job: BatchJob) -> str:
    """The sbatch script for `job`; refuses any value that is not plainly safe."""
    check_resources(job)
    workdir = check_path(job.workdir, "work directory")
    res = job.resources
    directives = [
        f"--job-name={job.name}",
        f"--chdir={workdir}",
        f"--output={workdir}/slurm-%j.out",
        f"--ntasks={res.tasks}",
        f"--cpus-per-task={res.cpus_per_task}",
        f"--mem={res.memory_mb}M",
        f"--time={res.walltime_minutes}",
    ]
    for option, value in (
        ("partition", job.partition),
        ("account", job.account),
        ("qos", job.qos),
    ):
        if value is not None:
            directives.append(f"--{option}={check_slurm_name(value, option)}")
    directives += [check_directive(d) for d in job.extra_directives]
    lines = ["#!/bin/bash", *(f"#SBATCH {d}" for d in directives), *render_body(job)]
    return "\n".join(lines) + "\n"


def sbatch_argv(script: Path, workdir: Path) -> list[str]:
    """`sbatch --parsable` for a script, run in its work directory."""
    return [
        "sbatch",
        "--parsable",
        f"--chdir={check_path(workdir, 'work directory')}",
        check_path(script, "batch script"),
    ]


def squeue_argv(ids: Sequence[str]) -> list[str]:
    """One `squeue` call for all `ids`, finished jobs included, pipe-separated."""
    return [
        "squeue",
        "--noheader",
        f"--jobs={','.join(ids)}",
        "--states=all",
        f"--Format={_SQUEUE_FORMAT}",
    ]


def sacct_argv(ids: Sequence[str]) -> list[str]:
    """One `sacct` call for all `ids`: allocations only (-X), parsable (-P), no header."""
    return ["sacct", "-n", "-P", "-X", "-j", ",".join(ids), "--format=JobID,State,ExitCode"]


def scontrol_argv() -> list[str]:
    """Every job slurmctld still knows, one line each."""
    return ["scontrol", "--oneliner", "show", "job"]


def scancel_argv(scheduler_id: str) -> list[str]:
    """`scancel` for one job."""
    return ["scancel", check_job_id(scheduler_id)]


# --- parsers -----------------------------------------------------------------------------------


def parse_sbatch(stdout: str) -> str:
    """The job id from `sbatch --parsable` (`123` or `123;cluster`)."""
    first = stdout.strip().splitlines()[0] if stdout.strip() else ""
    job_id = first.split(";", 1)[0].strip()
    if not _JOB_ID_RE.match(job_id):
        raise ExternalCommandError(f"sbatch printed no job id: {stdout.strip()[:200]!r}")
    return job_id


def _exit_from_wait_status(raw: str) -> int | None:
    # squeue's exit_code is the raw wait(2) status: exit code << 8, or the signal number.
    if not raw.strip().isdigit():
        return None
    status = int(raw)
    signal = status & 0x7F
    return 128 + signal if signal else (status >> 8) & 0xFF


def _exit_from_pair(raw: str) -> int | None:
    # sacct and scontrol print `exit:signal`, e.g. `3:0` or `0:9`.
    code, _, signal = raw.strip().partition(":")
    if not code.isdigit():
        return None
    if signal.isdigit() and int(signal):
        return 128 + int(signal)
    return int(code)


def parse_squeue(stdout: str) -> dict[str, BatchStatus]:
    """`JobID|State|Reason|exit_code` lines as a status per job id."""
    result: dict[str, BatchStatus] = {}
    for line in stdout.splitlines():
        fields = line.strip().split("|")
        if len(fields) < 4 or not _JOB_ID_RE.match(fields[0]):
            continue
        result[fields[0]] = map_state(fields[1], _exit_from_wait_status(fields[3]))
    return result


def parse_sacct(stdout: str) -> dict[str, BatchStatus]:
    """`JobID|State|ExitCode` lines as a status per job id; a reused id keeps its last row."""
    result: dict[str, BatchStatus] = {}
    for line in stdout.splitlines():
        fields = line.strip().split("|")
        if len(fields) < 3 or not _JOB_ID_RE.match(fields[0]):
            continue
        result[fields[0]] = map_state(fields[1], _exit_from_pair(fields[2]))
    return result


_FIELD_RE = re.compile(r"(?:^|\s)(JobId|JobState|ExitCode)=(\S*)")


def parse_scontrol(stdout: str) -> dict[str, BatchStatus]:
    """`scontrol --oneliner show job` (one job a line) as a status per job id."""
    result: dict[str, BatchStatus] = {}
    for line in stdout.splitlines():
        fields: dict[str, str] = {}
        for key, value in _FIELD_RE.findall(line):
            fields.setdefault(key, value)
        job_id = fields.get("JobId", "")
        if not _JOB_ID_RE.match(job_id) or "JobState" not in fields:
            continue
        result[job_id] = map_state(fields["JobState"], _exit_from_pair(fields.get("ExitCode", "")))
    return result


# --- the scheduler -----------------------------------------------------------------------------


class SlurmScheduler:
    """Slurm through its command-line tools (`sbatch`, `squeue`, `sacct`, `scontrol`, `scancel`)."""

    name = "slurm"

    def __init__(self, runner: CommandRunner = run_command, use_sacct: bool | None = None) -> None:
        """`use_sacct=None` tries sacct once and stops when Slurm has no accounting storage."""
        self._run = runner
        self._use_sacct = use_sacct

    def render(self, job: BatchJob) -> str:
        """The sbatch script for `job` (pure)."""
        return render_script(job)

    def submit(self, script: Path, workdir: Path) -> str:
        """`sbatch --parsable`; the new job id."""
        result = self._run(sbatch_argv(script, workdir))
        if result.returncode != 0:
            raise command_error("sbatch", result.stderr)
        job_id = parse_sbatch(result.stdout)
        log.info("submitted %s", script, extra={"action": "submit", "scheduler_id": job_id})
        return job_id

    def status(self, ids: Sequence[str]) -> dict[str, BatchStatus]:
        """One squeue call for all ids; one sacct or scontrol call for those it forgot.

        An id that is not a Slurm id (digits) is never sent to Slurm and is reported UNKNOWN.
        """
        unknown = BatchStatus(BatchState.UNKNOWN)
        wanted = list(dict.fromkeys(i for i in ids if _JOB_ID_RE.match(i)))
        if not wanted:
            return {i: unknown for i in ids}
        found = self._squeue(wanted)
        missing = [i for i in wanted if i not in found]
        from_sacct = None
        if missing and self._use_sacct is not False:
            from_sacct = self._sacct(missing)
        if from_sacct is not None:
            found.update(from_sacct)
        elif missing:
            known = self._scontrol()
            found.update({i: known[i] for i in missing if i in known})
        return {i: found.get(i, unknown) for i in ids}

    def cancel(self, scheduler_id: str) -> None:
        """`scancel`; a job Slurm no longer knows needs no cancelling."""
        result = self._run(scancel_argv(scheduler_id))
        if result.returncode != 0 and _INVALID_ID not in result.stderr:
            raise command_error("scancel", result.stderr)

    def _squeue(self, ids: list[str]) -> dict[str, BatchStatus]:
        result = self._run(squeue_argv(ids))
        if result.returncode != 0:
            if _INVALID_ID in result.stderr:
                return {}
            raise command_error("squeue", result.stderr)
        return parse_squeue(result.stdout)

    def _sacct(self, ids: list[str]) -> dict[str, BatchStatus] | None:
        """Statuses from sacct, or None when sacct did not answer."""
        result = self._run(sacct_argv(ids))
        if result.returncode == 0:
            if self._use_sacct is None:
                self._use_sacct = True
            return parse_sacct(result.stdout)
        if _ACCOUNTING_DISABLED in result.stderr:
            log.info("sacct is not available; using scontrol", extra={"action": "status"})
            self._use_sacct = False
        else:
            log.warning("sacct failed: %s", result.stderr.strip()[:500], extra={"action": "status"})
        return None

    def _scontrol(self) -> dict[str, BatchStatus]:
        result = self._run(scontrol_argv())
        if result.returncode != 0:
            raise command_error("scontrol show job", result.stderr)
        return parse_scontrol(result.stdout)
