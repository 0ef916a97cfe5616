"""The worker's in-flight jobs, kept in a small SQLite file so a restart re-attaches to them.

Keyed by the server URL and the worker name, so one work dir can serve several configs. A job's
stage is stored as its `WorkerStage` value (`molyte.protocol.stages`): the strings never change,
so state files written by earlier versions load as they are.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from molyte.protocol import WorkerStage

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    server TEXT NOT NULL,
    worker TEXT NOT NULL,
    job_id INTEGER NOT NULL,
    job_type TEXT NOT NULL,
    engine TEXT NOT NULL,
    lease_token TEXT NOT NULL,
    workdir TEXT NOT NULL,
    scheduler_id TEXT,
    stage TEXT NOT NULL,
    failure_reason TEXT,
    partition TEXT,
    result_prefix TEXT,
    PRIMARY KEY (server, worker, job_id)
)
"""


@dataclass
class TrackedJob:
    job_id: int
    job_type: str
    engine: str
    lease_token: str
    workdir: Path
    scheduler_id: str | None
    # Last state the server acknowledged: CLAIMED, QUEUED, RUNNING, POSTPROCESSING;
    # or PREPARED (inputs and batch script written, sbatch not yet accepted: the controller did
    # not answer), or SUBMITTING between sbatch and the record of its id.
    stage: WorkerStage
    failure_reason: str | None = None
    partition: str | None = None  # the partition the job asked for (resubmissions use it too)
    result_prefix: str | None = None  # the lease's object key prefix (direct uploads use it)

    def __post_init__(self) -> None:
        self.stage = WorkerStage(self.stage)  # as read from the state file: its stored string


class LocalState:
    """A table of tracked jobs; every change is committed at once (it must survive kill -9)."""

    def __init__(self, path: Path, server: str, worker: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
        if "partition" not in columns:  # a state file from before routing
            self._db.execute("ALTER TABLE jobs ADD COLUMN partition TEXT")
        if "result_prefix" not in columns:  # a state file from before lease key prefixes
            self._db.execute("ALTER TABLE jobs ADD COLUMN result_prefix TEXT")
        self._lock = threading.Lock()
        self.server, self.worker = server, worker

    def load(self) -> list[TrackedJob]:
        with self._lock:
            rows = self._db.execute(
                "SELECT job_id, job_type, engine, lease_token, workdir, scheduler_id, stage, "
                "failure_reason, partition, result_prefix FROM jobs "
                "WHERE server = ? AND worker = ? ORDER BY job_id",
                (self.server, self.worker),
            ).fetchall()
        return [
            TrackedJob(
                r[0], r[1], r[2], r[3], Path(r[4]), r[5], WorkerStage(r[6]), r[7], r[8], r[9]
            )
            for r in rows
        ]

    def save(self, job: TrackedJob) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO jobs (server, worker, job_id, job_type, engine, "
                "lease_token, workdir, scheduler_id, stage, failure_reason, partition, "
                "result_prefix) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.server,
                    self.worker,
                    job.job_id,
                    job.job_type,
                    job.engine,
                    job.lease_token,
                    str(job.workdir),
                    job.scheduler_id,
                    job.stage.value,
                    job.failure_reason,
                    job.partition,
                    job.result_prefix,
                ),
            )

    def drop(self, job_id: int) -> None:
        with self._lock:
            self._db.execute(
                "DELETE FROM jobs WHERE server = ? AND worker = ? AND job_id = ?",
                (self.server, self.worker, job_id),
            )

    def close(self) -> None:
        self._db.close()
