"""The worker loop with fakes: one scheduler status call per cycle however many jobs it tracks."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from molyte.domain.states import JobType
from molyte.fakes.engine import ScriptEngine
from molyte.fakes.scheduler import RecordingRunner
from molyte.protocol import (
    ClaimRequest,
    FileEntry,
    Heartbeat,
    HeartbeatReply,
    LeasedJob,
    RegisterRequest,
    StatusUpdate,
)
from molyte.schedulers.runner import CommandResult
from molyte.schedulers.slurm import SlurmScheduler
from molyte.worker.client import LeaseLost
from molyte.worker.config import parse_config
from molyte.worker.loop import Worker
from molyte.worker.state import LocalState, TrackedJob

DATA = Path(__file__).resolve().parents[2] / "data" / "slurm"


class FakeClient:
    """Records the worker's calls; answers as a server with no new jobs would."""

    base_url = "http://server.invalid"

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def heartbeat(self, body: Heartbeat) -> HeartbeatReply:
        self.calls.append(("heartbeat", len(body.running)))
        return HeartbeatReply(cancel=[], lease_seconds=600)

    def claim(self, body: ClaimRequest) -> list[LeasedJob]:
        self.calls.append(("claim", body.limit))
        return []

    def status(self, job_id: int, update: StatusUpdate) -> None:
        self.calls.append(("status", (job_id, update.state)))


def test_two_hundred_tracked_jobs_one_squeue_per_cycle(tmp_path: Path) -> None:
    ids = [str(1000 + i) for i in range(200)]
    squeue_out = "".join(f"{i}|RUNNING|None|0\n" for i in ids)
    runner = RecordingRunner({"squeue": CommandResult(0, squeue_out, "")})
    cfg = parse_config(
        {
            "api": {"base_url": "http://server.invalid", "worker_token": "t"},
            "worker": {"name": "w", "max_concurrent_jobs": 200},
            "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
        }
    )
    state = LocalState(tmp_path / "state.sqlite", "http://server.invalid", "w")
    for n, sid in enumerate(ids):
        state.save(TrackedJob(n + 1, "MD", "lammps", f"tok{n}", tmp_path / f"j{n}", sid, "RUNNING"))
    client = FakeClient()
    worker = Worker(
        cfg,
        client,
        SlurmScheduler(runner=runner),  # type: ignore[arg-type]
        {"lammps": ScriptEngine(JobType.MD, [["true"]])},
        state=state,
    )
    assert len(worker.tracked) == 200
    for _ in range(3):
        worker.cycle(claim_wait=0)
    assert runner.count("squeue") == 3
    assert runner.count("sacct") == 0 and runner.count("scontrol") == 0
    assert ("heartbeat", 200) in client.calls
    assert not [c for c in client.calls if c[0] == "status"]  # nothing changed, nothing said


# A valid spec: the worker picks its engine from the spec's route (molyte.domain.engines).
PYSCF_SPEC = {"molecule": {"smiles": "O"}, "method": "HF", "basis": "6-31G*", "engine": "pyscf"}
NO_CONTROLLER_SQUEUE = CommandResult(1, "", (DATA / "squeue_no_controller.stderr").read_text())
NO_CONTROLLER_SBATCH = CommandResult(1, "", (DATA / "sbatch_no_controller.stderr").read_text())


def leased(**fields: Any) -> LeasedJob:
    """Job 7 as the claim's reply leases it; `fields` change it."""
    job = {
        "id": 7,
        "type": "QC",
        "name": "water",
        "priority": 0,
        "spec": PYSCF_SPEC,
        "engine": "pyscf",
        "attempts": 1,
        "lease_token": "tok7",
        "lease_expires_at": "2030-01-01T00:00:00+00:00",
    }
    return LeasedJob.model_validate({**job, **fields})


class OneJobClient(FakeClient):
    """A server with one QC job to hand out on the first claim."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs = [leased()]

    def claim(self, body: ClaimRequest) -> list[LeasedJob]:
        self.calls.append(("claim", body.limit))
        jobs, self.jobs = self.jobs, []
        return jobs


class RoutingClient(FakeClient):
    """Hands out one leased job that asks for partition `gpu`, then nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[tuple[str, dict[str, Any]]] = []
        self.jobs = [leased(name="on gpu", partition="gpu", cluster="hpc-b")]

    def heartbeat(self, body: Heartbeat) -> HeartbeatReply:
        self.bodies.append(("heartbeat", body.dump()))  # as sent
        return super().heartbeat(body)

    def claim(self, body: ClaimRequest) -> list[LeasedJob]:
        self.bodies.append(("claim", body.dump()))
        jobs, self.jobs = self.jobs, []
        return jobs


