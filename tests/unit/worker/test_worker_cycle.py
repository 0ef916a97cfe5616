"""The worker loop with fakes: one scheduler status call per cycle however many jobs it tracks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from molyte.domain.states import JobType
from molyte.schedulers.fake import RecordingRunner
from molyte.schedulers.runner import CommandResult
from molyte.schedulers.slurm import SlurmScheduler
from molyte.testing import ScriptEngine
from molyte.worker.config import parse_config
from molyte.worker.loop import Worker
from molyte.worker.state import LocalState, TrackedJob


class FakeClient:
    """Records the worker's calls; answers as a server with no new jobs would."""

    base_url = "http://server.invalid"

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def heartbeat(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("heartbeat", len(body["running"])))
        return {"cancel": [], "lease_seconds": 600}

    def claim(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(("claim", kwargs["limit"]))
        return []

    def status(self, job_id: int, token: str, state: str, **fields: Any) -> dict[str, Any]:
        self.calls.append(("status", (job_id, state)))
        return {}


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
