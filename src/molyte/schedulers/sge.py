"""Grid Engine (Son of Grid Engine, Univa/Altair GE): render a batch script, `qsub` it, follow
it with one `qstat -xml` call per cycle.

`qstat` lists a job only while it is queued or running. A tracked job it no longer lists has
ended, and `qacct -j ID` (one call per job, once, when it leaves `qstat`) tells how: its
`failed` code says whether Grid Engine killed it (37: a hard limit such as `h_rt`; 100: a
signal, as after `qdel`) and `exit_status` is the script's. A job deleted while still queued
leaves no accounting record and is reported UNKNOWN; the worker then reads the exit-status
file the script writes (none: it never ran). When qmaster does not answer every call raises
`SchedulerUnavailable`, which the worker treats as transient.

Slots are requested through a parallel environment (`-pe smp N`, N = tasks x CPUs per task);
its name is a setting because sites name theirs differently. Memory is not requested: the
memory complexes (`h_vmem`, `mem_free`, `virtual_free`) are site-specific, and `h_vmem` caps
virtual memory, which MPI programs exceed long before they use that much; a site that wants
one adds it as an extra directive (`-l h_vmem=4G`).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

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

_JOB_ID_RE = re.compile(r"^[0-9]+$")
# Extra directives: `-l h_vmem=4G`, `-P project`, `-R y`: one option and at most one value.
_DIRECTIVE_RE = re.compile(r"^-[A-Za-z][A-Za-z_]*( [A-Za-z0-9_=:.,/@+-]+)?$")
# Options the worker relies on; a configured directive may not override them.
_RESERVED = frozenset({"-N", "-o", "-e", "-j", "-wd", "-cwd", "-S", "-b", "-terse", "-pe", "-sync"})
# What every client prints when qmaster does not answer.
_NO_QMASTER = ("unable to send message to qmaster", "unable to contact qmaster", "commlib error")
_UNKNOWN_JOB = ("does not exist", "not found")

# `failed` codes of `qacct` (sge_accounting(5)) that name a failure other than the script's.
_LIMIT_EXCEEDED = 37  # qmaster enforced h_rt, h_cpu or h_vmem
_KILLED_BY_SIGNAL = 100  # "assumedly after job": the job ended on a signal, e.g. after qdel


def map_qstat_state(code: str) -> BatchStatus:
    """A `qstat` state code (`qw`, `hqw`, `r`, `t`, `Rr`, `dr`, `Eqw`, `s`...) as a status.

    Letters combine: E (error: the job will never start without an admin) wins, then running
    letters (r t R s S T), then waiting ones (q w h). A job being deleted (d) keeps its place
    until it is gone; `qacct` then says it was killed.
    """
    letters = code.strip()
    if not letters:
        return BatchStatus(_S.UNKNOWN, _F.UNKNOWN, None, code)
    if "E" in letters:
        return BatchStatus(_S.FAILED, _F.SCHEDULER_ERROR, None, letters)
    if any(c in letters for c in "rtRsST"):
        return BatchStatus(_S.RUNNING, None, None, letters)
    if any(c in letters for c in "qwhd"):
        return BatchStatus(_S.PENDING, None, None, letters)
    log.warning("unknown Grid Engine state %r", code, extra={"action": "status"})
    return BatchStatus(_S.UNKNOWN, _F.UNKNOWN, None, letters)


def command_error(what: str, output: str) -> ExternalCommandError:
    """`SchedulerUnavailable` when qmaster did not answer (the call may work later), else
    `ExternalCommandError`."""
    return command_failure(what, output, _NO_QMASTER)


def check_job_id(scheduler_id: str) -> str:
    """A Grid Engine job id as the worker stored it (digits only); else `InvalidInput`."""
    return check_scheduler_id(scheduler_id, _JOB_ID_RE, "a Grid Engine")


def check_directive(directive: str) -> str:
    """An extra `#$` line such as `-l h_vmem=4G`; else `ConfigError`."""
    return check_option_directive(directive, _DIRECTIVE_RE, _RESERVED, "-option or -option value")


# --- builders ----------------------------------------------------------------------------------


def render_script(job: BatchJob, parallel_environment: str = "smp") -> str:
    """The qsub script for `job`; refuses any value that is not plainly safe."""
    check_resources(job)
    if job.qos is not None:
        raise ConfigError("Grid Engine has no QoS: remove scheduler.qos from the worker config")
    workdir = check_path(job.workdir, "work directory")
    res = job.resources
    directives = [
        f"-N {job.name}",
        "-S /bin/bash",
        f"-wd {workdir}",
        f"-o {workdir}/sge-$JOB_ID.out",
        "-j y",
        f"-pe {check_slurm_name(parallel_environment, 'parallel environment')} "
        f"{res.tasks * res.cpus_per_task}",
        f"-l h_rt={res.walltime_minutes * 60}",
    ]
    if job.partition is not None:
        directives.append(f"-q {check_slurm_name(job.partition, 'queue')}")
    if job.account is not None:
        directives.append(f"-A {check_slurm_name(job.account, 'account')}")
    directives += [check_directive(d) for d in job.extra_directives]
    lines = ["#!/bin/bash", *(f"#$ {d}" for d in directives), *render_body(job)]
    return "\n".join(lines) + "\n"


def qsub_argv(script: Path, workdir: Path) -> list[str]:
    """`qsub -terse` (prints the job id alone), run in the work directory."""
    return [
        "qsub",
        "-terse",
        "-wd",
        check_path(workdir, "work directory"),
        check_path(script, "batch script"),
    ]


def qstat_argv() -> list[str]:
    """Every job of the calling user, queued or running, as XML: one call per cycle."""
    return ["qstat", "-xml"]


def qacct_argv(scheduler_id: str) -> list[str]:
    """The accounting record of one finished job."""
    return ["qacct", "-j", check_job_id(scheduler_id)]


def qdel_argv(scheduler_id: str) -> list[str]:
    """`qdel` for one job."""
    return ["qdel", check_job_id(scheduler_id)]


# --- parsers -----------------------------------------------------------------------------------


def parse_qsub(stdout: str) -> str:
    """The job id from `qsub -terse` (`123`, or `123.1-10:1` for an array job)."""
    first = stdout.strip().splitlines()[0] if stdout.strip() else ""
    job_id = first.split(".", 1)[0].strip()
    if not _JOB_ID_RE.match(job_id):
        raise ExternalCommandError(f"qsub printed no job id: {stdout.strip()[:200]!r}")
    return job_id


def parse_qstat_xml(stdout: str) -> dict[str, BatchStatus]:
    """`qstat -xml` (running jobs under queue_info, waiting ones under job_info) by job id."""
    try:
        # The XML comes from the site's own qstat, never from a user.
        root = ET.fromstring(stdout)  # noqa: S314
    except ET.ParseError as exc:
        raise ExternalCommandError(f"qstat -xml printed no XML: {exc}") from exc
    result: dict[str, BatchStatus] = {}
    for entry in root.iter("job_list"):
        job_id = (entry.findtext("JB_job_number") or "").strip()
        if _JOB_ID_RE.match(job_id):
            result[job_id] = map_qstat_state(entry.findtext("state") or "")
    return result


def parse_qacct(stdout: str) -> BatchStatus | None:
    """The final status in a `qacct -j ID` record; None when it has none (no `failed` line).

    When a job was run more than once under one id (rescheduled), the last record counts.
    """
    records = [r for r in stdout.split("=" * 20) if "failed" in r]
    if not records:
        return None
    fields: dict[str, str] = {}
    for line in records[-1].splitlines():
        key, _, value = line.partition(" ")
        if key:
            fields[key] = value.strip()
    failed_text = fields.get("failed", "")
    failed = int(failed_text.split()[0]) if failed_text[:1].isdigit() else -1
    exit_text = fields.get("exit_status", "").split(" ", 1)[0]
    exit_code = int(exit_text) if exit_text.isdigit() else None
    raw = f"failed {failed_text}; exit_status {fields.get('exit_status', '')}".strip()
    if failed == 0:
        if exit_code == 0:
            return BatchStatus(_S.COMPLETED, None, 0, raw)
        return BatchStatus(_S.FAILED, _F.SCRIPT_FAILED, exit_code, raw)
    if failed == _LIMIT_EXCEEDED:
        return BatchStatus(_S.FAILED, _limit_reason(fields), exit_code, raw)
    if failed == _KILLED_BY_SIGNAL:
        return BatchStatus(_S.CANCELLED, _F.CANCELLED, exit_code, raw)
    # Any other code: Grid Engine could not start or finish the job (output file not
    # writable, work directory missing, execd lost...): the script itself may be fine.
    return BatchStatus(_S.FAILED, _F.SCHEDULER_ERROR, exit_code, raw)


def _limit_reason(fields: dict[str, str]) -> FailureReason:
    """Failed 37 covers h_rt, h_cpu and h_vmem: a run that lasted its h_rt was timed out."""
    category = fields.get("category", "")
    limit = re.search(r"h_rt=([0-9]+)", category)
    wall = re.match(r"([0-9]+)", fields.get("ru_wallclock", ""))
    if limit and wall and int(wall.group(1)) < int(limit.group(1)):
        return _F.OUT_OF_MEMORY
    return _F.TIMEOUT


# --- the scheduler -----------------------------------------------------------------------------


class SGEScheduler:
    """Grid Engine through its command-line tools (`qsub`, `qstat`, `qacct`, `qdel`)."""

    name = "sge"

    def __init__(
        self, runner: CommandRunner = run_command, parallel_environment: str = "smp"
    ) -> None:
        self._run = runner
        self._pe = check_slurm_name(parallel_environment, "parallel environment")

    def render(self, job: BatchJob) -> str:
        """The qsub script for `job` (pure)."""
        return render_script(job, self._pe)

    def submit(self, script: Path, workdir: Path) -> str:
        """`qsub -terse`; the new job id."""
        result = self._run(qsub_argv(script, workdir))
        if result.returncode != 0:
            raise command_error("qsub", result.stderr + result.stdout)
        job_id = parse_qsub(result.stdout)
        log.info("submitted %s", script, extra={"action": "submit", "scheduler_id": job_id})
        return job_id

    def status(self, ids: Sequence[str]) -> dict[str, BatchStatus]:
        """One `qstat -xml` for all ids; one `qacct` for each id it no longer lists."""
        unknown = BatchStatus(BatchState.UNKNOWN)
        wanted = list(dict.fromkeys(i for i in ids if _JOB_ID_RE.match(i)))
        if not wanted:
            return {i: unknown for i in ids}
        result = self._run(qstat_argv())
        if result.returncode != 0:
            raise command_error("qstat", result.stderr + result.stdout)
        listed = parse_qstat_xml(result.stdout)
        found = {i: listed[i] for i in wanted if i in listed}
        for job_id in wanted:
            if job_id not in found:
                final = self._qacct(job_id)
                if final is not None:
                    found[job_id] = final
        return {i: found.get(i, unknown) for i in ids}

    def cancel(self, scheduler_id: str) -> None:
        """`qdel`; a job Grid Engine no longer knows needs no cancelling."""
        result = self._run(qdel_argv(scheduler_id))
        output = result.stderr + result.stdout
        if result.returncode != 0 and not any(m in output for m in _UNKNOWN_JOB):
            raise command_error("qdel", output)

    def _qacct(self, job_id: str) -> BatchStatus | None:
        result = self._run(qacct_argv(job_id))
        output = result.stderr + result.stdout
        if result.returncode != 0:
            if any(m in output for m in _UNKNOWN_JOB):
                return None
            raise command_error("qacct", output)
        return parse_qacct(result.stdout)