def _worker(tmp_path: Path, runner: RecordingRunner, client: FakeClient) -> Worker:
    cfg = parse_config(
        {
            "api": {"base_url": "http://server.invalid", "worker_token": "t"},
            "worker": {"name": "w", "max_concurrent_jobs": 4},
            "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
        }
    )
    engines = {"pyscf": ScriptEngine(JobType.QC, [["true"]], name="pyscf")}
    return Worker(cfg, client, SlurmScheduler(runner=runner), engines)  # type: ignore[arg-type]


def _reports(client: FakeClient) -> list[tuple[int, str]]:
    return [c[1] for c in client.calls if c[0] == "status"]


def test_squeue_without_controller_is_transient_and_stops_claims(tmp_path: Path) -> None:
    runner = RecordingRunner({"squeue": NO_CONTROLLER_SQUEUE})
    client = FakeClient()
    worker = _worker(tmp_path, runner, client)
    job = TrackedJob(3, "QC", "pyscf", "tok3", tmp_path / "qc" / "job-3", "41", "RUNNING")
    worker.tracked[3] = job
    worker.state.save(job)
    for _ in range(3):
        worker.cycle(claim_wait=0)  # no exception: the worker goes on
    assert runner.count("squeue") == 3
    assert _reports(client) == []  # the job is neither failed nor moved
    assert not [c for c in client.calls if c[0] == "claim"]  # no new work while Slurm is down
    assert worker.tracked[3].stage == "RUNNING"
    runner.responses["squeue"] = CommandResult(0, "41|COMPLETED|None|0\n", "")
    worker.cycle(claim_wait=0)
    assert (3, "POSTPROCESSING") in _reports(client)
    assert [c for c in client.calls if c[0] == "claim"]


def test_sbatch_without_controller_keeps_the_job_and_submits_it_later(tmp_path: Path) -> None:
    runner = RecordingRunner({"sbatch": NO_CONTROLLER_SBATCH})
    client = OneJobClient()
    worker = _worker(tmp_path, runner, client)
    worker.cycle(claim_wait=0)
    assert worker.tracked[7].stage == "PREPARED"
    worker.cycle(claim_wait=0)
    assert runner.count("sbatch") == 2
    assert _reports(client) == []  # not FAILED, not QUEUED
    assert [c for c in client.calls if c[0] == "claim"] == [("claim", 4)]  # none while down
    runner.responses["sbatch"] = CommandResult(0, "55\n", "")
    worker.cycle(claim_wait=0)
    assert _reports(client) == [(7, "QUEUED")]
    assert worker.tracked[7].scheduler_id == "55"


class CancelledBeforeQueuedClient(OneJobClient):
    """A user cancels job 7 between its claim and the worker's QUEUED report: the server
    answers that report with 409, the lease is gone."""

    def status(self, job_id: int, update: StatusUpdate) -> None:
        super().status(job_id, update)
        raise LeaseLost("stale lease token")


def test_a_job_cancelled_before_its_queued_report_is_dropped_and_the_loop_goes_on(
    tmp_path: Path,
) -> None:
    runner = RecordingRunner({"sbatch": CommandResult(0, "55\n", "")})
    client = CancelledBeforeQueuedClient()
    worker = _worker(tmp_path, runner, client)
    worker.cycle(claim_wait=0)  # claims, prepares, submits, reports QUEUED: 409
    assert _reports(client) == [(7, "QUEUED")]
    assert 7 not in worker.tracked and worker.state.load() == []
    assert runner.count("scancel") == 1  # its batch job does not run for nobody
    assert worker.stats.dropped == 1
    worker.cycle(claim_wait=0)  # and the loop goes on claiming
    assert [c for c in client.calls if c[0] == "claim"] == [("claim", 4), ("claim", 4)]


def test_sbatch_refusal_still_fails_the_job(tmp_path: Path) -> None:
    err = "sbatch: error: Batch job submission failed: Invalid partition name specified\n"
    runner = RecordingRunner({"sbatch": CommandResult(1, "", err)})
    client = OneJobClient()
    worker = _worker(tmp_path, runner, client)
    worker.cycle(claim_wait=0)
    assert _reports(client) == [(7, "FAILED")]
    assert 7 not in worker.tracked


