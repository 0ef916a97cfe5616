"""The stages of a job on the worker, as its local state stores them.

A stage is the last step the worker finished for a job (and, for the server's states, the last
one the server acknowledged). The values are stored in the worker's state file
(`molyte.worker.state`), so they never change: a restarted worker resumes from them.
"""

from __future__ import annotations

from enum import StrEnum

from molyte.domain.states import JobState


class WorkerStage(StrEnum):
    # Leased by the server; nothing written yet.
    CLAIMED = "CLAIMED"
    # Inputs and batch script written; the scheduler has not accepted the batch job yet.
    PREPARED = "PREPARED"
    # Between the submit command and the record of its batch job id.
    SUBMITTING = "SUBMITTING"
    # The server's states from here on, each saved after the server acknowledged it.
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    POSTPROCESSING = "POSTPROCESSING"

    @property
    def server_state(self) -> JobState:
        """The job's state on the server while it is in this stage (the worker's own steps
        before the batch job's id is reported are all CLAIMED there)."""
        if self in (WorkerStage.PREPARED, WorkerStage.SUBMITTING):
            return JobState.CLAIMED
        return JobState(self.value)

    @property
    def in_scheduler(self) -> bool:
        """The batch job was accepted and is followed through the scheduler's status call."""
        return self in (WorkerStage.QUEUED, WorkerStage.RUNNING)
