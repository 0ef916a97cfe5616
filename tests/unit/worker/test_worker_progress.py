"""The worker's progress reports from growing logs (real LAMMPS and Gaussian output, appended
piece by piece): read incrementally, throttled, sent only on news, with a time-left estimate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from molyte.protocol import StatusUpdate
from molyte.worker.client import LeaseLost, RequestRefused
from molyte.worker.progress import ProgressReporter, eta_seconds
from molyte.worker.state import TrackedJob

DATA = Path(__file__).resolve().parents[2] / "data"
LOG_OK = (DATA / "md" / "log_ok.lammps").read_text()
GOPT = (DATA / "gaussian" / "dvb_gopt.out").read_text()


class Recorder:
    """The worker client's status call, recorded."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def status(self, job_id: int, update: StatusUpdate) -> None:
        body = update.model_dump(mode="json")  # None: not sent
        self.sent.append({"job_id": job_id, "token": update.lease_token, **body})


def md_job(tmp_path: Path) -> TrackedJob:
    workdir = tmp_path / "job-1"
    workdir.mkdir()
    (workdir / "in.lammps").write_text(LOG_OK)  # the log echoes the whole input script
    return TrackedJob(1, "MD", "lammps", "tok", workdir, "11", "RUNNING")


def test_md_reports_grow_with_the_log_and_are_throttled(tmp_path: Path) -> None:
    job, client = md_job(tmp_path), Recorder()
    reporter = ProgressReporter(client, interval=10)  # type: ignore[arg-type]
    assert not reporter.report(job, now=0)  # no log yet: nothing to say
    log = job.workdir / "log.lammps"
    npt_1000 = LOG_OK.index("run             2000 upto")
    log.write_text(LOG_OK[:npt_1000])
    assert not reporter.report(job, now=5)  # not read again within the interval
    assert reporter.report(job, now=10)
    first = client.sent[-1]
    assert first["state"] == "RUNNING" and first["token"] == "tok"
    assert first["progress"] == 0.25 and first["stage"] == "npt: step 1000 of 2000"
    assert first["live"]["columns"][:5] == ["step", "time_ps", "temp", "press", "density"]
    assert first["live"]["rows"][-1][0] == 1000 and first["eta_seconds"] is None
    with log.open("a") as fh:
        fh.write(LOG_OK[npt_1000 : LOG_OK.index("MOLYTE_STAGE nvt")])
    assert not reporter.report(job, now=15)  # news on disk, but not due
    assert reporter.report(job, now=20)
    second = client.sent[-1]
    assert second["progress"] == 0.5 and second["live"]["rows"][-1][0] == 2000
    assert second["eta_seconds"] == 20  # a quarter of the run in 10 s: the half left in 20 s
    assert not reporter.report(job, now=30)  # nothing new on disk: nothing sent
    assert reporter.jobs[1].watch.tail.offset == log.stat().st_size  # type: ignore[attr-defined]
    with log.open("a") as fh:
        fh.write(LOG_OK[LOG_OK.index("MOLYTE_STAGE nvt") :])
    assert reporter.report(job, now=40)
    assert client.sent[-1]["progress"] == 1.0 and len(client.sent) == 3


def test_a_continuation_log_is_followed(tmp_path: Path) -> None:
    job, client = md_job(tmp_path), Recorder()
    reporter = ProgressReporter(client, interval=0)  # type: ignore[arg-type]
    (job.workdir / "log.lammps").write_text((DATA / "md" / "log_timeout.lammps").read_text())
    assert reporter.report(job, now=0) and client.sent[-1]["live"]["rows"][-1][0] == 1600
    nvt = LOG_OK[LOG_OK.index("MOLYTE_STAGE nvt") :]
    (job.workdir / "log.1.lammps").write_text(nvt)
    assert reporter.report(job, now=1)
    steps = [r[0] for r in client.sent[-1]["live"]["rows"]]
    assert steps == sorted(set(steps)) and steps[-1] == 4000 and client.sent[-1]["progress"] == 1.0


def test_gaussian_optimisation_steps_and_energies(tmp_path: Path) -> None:
    workdir = tmp_path / "job-2"
    workdir.mkdir()
    steps = [{"name": "opt"}, {"name": "anion"}]
    (workdir / "qc_input.json").write_text(json.dumps({"steps": steps}))
    job = TrackedJob(2, "QC", "gaussian", "tok2", workdir, "12", "RUNNING")
    client = Recorder()
    reporter = ProgressReporter(client, interval=0)  # type: ignore[arg-type]
    (workdir / "opt.log").write_text(GOPT[: GOPT.index("Step number   3 ")])
    assert reporter.report(job, now=0)
    sent = client.sent[-1]
    assert sent["stage"].startswith("step 1 of 2 (opt): optimisation step 2 of at most 100")
    assert sent["progress"] == pytest.approx(0.01)  # (0 + 2/100) / 2
    assert sent["live"] == {
        "columns": ["step", "energy"],
        "rows": [[1.0, -382.294279146], [2.0, -382.307286501], [3.0, -382.308239279]],
    }
    (workdir / "opt.log").write_text(GOPT)
    (workdir / "anion.log").write_text(GOPT[: GOPT.index("Step number   2 ")])
    assert reporter.report(job, now=1)
    assert client.sent[-1]["stage"].startswith("step 2 of 2 (anion): optimisation step 1")
    assert client.sent[-1]["progress"] == pytest.approx(0.505)