def test_worker_offers_its_cluster_and_submits_to_the_partition_the_job_asked_for(
    tmp_path: Path,
) -> None:
    runner = RecordingRunner({"sbatch": CommandResult(0, "4242\n", "")})
    cfg = parse_config(
        {
            "api": {"base_url": "http://server.invalid", "worker_token": "t"},
            "worker": {"name": "w", "cluster": "hpc-b"},
            "local": {"md_work_dir": str(tmp_path / "md"), "qc_work_dir": str(tmp_path / "qc")},
            "scheduler": {"partition": "cpu", "partitions": ["gpu"]},
        }
    )
    client = RoutingClient()
    state = LocalState(tmp_path / "state.sqlite", "http://server.invalid", "w")
    worker = Worker(
        cfg,
        client,  # type: ignore[arg-type]
        SlurmScheduler(runner=runner),
        {"pyscf": ScriptEngine(JobType.QC, [["true"]], name="pyscf")},
        state=state,
    )
    worker.cycle(claim_wait=0)
    [(_, beat), (_, claim)] = client.bodies
    assert beat["cluster"] == "hpc-b" and beat["partitions"] == ["cpu", "gpu"]
    assert claim["cluster"] == "hpc-b" and claim["partitions"] == ["cpu", "gpu"]
    script = (tmp_path / "qc" / "job-7" / "job.sh").read_text()
    assert "#SBATCH --partition=gpu\n" in script and "--partition=cpu" not in script
    assert ("status", (7, "QUEUED")) in client.calls
    # The partition is kept in the local state, for a resubmission after a restart.
    [tracked] = LocalState(tmp_path / "state.sqlite", "http://server.invalid", "w").load()
    assert (tracked.job_id, tracked.partition, tracked.scheduler_id) == (7, "gpu", "4242")


def test_local_state_from_before_routing_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE jobs (server TEXT NOT NULL, worker TEXT NOT NULL, job_id INTEGER NOT "
            "NULL, job_type TEXT NOT NULL, engine TEXT NOT NULL, lease_token TEXT NOT NULL, "
            "workdir TEXT NOT NULL, scheduler_id TEXT, stage TEXT NOT NULL, failure_reason TEXT, "
            "PRIMARY KEY (server, worker, job_id))"
        )
        db.execute(
            "INSERT INTO jobs VALUES ('s', 'w', 3, 'MD', 'lammps', 't', '/x', '9', 'QUEUED', NULL)"
        )
    state = LocalState(path, "s", "w")
    [old] = state.load()
    assert (old.job_id, old.scheduler_id, old.partition) == (3, "9", None)
    state.save(TrackedJob(4, "MD", "lammps", "u", tmp_path, None, "CLAIMED", partition="gpu"))
    assert [j.partition for j in state.load()] == [None, "gpu"]


class StoryClient(OneJobClient):
    """Also takes the uploads and the registration of one job's results."""

    def register_results(self, job_id: int, body: RegisterRequest) -> None:
        self.calls.append(("results", (job_id, len(body.files))))


def test_the_worker_log_tells_each_job_story_one_line_per_step(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What an operator reads in the log (issue 15): claimed, processing, work directory,
    script, `sbatch` and the Slurm id, each state change, the upload with its bytes, the end."""
    runner = RecordingRunner({"sbatch": CommandResult(0, "456789\n", "")})
    client = StoryClient()
    worker = _worker(tmp_path, runner, client)
    worker.upload = lambda job, path: FileEntry(name=path.name, size=1234, sha256="0" * 64)
    caplog.set_level(logging.INFO, logger="molyte.worker.loop")
    worker.cycle(claim_wait=0)
    runner.responses["squeue"] = CommandResult(0, "456789|RUNNING|None|0\n", "")
    worker.cycle(claim_wait=0)
    (tmp_path / "qc" / "job-7" / "molyte-exit-status").write_text("0\n")
    (tmp_path / "qc" / "job-7" / "result.txt").write_text("molyte\n")
    runner.responses["squeue"] = CommandResult(0, "456789|COMPLETED|None|0\n", "")
    worker.cycle(claim_wait=0)
    lines = [r.getMessage() for r in caplog.records if "job #7" in r.getMessage()]
    assert lines[0] == "1 pending job(s) found and claimed: QC job #7"
    story = [line.removeprefix("QC job #7: ") for line in lines[1:]]
    assert story[0] == "processing QC job #7 with pyscf"
    assert story[1] == f"work directory created: {tmp_path / 'qc' / 'job-7'}"
    assert story[2] == "inputs and batch script job.sh written"
    assert story[3] == "`sbatch job.sh` submitted: Slurm job id 456789"
    assert story[4:7] == ["CLAIMED -> QUEUED", "QUEUED -> RUNNING", "RUNNING -> POSTPROCESSING"]
    assert story[7].startswith("uploaded 1 result files, 1,234 bytes in ")
    assert story[8] == "POSTPROCESSING -> COMPLETED"
    assert len(story) == 9
    # No line per HTTP request at INFO.
    assert not [r for r in caplog.records if r.name.startswith("httpx") and r.levelno <= 20]
