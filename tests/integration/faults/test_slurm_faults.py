"""Faults of Slurm itself: the controller restarted while a job runs, and a program that
crashes on the node. Each ends with the counts submitted/completed/lost/run-twice.

The controller restart stops the machine's shared slurmctld for a few seconds (through
`scripts/slurm.sh restart-ctld`); munge, slurmdbd and slurmd keep running, so running jobs go on.
"""

from __future__ import annotations

import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from molyte.schedulers.slurm import SlurmScheduler
from molyte.worker.app import build_worker
from molyte.worker.config import parse_config
from support import (
    ROOT,
    Api,
    LiveServer,
    build_api,
    make_settings,
    md_body,
    qc_body,
    report_counts,
    stop_process,
    wait_until,
)
from worker_harness import spawn_worker

pytestmark = pytest.mark.slurm

SLURM_SH = ROOT / "scripts" / "slurm.sh"
SLURM_CONF = Path("/etc/slurm/slurm.conf")
# How long slurmctld stays stopped. Slurm clients retry an unreachable controller for about
# MessageTimeout seconds (10 by default) per call, so other users of this shared Slurm ride
# through the outage with slower calls; this test's worker uses MessageTimeout=2 (below) and
# sees the outage as failing calls.
DOWN_SECONDS = 5
WORKER_SAYS_SLURM_DOWN = "the scheduler did not answer about"


@pytest.fixture
def live(slurm: None, pg_url: str, tmp_path: Path) -> Iterator[tuple[Api, LiveServer]]:
    for api in build_api(make_settings(pg_url, tmp_path)):
        with LiveServer(api.app) as server:
            yield api, server


def client_conf(tmp_path: Path) -> Path:
    """The node's slurm.conf with MessageTimeout=2, for the worker's Slurm commands only: with
    the default 10 s, `squeue` keeps retrying through a short outage (and takes ~18 s to fail),
    so the worker would not see the controller gone; with 2 it fails within ~2 s."""
    lines = [ln for ln in SLURM_CONF.read_text().splitlines() if not ln.startswith("MessageTim")]
    path = tmp_path / "slurm.conf"
    path.write_text("\n".join([*lines, "MessageTimeout=2"]) + "\n")
    return path


def ctld_pid() -> str:
    return Path("/run/slurmctld.pid").read_text().strip()


