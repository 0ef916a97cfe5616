"""IBM Spectrum LSF: render a batch script, `bsub` it on standard input, follow it with one
`bjobs -a -o "jobid stat exit_code exit_reason" -json ID...` call per cycle.

`bsub` reads `#BSUB` lines only from a job given on standard input (IBM's `bsub` reference:
"bsub options can also be specified in the standard input if the line begins with #BSUB"); a
script named on the command line is parsed for them only where the site sets
`LSB_BSUB_PARSE_SCRIPT=Y`. So the script is fed to `bsub` on stdin, without a shell.

`bjobs` lists a finished job (DONE or EXIT, with its exit code and reason) for `CLEAN_PERIOD`
after it ends (an hour by default), so no separate accounting call is needed. An id it no
longer knows ("Job <N> is not found") is reported UNKNOWN; the worker then reads the exit-status
file the script writes. When mbatchd does not answer every call raises `SchedulerUnavailable`,
which the worker treats as transient.

Slots: `-n N` (N = tasks x CPUs per task) on one host (`-R "span[hosts=1]"`). The time limit is
`-W` in minutes. Memory is not requested, because `-M` units depend on `LSF_UNIT_FOR_LIMITS`; a
site adds its own (`extra_directives: ["-M 4GB"]`).
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
from molyte.schedulers.runner import InputCommandRunner, run_command
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

# Every job state `bjobs` reports (bjobs reference, "Job states").
LSF_STATES: dict[str, BatchState] = {
    "PEND": _S.PENDING,
    "PROV": _S.PENDING,  # dispatched, waiting for a provisioned host
    "PSUSP": _S.PENDING,  # suspended by its owner or an admin while pending
    "WAIT": _S.PENDING,  # a chunk-job member waiting to run
    "RUN": _S.RUNNING,
    "USUSP": _S.RUNNING,  # suspended while running: it resumes where it was
    "SSUSP": _S.RUNNING,  # suspended by LSF (load, run window)
    "DONE": _S.COMPLETED,
    "EXIT": _S.FAILED,  # exit_reason / exit_code say why
    # mbatchd lost contact with the job's host, or the job is being killed on such a host:
    # the job may still run; the worker asks again next cycle.
    "UNKWN": _S.RUNNING,
    "ZOMBI": _S.RUNNING,
}

# Exit reasons (the TERM_* names of `bhist`/`bjobs -l`) that are not the script's failure.
TERM_REASONS: dict[str, tuple[BatchState, FailureReason]] = {
    "TERM_RUNLIMIT": (_S.FAILED, _F.TIMEOUT),
    "TERM_DEADLINE": (_S.FAILED, _F.DEADLINE),
    "TERM_OWNER": (_S.CANCELLED, _F.CANCELLED),
    "TERM_ADMIN": (_S.CANCELLED, _F.CANCELLED),
    "TERM_FORCE_OWNER": (_S.CANCELLED, _F.CANCELLED),
    "TERM_FORCE_ADMIN": (_S.CANCELLED, _F.CANCELLED),
    "TERM_MEMLIMIT": (_S.FAILED, _F.OUT_OF_MEMORY),
    "TERM_SWAP": (_S.FAILED, _F.OUT_OF_MEMORY),
    "TERM_PREEMPT": (_S.FAILED, _F.PREEMPTED),
    "TERM_HOST_FAIL": (_S.FAILED, _F.NODE_FAIL),
    "TERM_LOAD": (_S.FAILED, _F.SCHEDULER_ERROR),
    "TERM_CPULIMIT": (_S.FAILED, _F.RESOURCES_EXCEEDED),
    "TERM_PROCESSLIMIT": (_S.FAILED, _F.RESOURCES_EXCEEDED),
    "TERM_THREADLIMIT": (_S.FAILED, _F.RESOURCES_EXCEEDED),
    "TERM_FILESIZE": (_S.FAILED, _F.RESOURCES_EXCEEDED),
}

BJOBS_FIELDS = "jobid stat exit_code exit_reason"
OUTPUT_FILE = "lsf-%J.out"  # %J: LSF puts the job id into the name

_JOB_ID_RE = re.compile(r"^[0-9]+$")
_SUBMITTED_RE = re.compile(r"Job <([0-9]+)> is submitted")
_NOT_FOUND_RE = re.compile(r"Job <([0-9]+)> is not found")
_DIRECTIVE_RE = re.compile(r"^-[A-Za-z][A-Za-z_]*( [A-Za-z0-9_=:.,/@+-]+)?$")
_RESERVED = frozenset({"-J", "-o", "-e", "-oo", "-eo", "-cwd", "-n", "-W", "-R", "-K", "-I"})
# What the clients print while mbatchd does not answer.
_NO_DAEMON = (
    "LSF is down",
    "batch system daemon not responding",
    "Cannot connect to LSF",
    "Failed in an LSF library call",
)
_ALREADY_DONE = "Job has already finished"


def command_error(what: str, output: str) -> ExternalCommandError:
    """`SchedulerUnavailable` when mbatchd did not answer, else `ExternalCommandError`."""
    return command_failure(what, output, _NO_DAEMON)


def check_job_id(scheduler_id: str) -> str:
    """An LSF job id (digits); else `InvalidInput`."""
    return check_scheduler_id(scheduler_id, _JOB_ID_RE, "an LSF")


def check_directive(directive: str) -> str:
    """An extra `#BSUB` line such as `-M 4GB` or `-x`; else `ConfigError`."""
    return check_option_directive(directive, _DIRECTIVE_RE, _RESERVED, "-option or -option value")


# --- builders ----------------------------------------------------------------------------------


def render_script(job: BatchJob) -> str:
    """The bsub script for `job`; refuses any value that is not plainly safe."""
    check_resources(job)
    if job.qos is not None:
        raise ConfigError("LSF has no QoS: remove scheduler.qos from the worker config")
    workdir = check_path(job.workdir, "work directory")
    res = job.resources
    directives = [
        f"-J {job.name}",
        f"-cwd {workdir}",
        f"-o {workdir}/{OUTPUT_FILE}",
        f"-n {res.tasks * res.cpus_per_task}",
        '-R "span[hosts=1]"',
        f"-W {res.walltime_minutes}",
    ]
    if job.partition is not None:
        directives.append(f"-q {check_slurm_name(job.partition, 'queue')}")
    if job.account is not None:
        directives.append(f"-P {check_slurm_name(job.account, 'project')}")
    directives += [check_directive(d) for d in job.extra_directives]
    lines = ["#!/bin/bash", *(f"#BSUB {d}" for d in directives), *render_body(job)]
    return "\n".join(lines) + "\n"


def bsub_argv() -> list[str]:
    """`bsub` alone: the script comes on standard input so its `#BSUB` lines are read."""
    return ["bsub"]


def bjobs_argv(ids: Sequence[str]) -> list[str]:
    """Every tracked job in any state (`-a`), as JSON: one call per cycle."""
    return ["bjobs", "-a", "-o", BJOBS_FIELDS, "-json", *(check_job_id(i) for i in ids)]


def bkill_argv(scheduler_id: str) -> list[str]:
    """`bkill` for one job."""
    return ["bkill", check_job_id(scheduler_id)]


# --- parsers -----------------------------------------------------------------------------------


def parse_bsub(stdout: str) -> str:
    """The job id from `Job <123> is submitted to queue <normal>.`"""
    match = _SUBMITTED_RE.search(stdout)
    if match is None:
        raise ExternalCommandError(f"bsub printed no job id: {stdout.strip()[:200]!r}")
    return match.group(1)


def map_record(record: Mapping[str, Any]) -> BatchStatus:
    """One `bjobs -json` record as a status (`STAT`, then `EXIT_REASON` and `EXIT_CODE`)."""
    stat = str(record.get("STAT", "")).strip()
    state = LSF_STATES.get(stat)
    if state is None:
        log.warning("unknown LSF state %r", stat, extra={"action": "status"})
        return BatchStatus(_S.UNKNOWN, _F.UNKNOWN, None, stat)
    code_text = str(record.get("EXIT_CODE", "")).strip()
    exit_code = int(code_text) if code_text.isdigit() else None
    reason = str(record.get("EXIT_REASON", "")).strip()
    raw = f"{stat}; {reason}" if reason else stat
    if state is _S.COMPLETED:
        return BatchStatus(_S.COMPLETED, None, 0, raw)
    if state is not _S.FAILED:
        return BatchStatus(state, None, None, raw)
    term = reason.split(":", 1)[0].split(" ", 1)[0]
    if term in TERM_REASONS:
        final, failure = TERM_REASONS[term]
        return BatchStatus(final, failure, exit_code, raw)
    # EXIT with no TERM_* reason (or one not listed): the script returned non-zero.
    return BatchStatus(_S.FAILED, _F.SCRIPT_FAILED, exit_code, raw)


def parse_bjobs_json(stdout: str) -> tuple[dict[str, BatchStatus], set[str]]:
    """`bjobs -json`: statuses by job id, and the ids it reported as not found."""
    try:
        document = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise ExternalCommandError(f"bjobs -json printed no JSON: {exc}") from exc
    records = document.get("RECORDS", []) if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise ExternalCommandError("bjobs -json: 'RECORDS' is not a list")
    found: dict[str, BatchStatus] = {}
    missing: set[str] = set()
    for record in records:
        if not isinstance(record, dict):
            continue
        error = str(record.get("ERROR", ""))
        not_found = _NOT_FOUND_RE.search(error)
        if not_found:
            missing.add(not_found.group(1))
            continue
        job_id = str(record.get("JOBID", "")).strip()
        if _JOB_ID_RE.match(job_id):
            found[job_id] = map_record(record)
    return found, missing


# --- the scheduler -----------------------------------------------------------------------------


class LSFScheduler:
    """IBM Spectrum LSF through `bsub`, `bjobs -json` and `bkill`."""

    name = "lsf"

    def __init__(self, runner: InputCommandRunner = run_command) -> None:
        self._run = runner

    def render(self, job: BatchJob) -> str:
        """The bsub script for `job` (pure)."""
        return render_script(job)

    def submit(self, script: Path, workdir: Path) -> str:
        """`bsub` with the script on stdin; the new job id."""
        check_path(workdir, "work directory")
        text = Path(check_path(script, "batch script")).read_text()
        result = self._run(bsub_argv(), stdin=text)
        if result.returncode != 0:
            raise command_error("bsub", result.stderr + result.stdout)
        job_id = parse_bsub(result.stdout)
        log.info("submitted %s", script, extra={"action": "submit", "scheduler_id": job_id})
        return job_id

    def status(self, ids: Sequence[str]) -> dict[str, BatchStatus]:
        """One `bjobs -json` for every id; ids LSF no longer knows are UNKNOWN."""
        unknown = BatchStatus(BatchState.UNKNOWN)
        wanted = list(dict.fromkeys(i for i in ids if _JOB_ID_RE.match(i)))
        if not wanted:
            return {i: unknown for i in ids}
        result = self._run(bjobs_argv(wanted))
        output = result.stderr + result.stdout
        if any(marker in output for marker in _NO_DAEMON):
            raise command_error("bjobs", output)
        if not result.stdout.strip():
            # Older bjobs print "Job <N> is not found" on stderr and no JSON when none is known.
            if _NOT_FOUND_RE.search(result.stderr):
                return {i: unknown for i in ids}
            raise command_error("bjobs", output)
        found, _missing = parse_bjobs_json(result.stdout)
        return {i: found.get(i, unknown) for i in ids}

    def cancel(self, scheduler_id: str) -> None:
        """`bkill`; a job LSF no longer knows or that has finished needs no cancelling."""
        result = self._run(bkill_argv(scheduler_id))
        output = result.stderr + result.stdout
        if result.returncode == 0 or _NOT_FOUND_RE.search(output) or _ALREADY_DONE in output:
            return
        raise command_error("bkill", output)
