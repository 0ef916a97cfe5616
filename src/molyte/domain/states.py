"""Job states and the one table of allowed transitions (docs/architecture.md, "The job
lifecycle")."""

from __future__ import annotations

from enum import Enum, StrEnum

from molyte.errors import Conflict


class JobType(StrEnum):
    MD = "MD"
    QC = "QC"


class JobState(StrEnum):
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    POSTPROCESSING = "POSTPROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def leased(self) -> bool:
        """A worker holds this job under a lease."""
        return self in LEASED_STATES

    @property
    def in_scheduler(self) -> bool:
        """The job has (or may have) a batch job in the cluster's scheduler."""
        return self in (JobState.QUEUED, JobState.RUNNING, JobState.POSTPROCESSING)


TERMINAL_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})
LEASED_STATES = frozenset(
    {JobState.CLAIMED, JobState.QUEUED, JobState.RUNNING, JobState.POSTPROCESSING}
)

_S = JobState
ALLOWED_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    _S.PENDING: frozenset({_S.CLAIMED, _S.FAILED, _S.CANCELLED}),
    _S.CLAIMED: frozenset({_S.QUEUED, _S.FAILED, _S.CANCELLED, _S.PENDING}),
    _S.QUEUED: frozenset({_S.RUNNING, _S.POSTPROCESSING, _S.FAILED, _S.CANCELLED, _S.PENDING}),
    _S.RUNNING: frozenset({_S.POSTPROCESSING, _S.FAILED, _S.CANCELLED, _S.PENDING}),
    _S.POSTPROCESSING: frozenset({_S.COMPLETED, _S.FAILED, _S.CANCELLED, _S.PENDING}),
    _S.COMPLETED: frozenset(),
    _S.FAILED: frozenset({_S.PENDING}),
    _S.CANCELLED: frozenset({_S.PENDING}),
}

# States a worker may report through `PUT /workers/jobs/{id}/status`; PENDING (requeue) and
# CLAIMED (a claim) are the server's own moves.
WORKER_REPORTABLE = frozenset(
    {_S.QUEUED, _S.RUNNING, _S.POSTPROCESSING, _S.COMPLETED, _S.FAILED, _S.CANCELLED}
)


def can_transition(current: JobState, new: JobState) -> bool:
    """True when the lifecycle allows `current -> new`."""
    return new in ALLOWED_TRANSITIONS[current]


def check_transition(current: JobState, new: JobState) -> None:
    """Raise `Conflict` (409) unless the lifecycle allows `current -> new`."""
    if not can_transition(current, new):
        raise Conflict(f"Illegal transition {current} -> {new}")


class Transition(Enum):
    """The named moves made outside `check_transition`'s job-by-job check: a new job's first
    state, and the claim, whose SQL statement moves many PENDING rows at once. Each is an edge
    of ALLOWED_TRANSITIONS (checked when this module loads); code that writes one takes its
    states from here, never from a literal."""

    _value_: tuple[JobState | None, JobState]

    SUBMIT = (None, JobState.PENDING)  # None: the job did not exist
    CLAIM = (JobState.PENDING, JobState.CLAIMED)

    @property
    def source(self) -> JobState | None:
        return self._value_[0]

    @property
    def target(self) -> JobState:
        return self._value_[1]


def _check_named_transitions() -> None:
    for t in Transition:
        if t.source is not None and not can_transition(t.source, t.target):
            raise AssertionError(f"{t} is not an edge of the transition table")


_check_named_transitions()
