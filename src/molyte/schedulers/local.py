"""A scheduler for one machine: batch scripts run as local processes (`molyte up`, no Slurm).

Each job has a folder `<state_dir>/local-<n>/` holding everything about it, so a new
`LocalScheduler` (after the worker restarted) reports on jobs an earlier one started:

- `job.json`     script, work dir and time limit, written by `submit`
- `started`      created exclusively by whoever starts the job; holds the wrapper's pid
- `exit_code`    written by the wrapper when the script has ended
- `timed_out`    the wrapper killed the script at its time limit
- `cancelled`    `cancel` was asked for
- `launch_error` the wrapper could not be started (e.g. the work dir vanished)

A job runs under a small wrapper process (`python -m molyte.schedulers.local JOBDIR`) in its own
session, so it outlives the worker; the wrapper enforces the time limit by killing the script's
process group and records the exit code. Jobs beyond `max_running` wait (PENDING) and are
started by the next `submit` or `status` call.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import molyte
from molyte.domain.failures import FailureReason
from molyte.errors import ConfigError, InvalidInput
from molyte.schedulers.base import BatchJob, BatchState, BatchStatus
from molyte.schedulers.script import check_path, check_resources, render_body

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"^local-([0-9]+)$")
_WALLTIME_RE = re.compile(r"^# molyte-local walltime_seconds=([0-9]+)$", re.MULTILINE)
# The wrapper sends SIGTERM to the script's process group, then SIGKILL after this grace.
KILL_GRACE_SECONDS = 5.0
# A `started` file still without a pid after this long means its starter died mid-start.
START_GRACE_SECONDS = 30.0
_POLL_SECONDS = 0.2


def render_local_script(job: BatchJob) -> str:
    """The batch script for the local scheduler: the common body under a time-limit header."""
    check_resources(job)
    seconds = job.resources.walltime_minutes * 60
    lines = [
        "#!/bin/bash",
        f"# {job.name}",
        f"# molyte-local walltime_seconds={seconds}",
        *render_body(job),
    ]
    return "\n".join(lines) + "\n"


def parse_walltime(script_text: str) -> int | None:
    """The time limit in seconds from a script's `# molyte-local` header, if it has one."""
    match = _WALLTIME_RE.search(script_text)
    return int(match.group(1)) if match else None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _process_start_ticks(pid: int) -> int | None:
    """The start time of a live (not zombie) process in clock ticks, from /proc; else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after it are fixed.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


class LocalScheduler:
    """Runs batch scripts as local processes, at most `max_running` at a time."""

    name = "local"

    def __init__(self, state_dir: Path, max_running: int = 1, python: str = sys.executable) -> None:
        """Keep job records under `state_dir`; run wrappers with the `python` interpreter."""
        if max_running < 1:
            raise ConfigError(f"max_running must be at least 1, not {max_running}")
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.max_running = max_running
        self._python = python
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    def render(self, job: BatchJob) -> str:
        """The batch script for `job` (pure)."""
        return render_local_script(job)

    def submit(self, script: Path, workdir: Path) -> str:
        """Queue the script; it starts now if fewer than `max_running` jobs run."""
        check_path(workdir, "work directory")
        if not script.is_file():
            raise InvalidInput(f"batch script {script} does not exist")
        if not workdir.is_dir():
            raise InvalidInput(f"work directory {workdir} does not exist")
        record = {
            "script": str(script.resolve()),
            "workdir": str(workdir.resolve()),
            "walltime_seconds": parse_walltime(script.read_text()),
            "submitted": time.time(),
        }
        job_id, jobdir = self._new_job_dir()
        _write_atomic(jobdir / "job.json", json.dumps(record))
        log.info("queued %s", script, extra={"action": "submit", "scheduler_id": job_id})
        self._start_queued()
        return job_id

    def status(self, ids: Sequence[str]) -> dict[str, BatchStatus]:
        """The state of every id (starting queued jobs a slot has freed for first).

        An id that is not a local job id is reported UNKNOWN.
        """
        self._reap()
        self._start_queued()
        return {
            job_id: self._status_of(job_id)
            if _ID_RE.match(job_id)
            else BatchStatus(BatchState.UNKNOWN)
            for job_id in ids
        }

    def cancel(self, scheduler_id: str) -> None:
        """Stop a job: a queued one never starts, a running one's process group is killed."""
        jobdir = self._jobdir(self._check_id(scheduler_id))
        if not jobdir.is_dir() or (jobdir / "exit_code").exists():
            return
        (jobdir / "cancelled").touch()
        if self._claim_start(jobdir):
            return  # it had not started; now it never will
        wrapper = self._wrapper_pid(jobdir)
        if wrapper is not None:
            # The wrapper kills the script's group, escalates to SIGKILL and records the exit.
            os.kill(wrapper, signal.SIGTERM)
        else:
            self._kill_script_group(jobdir)

    # --- job folders ---------------------------------------------------------------------------

    def _check_id(self, scheduler_id: str) -> str:
        if not _ID_RE.match(scheduler_id):
            raise InvalidInput(f"{scheduler_id!r} is not a local scheduler job id")
        return scheduler_id

    def _jobdir(self, job_id: str) -> Path:
        return self.state_dir / job_id

    def _job_numbers(self) -> list[int]:
        numbers = []
        for entry in self.state_dir.iterdir():
            match = _ID_RE.match(entry.name)
            if match and entry.is_dir():
                numbers.append(int(match.group(1)))
        return sorted(numbers)

    def _new_job_dir(self) -> tuple[str, Path]:
        while True:
            numbers = self._job_numbers()
            job_id = f"local-{(numbers[-1] if numbers else 0) + 1}"
            try:
                (self.state_dir / job_id).mkdir()
            except FileExistsError:
                continue  # another scheduler instance took this number
            return job_id, self.state_dir / job_id

    def _record(self, jobdir: Path) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads((jobdir / "job.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None  # still being written by `submit`
        return data

    # --- starting jobs -------------------------------------------------------------------------

    def _claim_start(self, jobdir: Path) -> bool:
        """Create `started` exclusively: True for the one caller that may start the job."""
        try:
            fd = os.open(jobdir / "started", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def _running_count(self) -> int:
        count = 0
        for number in self._job_numbers():
            jobdir = self._jobdir(f"local-{number}")
            if (jobdir / "started").exists() and not (jobdir / "exit_code").exists():
                count += self._status_of(f"local-{number}").state == BatchState.RUNNING
        return count

    def _start_queued(self) -> None:
        free = self.max_running - self._running_count()
        for number in self._job_numbers():
            if free <= 0:
                return
            job_id = f"local-{number}"
            jobdir = self._jobdir(job_id)
            if (jobdir / "started").exists():
                continue
            record = self._record(jobdir)
            if record is None or not self._claim_start(jobdir):
                continue
            self._launch(job_id, jobdir, record)
            free -= 1

    def _launch(self, job_id: str, jobdir: Path, record: dict[str, Any]) -> None:
        env = dict(os.environ)
        # The wrapper imports molyte from wherever this process did.
        package_root = str(Path(molyte.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
        with open(jobdir / "wrapper.log", "ab") as wrapper_log:
            try:
                child = subprocess.Popen(
                    [self._python, "-m", "molyte.schedulers.local", str(jobdir)],
                    cwd=record["workdir"],
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=wrapper_log,
                    start_new_session=True,
                )
            except OSError as exc:
                # E.g. the work dir was deleted while the job waited: fail it, not the caller.
                _write_atomic(jobdir / "launch_error", f"{exc}\n")
                _write_atomic(jobdir / "exit_code", "127\n")
                log.warning("could not start %s: %s", job_id, exc, extra={"action": "start"})
                return
        ticks = _process_start_ticks(child.pid)
        _write_atomic(jobdir / "wrapper", f"{child.pid} {ticks}\n")
        self._children[job_id] = child
        log.info("started %s", job_id, extra={"action": "start", "scheduler_id": job_id})

    def _reap(self) -> None:
        """Collect exited wrappers this process started, so they do not linger as zombies."""
        for job_id, child in list(self._children.items()):
            if child.poll() is not None:
                del self._children[job_id]

    # --- state ---------------------------------------------------------------------------------

    def _wrapper_pid(self, jobdir: Path) -> int | None:
        """The wrapper's pid while that very process (same start time) is alive."""
        try:
            pid_text, ticks_text = (jobdir / "wrapper").read_text().split()
        except (FileNotFoundError, ValueError):
            return None
        pid = int(pid_text)
        ticks = _process_start_ticks(pid)
        if ticks is None or str(ticks) != ticks_text:
            return None
        return pid

    def _kill_script_group(self, jobdir: Path) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.killpg(int((jobdir / "script.pgid").read_text()), signal.SIGKILL)

    def _status_of(self, job_id: str) -> BatchStatus:
        jobdir = self._jobdir(job_id)
        if not jobdir.is_dir():
            return BatchStatus(BatchState.UNKNOWN)
        exit_text = (
            (jobdir / "exit_code").read_text().strip() if (jobdir / "exit_code").exists() else ""
        )
        started = jobdir / "started"
        return local_status(
            JobFiles(
                exit_code=int(exit_text) if exit_text.isdigit() else None,
                started=started.exists(),
                cancelled=(jobdir / "cancelled").exists(),
                timed_out=(jobdir / "timed_out").exists(),
                launch_error=(jobdir / "launch_error").exists(),
                wrapper_recorded=(jobdir / "wrapper").exists(),
                wrapper_alive=self._wrapper_pid(jobdir) is not None,
                seconds_since_start=time.time() - started.stat().st_mtime
                if started.exists()
                else 0.0,
            )
        )


@dataclass(frozen=True)
class JobFiles:
    """What a job's folder says, read at one moment."""

    exit_code: int | None
    started: bool
    cancelled: bool
    timed_out: bool
    launch_error: bool
    wrapper_recorded: bool
    wrapper_alive: bool
    seconds_since_start: float


def local_status(f: JobFiles) -> BatchStatus:
    """A local job's state from its folder's files (pure)."""
    if f.exit_code is not None:
        if f.cancelled:
            return BatchStatus(
                BatchState.CANCELLED, FailureReason.CANCELLED, f.exit_code, "CANCELLED"
            )
        if f.launch_error:
            return BatchStatus(
                BatchState.FAILED, FailureReason.SUBMIT_FAILED, f.exit_code, "LAUNCH"
            )
        if f.timed_out:
            return BatchStatus(BatchState.FAILED, FailureReason.TIMEOUT, f.exit_code, "TIMEOUT")
        if f.exit_code == 0:
            return BatchStatus(BatchState.COMPLETED, None, 0, "COMPLETED")
        return BatchStatus(BatchState.FAILED, FailureReason.SCRIPT_FAILED, f.exit_code, "FAILED")
    if not f.started:
        return BatchStatus(BatchState.PENDING, raw_state="PENDING")
    if f.wrapper_alive:
        return BatchStatus(BatchState.RUNNING, raw_state="RUNNING")
    if f.cancelled:
        return BatchStatus(BatchState.CANCELLED, FailureReason.CANCELLED, None, "CANCELLED")
    if not f.wrapper_recorded and f.seconds_since_start < START_GRACE_SECONDS:
        return BatchStatus(BatchState.RUNNING, raw_state="STARTING")
    # The wrapper is gone without recording an exit code (killed, or the machine rebooted).
    return BatchStatus(BatchState.FAILED, FailureReason.SCHEDULER_ERROR, None, "LOST")


# --- the wrapper process -----------------------------------------------------------------------


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def run_wrapper(jobdir: Path) -> int:
    """Run one job's script in its own process group, enforce its time limit, record its exit."""
    record = json.loads((jobdir / "job.json").read_text())
    workdir = Path(record["workdir"])
    walltime = record["walltime_seconds"]
    stop_requested = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, on_term)
    with open(workdir / f"{jobdir.name}.out", "ab") as out:
        child = subprocess.Popen(
            ["bash", record["script"]],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _write_atomic(jobdir / "script.pgid", f"{child.pid}\n")
    deadline = None if walltime is None else time.monotonic() + walltime
    while child.poll() is None:
        # The marker covers a cancel that came before this wrapper had written its pid.
        if stop_requested or (jobdir / "cancelled").exists():
            _kill_group(child)
            break
        if deadline is not None and time.monotonic() >= deadline:
            (jobdir / "timed_out").touch()
            _kill_group(child)
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=_POLL_SECONDS)
    code = child.returncode
    # A negative return code is death by signal; record it the way a shell reports it.
    code = 128 - code if code < 0 else code
    _write_atomic(jobdir / "exit_code", f"{code}\n")
    return 0


if __name__ == "__main__":
    sys.exit(run_wrapper(Path(sys.argv[1])))
