"""Job events, the timeline `{time, from, to, actor, message}` of docs/architecture.md, are
built here and nowhere else.

The ORM paths (a submission, `lifecycle.move`, a worker's note without a state change) add the
`JobEvent` of `job_event`; the claim statements, which write their events in SQL with the jobs
they lease, bind the same values from `event_params`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from molyte.db.models import JobEvent
from molyte.domain.states import JobState


def event_values(
    *,
    time: datetime,
    from_state: JobState | None,
    to_state: JobState,
    actor: str,
    message: str | None,
) -> dict[str, Any]:
    """The columns of one event but its job: `from_state` None for a new job's first event,
    equal to `to_state` for a note that changes no state."""
    return {
        "time": time,
        "from_state": from_state.value if from_state is not None else None,
        "to_state": to_state.value,
        "actor": actor,
        "message": message,
    }


def job_event(
    job_id: int,
    *,
    time: datetime,
    from_state: JobState | None,
    to_state: JobState,
    actor: str,
    message: str | None,
) -> JobEvent:
    """The event row of job `job_id` (for the session to add)."""
    return JobEvent(
        job_id=job_id,
        **event_values(
            time=time, from_state=from_state, to_state=to_state, actor=actor, message=message
        ),
    )


def event_params(values: dict[str, Any]) -> dict[str, Any]:
    """`event_values` as the bound parameters of an SQL statement that inserts the events
    itself: `event_time`, `event_from_state`, `event_to_state`, `event_actor`,
    `event_message`."""
    return {f"event_{k}": v for k, v in values.items()}
