"""LocalScheduler with real processes: run, fail, time limit, cancel, queue, worker restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from molyte.domain.failures import FailureReason as F
from molyte.domain.resources import Resources
from molyte.schedulers.base import BatchJob, BatchStatus
from molyte.schedulers.base import BatchState as S
from molyte.schedulers.local import LocalScheduler, render_local_script
from molyte.schedulers.script import read_exit_status

Poll = Callable[..., list[BatchStatus]]


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """The scheduler's state dir; every job still running at the end is cancelled."""
    path = tmp_path / "state"
    yield path
    scheduler = LocalScheduler(path)
    ids = [p.name for p in path.iterdir() if p.name.startswith("local-")]
    for job_id, status in scheduler.status(ids).items():
        if not status.state.finished:
            scheduler.cancel(job_id)


def write_job(
    workdir: Path, commands: list[list[str]], walltime_seconds: int | None = None
) -> Path:
    """Render a job's script into `workdir`; optionally with a limit below the 1-minute grain."""
    workdir.mkdir(parents=True, exist_ok=True)
    job = BatchJob(job_id=1, workdir=workdir, commands=commands, resources=Resources())
    text = render_local_script(job)
    if walltime_seconds is not None:
        text = text.replace("walltime_seconds=3600", f"walltime_seconds={walltime_seconds}")
    script = workdir / "job.sh"
    script.write_text(text)
    return script


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_job_runs_to_completion(tmp_path: Path, state_dir: Path, poll: Poll) -> None:
    scheduler = LocalScheduler(state_dir)
    work = tmp_path / "w"
    job_id = scheduler.submit(write_job(work, [["echo", "hi there"], ["sleep", "0.5"]]), work)
    assert job_id == "local-1"
    seen = poll(scheduler, job_id, lambda s: s.state.finished, 30)
    assert seen[0].state == S.RUNNING
    assert (seen[-1].state, seen[-1].exit_code) == (S.COMPLETED, 0)
    assert (work / "local-1.out").read_text() == "hi there\n"
    assert read_exit_status(work) == 0


def test_failing_script(tmp_path: Path, state_dir: Path, poll: Poll) -> None:
    scheduler = LocalScheduler(state_dir)
    work = tmp_path / "w"
    job_id = scheduler.submit(write_job(work, [["bash", "-c", "exit 3"]]), work)
    final = poll(scheduler, job_id, lambda s: s.state.finished, 30)[-1]
    assert (final.state, final.failure_reason, final.exit_code) == (S.FAILED, F.SCRIPT_FAILED, 3)


def test_time_limit_kills_the_whole_process_group(
    tmp_path: Path, state_dir: Path, poll: Poll
) -> None:
    scheduler = LocalScheduler(state_dir)
    work = tmp_path / "w"
    # The script starts a grandchild; the limit must take it down too.
    cmd = ["bash", "-c", "sleep 120 & echo $! > grandchild.pid; wait"]
    job_id = scheduler.submit(write_job(work, [cmd], walltime_seconds=2), work)
    started = time.monotonic()
    final = poll(scheduler, job_id, lambda s: s.state.finished, 30)[-1]
    assert time.monotonic() - started < 15
    assert (final.state, final.failure_reason) == (S.FAILED, F.TIMEOUT)
    assert final.exit_code == 128 + signal.SIGTERM
    assert read_exit_status(work) is None
    assert not alive(int((work / "grandchild.pid").read_text()))


def test_cancel_running_and_queued_jobs(tmp_path: Path, state_dir: Path, poll: Poll) -> None:
    scheduler = LocalScheduler(state_dir, max_running=1)
    first_work, second_work = tmp_path / "a", tmp_path / "b"
    cmd = ["bash", "-c", "sleep 120 & echo $! > child.pid; wait"]
    first = scheduler.submit(write_job(first_work, [cmd]), first_work)
    second = scheduler.submit(write_job(second_work, [["touch", "ran"]]), second_work)
    poll(scheduler, first, lambda s: s.state == S.RUNNING, 10)
    assert scheduler.status([second])[second].state == S.PENDING
    scheduler.cancel(second)
    poll(scheduler, first, lambda _: (first_work / "child.pid").exists(), 10)
    scheduler.cancel(first)
    final = poll(scheduler, first, lambda s: s.state.finished, 20)[-1]
    assert (final.state, final.failure_reason) == (S.CANCELLED, F.CANCELLED)
    assert scheduler.status([second])[second].state == S.CANCELLED
    assert not alive(int((first_work / "child.pid").read_text()))
    assert not (second_work / "ran").exists()
    scheduler.cancel(first)  # already finished: nothing happens
    assert scheduler.status([first])[first].state == S.CANCELLED


