"""The claim statements' `.sql` files: their sections, the placeholders the code fills, and
the rule that every job state they write or test comes from the lifecycle, not the file."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files

import pytest

from molyte.api.jobs.lifecycle import CLAIM, claim_writes
from molyte.api.workers import repository as workers_repo
from molyte.db import sql
from molyte.domain.states import JobState

CLAIM_FILES = ("claim_pending.postgresql", "claim_pending.sqlite")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_each_dialect_has_its_sections() -> None:
    assert list(sql.sections("claim_pending.postgresql")) == ["claimable", "claim_pending"]
    assert list(sql.sections("claim_pending.sqlite")) == ["claimable", "pick", "lease", "events"]


@pytest.mark.parametrize("file", CLAIM_FILES)
def test_no_job_state_is_written_in_the_files(file: str) -> None:
    body = (files(sql) / f"{file}.sql").read_text()
    code = "\n".join(line for line in body.splitlines() if not line.startswith("--"))
    for state in JobState:
        assert f"'{state.value}'" not in code


def test_the_postgres_claim_takes_its_states_from_the_claim_transition() -> None:
    statement = workers_repo._PG_CLAIM
    assert CLAIM.source is JobState.PENDING and CLAIM.target is JobState.CLAIMED
    assert statement.count("j.state = 'PENDING' AND") == 4  # each walk of a queue
    assert "a.state IN ('CLAIMED', 'QUEUED', 'RUNNING', 'POSTPROCESSING')" in statement
    assert "UPDATE jobs SET state = %(to_state)s," in statement
    assert "{" not in statement  # every placeholder filled
    # psycopg reads every % as a parameter: none but `%(name)s` may appear.
    assert re.sub(r"%\([a-z_]+\)s", "", statement).count("%") == 0


def test_the_sqlite_claim_takes_its_states_from_the_claim_transition() -> None:
    pick = str(workers_repo._SQLITE_PICK)
    lease = str(workers_repo._SQLITE_LEASE)
    assert "j.state = 'PENDING' AND" in pick
    assert "state IN ('CLAIMED', 'QUEUED', 'RUNNING', 'POSTPROCESSING')" in pick
    assert "SET state = :to_state," in lease and "AND state = 'PENDING'" in lease


def test_what_a_claim_writes_is_the_claim_transition_and_its_event() -> None:
    assert claim_writes(worker="w1", actor="worker:t", now=NOW) == {
        "to_state": "CLAIMED",
        "event_time": NOW,
        "event_from_state": "PENDING",
        "event_to_state": "CLAIMED",
        "event_actor": "worker:t",
        "event_message": "claimed by w1",
    }


def test_an_unknown_placeholder_is_an_error() -> None:
    with pytest.raises(KeyError, match="source"):
        sql.statement("claim_pending.sqlite", "lease", {})


@pytest.mark.parametrize("bad", ["pending", "PENDING'; DROP TABLE jobs; --", "", "A B"])
def test_only_words_are_rendered_as_literals(bad: str) -> None:
    with pytest.raises(ValueError, match="not a word"):
        sql.word(bad)
    assert sql.words(["CLAIMED", "QUEUED"]) == "'CLAIMED', 'QUEUED'"
