"""The transition table of docs/architecture.md, checked edge by edge."""

from __future__ import annotations

import itertools

import pytest

from molyte.domain.states import (
    ALLOWED_TRANSITIONS,
    JobState,
    Transition,
    can_transition,
    check_transition,
)
from molyte.errors import Conflict

S = JobState
EXPECTED = {
    (S.PENDING, S.CLAIMED),
    (S.CLAIMED, S.QUEUED),
    (S.QUEUED, S.RUNNING),
    (S.RUNNING, S.POSTPROCESSING),
    (S.QUEUED, S.POSTPROCESSING),
    (S.POSTPROCESSING, S.COMPLETED),
    *[(s, S.FAILED) for s in S if not s.terminal],
    *[(s, S.CANCELLED) for s in S if not s.terminal],
    *[(s, S.PENDING) for s in (S.CLAIMED, S.QUEUED, S.RUNNING, S.POSTPROCESSING)],
    (S.FAILED, S.PENDING),
    (S.CANCELLED, S.PENDING),
}


def test_table_is_exactly_the_design() -> None:
    actual = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert actual == EXPECTED


@pytest.mark.parametrize("a,b", list(itertools.product(S, S)))
def test_check_transition_raises_409_off_the_table(a: JobState, b: JobState) -> None:
    if (a, b) in EXPECTED:
        check_transition(a, b)
        assert can_transition(a, b)
    else:
        with pytest.raises(Conflict) as err:
            check_transition(a, b)
        assert err.value.status_code == 409
        assert err.value.message == f"Illegal transition {a} -> {b}"


def test_state_properties() -> None:
    assert {s for s in S if s.terminal} == {S.COMPLETED, S.FAILED, S.CANCELLED}
    assert {s for s in S if s.leased} == {S.CLAIMED, S.QUEUED, S.RUNNING, S.POSTPROCESSING}


def test_the_named_transitions_are_edges_of_the_table() -> None:
    assert {t.name: (t.source, t.target) for t in Transition} == {
        "SUBMIT": (None, S.PENDING),
        "CLAIM": (S.PENDING, S.CLAIMED),
    }
    for t in Transition:
        assert t.source is None or (t.source, t.target) in EXPECTED