def test_queue_starts_the_next_job_when_a_slot_frees(
    tmp_path: Path, state_dir: Path, poll: Poll
) -> None:
    scheduler = LocalScheduler(state_dir, max_running=1)
    ids = []
    for name in ("a", "b", "c"):
        work = tmp_path / name
        ids.append(scheduler.submit(write_job(work, [["sleep", "0.5"]]), work))
    assert [scheduler.status(ids)[i].state for i in ids] == [S.RUNNING, S.PENDING, S.PENDING]
    seen = poll(scheduler, ids[2], lambda s: s.state.finished, 30)
    assert [s.state for s in seen] == [S.PENDING, S.RUNNING, S.COMPLETED]
    assert all(s.state == S.COMPLETED for s in scheduler.status(ids).values())
    assert scheduler.status(["local-99"])["local-99"].state == S.UNKNOWN


WORKER = """
import sys, time
from pathlib import Path
from molyte.schedulers.local import LocalScheduler, render_local_script
scheduler = LocalScheduler(Path(sys.argv[1]))
print(scheduler.submit(Path(sys.argv[2]), Path(sys.argv[3])), flush=True)
time.sleep(600)
"""


def test_a_new_scheduler_reattaches_after_the_worker_is_killed(
    tmp_path: Path, state_dir: Path, poll: Poll
) -> None:
    work = tmp_path / "w"
    script = write_job(work, [["sleep", "3"], ["echo", "survived"]])
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(state_dir), str(script), str(work)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert worker.stdout is not None
    job_id = worker.stdout.readline().strip()
    worker.kill()
    worker.wait()
    assert job_id == "local-1"
    scheduler = LocalScheduler(state_dir)
    seen = poll(scheduler, job_id, lambda s: s.state.finished, 30)
    assert seen[0].state == S.RUNNING
    assert (seen[-1].state, seen[-1].exit_code) == (S.COMPLETED, 0)
    assert (work / "local-1.out").read_text() == "survived\n"


def test_a_queued_job_whose_work_dir_vanished_fails(
    tmp_path: Path, state_dir: Path, poll: Poll
) -> None:
    scheduler = LocalScheduler(state_dir, max_running=1)
    first = scheduler.submit(write_job(tmp_path / "a", [["sleep", "0.5"]]), tmp_path / "a")
    second = scheduler.submit(write_job(tmp_path / "b", [["true"]]), tmp_path / "b")
    (tmp_path / "b" / "job.sh").unlink()
    (tmp_path / "b").rmdir()
    final = poll(scheduler, second, lambda s: s.state.finished, 30)[-1]
    assert (final.state, final.failure_reason) == (S.FAILED, F.SUBMIT_FAILED)
    assert scheduler.status([first])[first].state == S.COMPLETED


def test_a_killed_wrapper_is_reported_lost(tmp_path: Path, state_dir: Path, poll: Poll) -> None:
    scheduler = LocalScheduler(state_dir)
    work = tmp_path / "w"
    job_id = scheduler.submit(write_job(work, [["sleep", "120"]]), work)
    poll(scheduler, job_id, lambda _: (state_dir / job_id / "script.pgid").exists(), 10)
    wrapper_pid = int((state_dir / job_id / "wrapper").read_text().split()[0])
    script_pgid = int((state_dir / job_id / "script.pgid").read_text())
    os.kill(wrapper_pid, signal.SIGKILL)
    try:
        final = poll(scheduler, job_id, lambda s: s.state.finished, 10)[-1]
        assert (final.state, final.failure_reason) == (S.FAILED, F.SCHEDULER_ERROR)
    finally:
        os.killpg(script_pgid, signal.SIGKILL)