def test_controller_restart_while_a_job_runs_completes_it_once(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    running = api.submit(api.alice, qc_body("runs through a controller restart"))
    args = {
        "url": server.url,
        "token": api.worker_token,
        "work": str(tmp_path / "work"),
        "scheduler": "slurm",
        "name": "node-r",
        "seconds": 18,
    }
    worker_log = tmp_path / "worker.log"
    proc = spawn_worker(
        args, tmp_path / "worker.json", env={"SLURM_CONF": str(client_conf(tmp_path))}
    )
    restart: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: api.job(running["id"])["state"] == "RUNNING", 60, "the job running")
        slurm_id = api.job(running["id"])["scheduler_job_id"]
        old_pid = ctld_pid()
        restart = subprocess.Popen(
            [str(SLURM_SH), "restart-ctld", str(DOWN_SECONDS)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        wait_until(lambda: not Path(f"/proc/{old_pid}").exists(), 30, "slurmctld stopped")
        gone = time.monotonic()
        # A job arriving during the outage waits (the worker claims nothing while Slurm is
        # down, or keeps a job it claimed just before until sbatch works) and is not failed.
        arrived = api.submit(api.bob, qc_body("arrives during the outage"))
        time.sleep(DOWN_SECONDS / 2)
        assert api.job(arrived["id"], api.bob)["state"] in ("PENDING", "CLAIMED")
        during = api.job(running["id"])
        assert during["state"] == "RUNNING", during
        _, err = restart.communicate(timeout=60)
        outage = time.monotonic() - gone  # until slurmctld answered `scontrol ping` again
        assert restart.returncode == 0, err.decode()
        assert ctld_pid() != old_pid
        failed_cycles = worker_log.read_text().count(WORKER_SAYS_SLURM_DOWN)
        assert failed_cycles >= 2, worker_log.read_text()[-2000:]
        assert proc.poll() is None, "the worker process died during the outage"
        status = SlurmScheduler().status([slurm_id])[slurm_id]
        assert status.state.value in ("RUNNING", "COMPLETED"), status  # the job survived
        wait_until(
            lambda: (
                api.job(running["id"])["state"] == "COMPLETED"
                and api.job(arrived["id"])["state"] == "COMPLETED"
            ),
            120,
            "both jobs completed",
        )
    finally:
        if restart is not None and restart.poll() is None:
            restart.wait(timeout=60)  # never leave the controller stopped
        stop_process(proc)
    jobs = [api.job(running["id"]), api.job(arrived["id"])]
    counts = report_counts("slurmctld-restart", 2, jobs)
    assert counts == {"submitted": 2, "completed": 2, "lost": 0, "run-twice": 0}
    first = jobs[0]
    assert first["scheduler_job_id"] == slurm_id and first["attempts"] == 1
    assert [e["to"] for e in first["events"]].count("QUEUED") == 1
    assert jobs[1]["attempts"] == 1
    print(f"slurmctld away {outage:.1f} s; worker cycles that found it down: {failed_cycles}")


def crashing_program(path: Path, name: str) -> Path:
    """A stand-in for a program binary that dies of SIGSEGV, as a broken build would."""
    path.write_text(f"#!/bin/sh\necho '{name}: corrupted double-linked list' >&2\nkill -SEGV $$\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def xtb_body(name: str) -> dict[str, Any]:
    body = qc_body(name)
    body["spec"] = {
        "molecule": {"smiles": "C1COC(=O)O1"},
        "task": "opt",
        "method": "GFN2-xTB",
        "basis": "def2-SVP",
        "engine": "xtb",
    }
    return body


def small_md(name: str) -> dict[str, Any]:
    body = md_body(name)
    body["spec"].update({"salt_pairs": 2, "stages": {"minimize": True, "npt_ps": 1, "nvt_ps": 1}})
    return body


def test_program_crash_on_the_node_fails_named_and_the_worker_goes_on(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    cfg = parse_config(
        {
            "api": {"base_url": server.url, "worker_token": api.worker_token, "poll_interval": 1},
            "worker": {"name": "node-x", "max_concurrent_jobs": 1, "heartbeat_interval": 5},
            "local": {
                "md_work_dir": str(tmp_path / "md"),
                "qc_work_dir": str(tmp_path / "qc"),
                "lammps_bin": str(crashing_program(tmp_path / "lmp", "lmp")),
                "xtb_bin": str(crashing_program(tmp_path / "xtb", "xtb")),
            },
            "scheduler": {"type": "slurm"},
        }
    )
    worker = build_worker(cfg)
    md = api.submit(api.alice, small_md("LAMMPS crashes"))
    xtb = api.submit(api.alice, xtb_body("xtb crashes"))
    ok = api.submit(api.alice, qc_body("the next job runs"))
    ids = [md["id"], xtb["id"], ok["id"]]
    deadline = time.monotonic() + 180
    while not all(api.job(i)["state"] in ("COMPLETED", "FAILED") for i in ids):
        assert time.monotonic() < deadline, [api.job(i)["state"] for i in ids]
        worker.cycle(claim_wait=0.5)
    jobs = [api.job(i) for i in ids]
    counts = report_counts("program-crash", 3, jobs)
    for crashed, program in ((jobs[0], "LAMMPS"), (jobs[1], "xtb")):
        assert crashed["state"] == "FAILED"
        assert crashed["failure_reason"] == "SCRIPT_FAILED", crashed
        message = crashed["events"][-1]["message"]
        print(f"{program}: {crashed['failure_reason']}: {message}")
        assert program in message and "signal 11" in message, message
        assert "corrupted double-linked list" in (crashed["log_tail"] or ""), crashed
    assert jobs[2]["state"] == "COMPLETED", jobs[2]
    assert counts == {"submitted": 3, "completed": 1, "lost": 0, "run-twice": 0}
    assert worker.stats.failed == 2 and worker.stats.completed == 1
    assert (tmp_path / "qc" / f"job-{ok['id']}" / "summary.json").is_file()