def test_forgotten_jobs_are_dropped_and_unknown_engines_ignored(tmp_path: Path) -> None:
    reporter = ProgressReporter(Recorder(), interval=0)  # type: ignore[arg-type]
    job = md_job(tmp_path)
    (job.workdir / "log.lammps").write_text(LOG_OK[:5000])
    reporter.report(job, now=0)
    other = TrackedJob(3, "QC", "orca", "t", tmp_path, "13", "RUNNING")
    assert not reporter.report(other, now=0)
    reporter.keep([2])
    assert reporter.jobs == {}


def test_eta_from_the_measured_rate() -> None:
    assert eta_seconds([(0.0, 0.1)], 0.1) is None
    assert eta_seconds([(0.0, 0.1), (2.0, 0.2)], 0.2) is None  # too close together
    assert eta_seconds([(0.0, 0.2), (100.0, 0.2)], 0.2) is None  # no progress: unknown
    assert eta_seconds([(0.0, 0.0), (60.0, 0.25)], 0.25) == 180


def test_many_running_jobs_spread_their_reports_out(tmp_path: Path) -> None:
    client = Recorder()
    reporter = ProgressReporter(client, interval=0)  # type: ignore[arg-type]
    jobs = []
    for n in range(10):  # 10 jobs at 2 reports per second: each job every 5 s at most
        workdir = tmp_path / f"job-{n}"
        workdir.mkdir()
        (workdir / "in.lammps").write_text(LOG_OK)
        (workdir / "log.lammps").write_text(LOG_OK[:6000])
        jobs.append(TrackedJob(n, "MD", "lammps", "t", workdir, str(n), "RUNNING"))
    for job in jobs:
        reporter.report(job, now=0)
    assert len(client.sent) == 10  # the first report of each
    for job in jobs:
        with (job.workdir / "log.lammps").open("a") as fh:
            fh.write(LOG_OK[6000:9000])
        assert not reporter.report(job, now=4)
    assert all(reporter.report(job, now=5) for job in jobs)


def test_a_burst_of_first_reports_is_capped(tmp_path: Path) -> None:
    client = Recorder()
    reporter = ProgressReporter(client, interval=0)  # type: ignore[arg-type]
    jobs = []
    for n in range(30):  # e.g. a restarted worker re-attaching to 30 runs
        workdir = tmp_path / f"job-{n}"
        workdir.mkdir()
        (workdir / "in.lammps").write_text(LOG_OK)
        (workdir / "log.lammps").write_text(LOG_OK[:6000])
        jobs.append(TrackedJob(n, "MD", "lammps", "t", workdir, str(n), "RUNNING"))
    sent = [reporter.report(job, now=0) for job in jobs]
    assert sent == [True] * 20 + [False] * 10
    assert [reporter.report(job, now=5) for job in jobs[20:]] == [True] * 10  # 2 per second
    assert len({c["job_id"] for c in client.sent}) == 30


def test_a_server_without_live_progress_turns_the_reports_off(tmp_path: Path) -> None:
    class OldServer(Recorder):
        def status(self, job_id: int, update: StatusUpdate) -> None:
            super().status(job_id, update)
            raise RequestRefused("PUT /workers/jobs/1/status answered HTTP 422 'live: extra'")

    job, client = md_job(tmp_path), OldServer()
    reporter = ProgressReporter(client, interval=0)  # type: ignore[arg-type]
    (job.workdir / "log.lammps").write_text(LOG_OK[:6000])
    assert not reporter.report(job, now=0) and reporter.refused
    (job.workdir / "log.lammps").write_text(LOG_OK)
    assert not reporter.report(job, now=10) and len(client.sent) == 1  # not asked again


def test_a_lost_lease_reaches_the_loop(tmp_path: Path) -> None:
    class Fenced(Recorder):
        def status(self, job_id: int, update: StatusUpdate) -> None:
            raise LeaseLost("Stale lease token")

    job = md_job(tmp_path)
    reporter = ProgressReporter(Fenced(), interval=0)  # type: ignore[arg-type]
    (job.workdir / "log.lammps").write_text(LOG_OK[:6000])
    with pytest.raises(LeaseLost):
        reporter.report(job, now=0)
