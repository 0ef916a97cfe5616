"""The worker's stage machine: every stage has its step, moves outside the table are refused,
saved stages load back after a restart, and the bodies it sends suit older servers."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from molyte.domain.states import JobType
from molyte.fakes.engine import ScriptEngine
from molyte.fakes.scheduler import FakeScheduler
from molyte.protocol import ClaimRequest, Heartbeat, HeartbeatReply, LeasedJob, WorkerStage
from molyte.worker.config import parse_config
from molyte.worker.loop import Worker
from molyte.worker.stages.context import TRANSITIONS
from molyte.worker.stages.machine import STEPS
from molyte.worker.state import LocalState, TrackedJob


def test_every_stage_has_a_step_and_its_moves() -> None:
    assert set(STEPS) == set(WorkerStage) == set(TRANSITIONS)
    targets = set().union(*TRANSITIONS.values())
    assert targets == set(WorkerStage) - {WorkerStage.CLAIMED}  # every stage is reachable


class Recording:
    """The worker client's calls, as sent (`body.dump()`)."""

    base_url = "http://server.invalid"

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def heartbeat(self, body: Heartbeat) -> HeartbeatReply:
        self.sent.append(("heartbeat", body.dump()))
        return HeartbeatReply(cancel=[], lease_seconds=30)

    def claim(self, body: ClaimRequest) -> list[LeasedJob]:
        self.sent.append(("claim", body.dump()))
        return []


def worker(tmp_path: Path, client: Any) -> Worker:
    cfg = parse_config(
        {
            "api": {"base_url": "http://server.invalid", "worker_token": "t"},
            "worker": {"name": "w"},
            "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
        }
    )
    engines = {"lammps": ScriptEngine(JobType.MD, [["true"]])}
    return Worker(cfg, client, FakeScheduler(), engines)


def test_a_move_outside_the_table_is_a_bug(tmp_path: Path) -> None:
    w = worker(tmp_path, Recording())
    job = TrackedJob(1, "MD", "lammps", "t", tmp_path / "j1", None, WorkerStage.CLAIMED)
    w.track(job)
    with pytest.raises(AssertionError, match="no move from CLAIMED to RUNNING"):
        w.move(job, WorkerStage.RUNNING)
    w.move(job, WorkerStage.PREPARED)
    assert [j.stage for j in w.state.load()] == [WorkerStage.PREPARED]


def test_without_cluster_or_partitions_the_bodies_leave_them_out(tmp_path: Path) -> None:
    client = Recording()
    worker(tmp_path, client).cycle(claim_wait=0)
    [(_, beat), (_, claim)] = client.sent
    assert "cluster" not in beat and beat["partitions"] == [] and beat["job_types"] == ["MD"]
    assert "cluster" not in claim and "partitions" not in claim
    assert claim == {
        "worker_name": "w",
        "job_types": ["MD"],
        "engines": ["lammps"],
        "limit": 4,
        "wait_seconds": 0.0,
    }


@pytest.mark.parametrize("stage", [s.value for s in WorkerStage])
def test_a_state_file_written_before_the_stage_enum_loads(tmp_path: Path, stage: str) -> None:
    """The stored strings are the ones older workers wrote: a restart resumes from them."""
    path = tmp_path / "state.sqlite"
    LocalState(path, "s", "w").close()  # the table as every version creates it
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO jobs (server, worker, job_id, job_type, engine, lease_token, workdir, "
            "scheduler_id, stage) VALUES ('s', 'w', 3, 'MD', 'lammps', 't', '/x', '9', ?)",
            (stage,),
        )
    [job] = LocalState(path, "s", "w").load()
    assert job.stage is WorkerStage(stage) and job.stage == stage
    state = LocalState(path, "s", "w")
    state.save(job)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT stage FROM jobs").fetchall() == [(stage,)]


def test_a_report_the_server_would_refuse_is_not_sent_and_the_job_waits(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A body the protocol refuses is handled as the server's 422 would be: that job's report
    is tried again next cycle, the worker goes on."""

    class Client(Recording):
        def status(self, job_id: int, update: Any) -> None:
            self.sent.append(("status", update.dump()))

    client = Client()
    w = worker(tmp_path, client)
    bad = TrackedJob(1, "MD", "lammps", "t", tmp_path / "j1", "1 2", WorkerStage.SUBMITTING)
    good = TrackedJob(2, "MD", "lammps", "t", tmp_path / "j2", "42", WorkerStage.SUBMITTING)
    w.track(bad)
    w.track(good)
    w.cycle(claim_wait=0)
    reports = [body for call, body in client.sent if call == "status"]
    assert reports == [{"lease_token": "t", "state": "QUEUED", "scheduler_job_id": "42"}]
    assert (w.tracked[1].stage, w.tracked[2].stage) == (WorkerStage.SUBMITTING, WorkerStage.QUEUED)
    assert "StatusUpdate not sent (1 errors), scheduler_job_id: String should match" in caplog.text
