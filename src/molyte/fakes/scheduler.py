"""Scheduler test doubles: a scriptable `FakeScheduler` and a `RecordingRunner` of commands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from molyte.domain.failures import FailureReason
from molyte.errors import MolyteError
from molyte.schedulers.base import BatchJob, BatchState, BatchStatus
from molyte.schedulers.local import render_local_script
from molyte.schedulers.runner import CommandResult


class FakeScheduler:
    """A scheduler whose jobs change state only when a test says so; it counts every call."""

    name = "fake"

    def __init__(self) -> None:
        """Start with no jobs and no calls."""
        self.jobs: dict[str, BatchStatus] = {}
        self.submitted: dict[str, tuple[Path, Path]] = {}
        self.cancelled: list[str] = []
        self.calls: Counter[str] = Counter()
        self.submit_error: MolyteError | None = None
        self.status_error: MolyteError | None = None

    def render(self, job: BatchJob) -> str:
        """The local scheduler's script for `job`, so rendering is checked as for real."""
        return render_local_script(job)

    def submit(self, script: Path, workdir: Path) -> str:
        """Record the submission; the job is PENDING (or `submit_error` is raised)."""
        self.calls["submit"] += 1
        if self.submit_error is not None:
            raise self.submit_error
        job_id = f"fake-{len(self.submitted) + 1}"
        self.submitted[job_id] = (script, workdir)
        self.jobs[job_id] = BatchStatus(BatchState.PENDING, raw_state="PENDING")
        return job_id

    def status(self, ids: Sequence[str]) -> dict[str, BatchStatus]:
        """The states tests have set; ids never submitted are UNKNOWN."""
        self.calls["status"] += 1
        if self.status_error is not None:
            raise self.status_error
        return {i: self.jobs.get(i, BatchStatus(BatchState.UNKNOWN)) for i in ids}

    def cancel(self, scheduler_id: str) -> None:
        """Mark an unfinished job CANCELLED; finished or unknown jobs are left alone."""
        self.calls["cancel"] += 1
        self.cancelled.append(scheduler_id)
        current = self.jobs.get(scheduler_id)
        if current is not None and not current.state.finished:
            self.set_state(scheduler_id, BatchState.CANCELLED, FailureReason.CANCELLED)

    def set_state(
        self,
        scheduler_id: str,
        state: BatchState,
        failure_reason: FailureReason | None = None,
        exit_code: int | None = None,
    ) -> None:
        """Make the next `status` report `state` for the job."""
        self.jobs[scheduler_id] = BatchStatus(state, failure_reason, exit_code, state.value)


Responder = CommandResult | Callable[[Sequence[str]], CommandResult]


class RecordingRunner:
    """A `CommandRunner` that answers by program name and records every argv it was given."""

    def __init__(self, responses: dict[str, Responder] | None = None) -> None:
        """`responses` maps a program (`squeue`) to a result or a function of the argv."""
        self.responses: dict[str, Responder] = dict(responses or {})
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        """Record `argv` and answer it; a program without a response fails like a missing one."""
        self.calls.append(list(argv))
        response = self.responses.get(argv[0])
        if response is None:
            return CommandResult(127, "", f"{argv[0]}: command not found")
        return response(argv) if callable(response) else response

    def count(self, program: str) -> int:
        """How many times `program` was run."""
        return sum(1 for argv in self.calls if argv[0] == program)
