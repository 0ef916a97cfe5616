"""Job events are built in one place (`api/jobs/events.py`): the ORM row and the SQL
statements' bound values carry the same fields."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from molyte.api.jobs.events import event_params, event_values, job_event
from molyte.domain.states import JobState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SRC = Path(__file__).resolve().parents[3] / "src" / "molyte"


def test_an_event_row_carries_the_states_as_their_words() -> None:
    e = job_event(
        7,
        time=NOW,
        from_state=JobState.RUNNING,
        to_state=JobState.FAILED,
        actor="worker:w1",
        message="SCF_NOT_CONVERGED",
    )
    assert (e.job_id, e.time, e.from_state, e.to_state, e.actor, e.message) == (
        7,
        NOW,
        "RUNNING",
        "FAILED",
        "worker:w1",
        "SCF_NOT_CONVERGED",
    )


def test_a_first_event_has_no_from_state() -> None:
    values = event_values(
        time=NOW, from_state=None, to_state=JobState.PENDING, actor="user:a", message="submitted"
    )
    assert values == {
        "time": NOW,
        "from_state": None,
        "to_state": "PENDING",
        "actor": "user:a",
        "message": "submitted",
    }


def test_the_sql_parameters_are_the_same_values_prefixed() -> None:
    values = event_values(
        time=NOW, from_state=JobState.PENDING, to_state=JobState.CLAIMED, actor="a", message=None
    )
    assert event_params(values) == {
        "event_time": NOW,
        "event_from_state": "PENDING",
        "event_to_state": "CLAIMED",
        "event_actor": "a",
        "event_message": None,
    }


def test_no_other_module_constructs_an_event() -> None:
    """A rule of the code: `JobEvent(` appears only in the builder (and the model)."""
    builders = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "JobEvent(" in p.read_text() and "migrations" not in p.parts
    }
    assert builders == {"api/jobs/events.py", "db/models.py"}
