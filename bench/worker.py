"""A worker tracking 1,000 jobs: scheduler calls per cycle, CPU and resident memory.

    .venv/bin/python bench/worker.py [--jobs 1000] [--seconds 30]

One `molyte server` on a fresh PostgreSQL database serves every part.

1. Scheduler calls per cycle (in this process): the real worker loop (`Worker.cycle`) with the
   real `SlurmScheduler`, whose command runner is `RecordingRunner` (molyte.fakes.scheduler):
   it records every argv and answers `sbatch` with a new id and `squeue` with RUNNING for each
   id asked. The worker claims 1,000 QC jobs over HTTP, "prepares" them with a script engine,
   submits and reports them QUEUED then RUNNING; then 20 more cycles are counted. Baseline: the
   same loop tracking 1 job. Target: exactly one scheduler call (`squeue`) per cycle, whatever
   the number of jobs.
2. CPU and memory of a real worker process (`molyte worker --config FILE`, real engines, real
   HTTP): first idle (no job to claim: it holds one long-poll claim request and heartbeats),
   then re-attached to the 1,000 jobs of part 1 from its local state, following them every
   cycle. The Slurm commands it runs are small shell scripts on its PATH that answer like
   `squeue` (every job RUNNING), so the shared Slurm is not loaded with 1,000 jobs; their own
   CPU is counted apart (children). CPU = (user + system time) over the window / the window,
   in % of one core; memory = VmRSS, sampled every second. Baseline: the idle worker.
   Targets: < 1 % of a core and < 150 MiB with 1,000 tracked jobs.
3. Progress reading (in this process): `ProgressReporter` following 1,000 RUNNING LAMMPS jobs
   whose logs each grow by a thermo row per cycle (real log text, tests/data/md), read
   from the last offset when a report is due, with a client that only counts the reports.
   CPU of the first cycle (every watcher made, every log read) and per cycle after it
   (process time), and the memory its watchers hold (tracemalloc). Targets: < 25 ms per
   cycle after the first (half of the 1 % budget at the worker's 5 s cycle) and < 30 MiB
   (the room between the idle worker's RSS and 150 MiB).
"""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    Target,
    bench_database,
    cpu_seconds,
    insert_jobs,
    make_accounts,
    make_worker_token,
    number,
    rss_mib,
    server_process,
    stop_process,
    table,
    targets_table,
)

from molyte.domain.states import JobType
from molyte.fakes.engine import ScriptEngine
from molyte.fakes.scheduler import RecordingRunner
from molyte.schedulers.runner import CommandResult
from molyte.schedulers.slurm import SlurmScheduler
from molyte.worker.client import WorkerClient
from molyte.worker.config import WorkerConfig, parse_config
from molyte.worker.loop import Worker

JOBS = 1000
COUNTED_CYCLES = 20
WINDOW_SECONDS = 30.0
CPU_TARGET_PERCENT = 1.0
RSS_TARGET_MIB = 150.0
FIRST_SLURM_ID = 700_000
WORKER_NAME = "bench-worker"

FAKE_SQUEUE = """#!/bin/bash
# Answers like `squeue --noheader --jobs=ID,... --Format=JobID:|,State:|,Reason:|,exit_code:`
# with every job RUNNING, and notes the call.
echo call >> {log}
for arg in "$@"; do case $arg in --jobs=*) ids=${{arg#--jobs=}};; esac; done
IFS=, read -ra list <<< "$ids"
for id in "${{list[@]}}"; do echo "$id|RUNNING|None|0"; done
"""
FAKE_FAILING = """#!/bin/bash
# The worker should not need {name} here: note the call and fail like a missing command.
echo {name} >> {log}
exit 1
"""


def config(url: str, token: str, work: Path, name: str, capacity: int, poll: float) -> WorkerConfig:
    """The worker's YAML as a cluster admin would write it (plus the bench's work dirs)."""
    return parse_config(
        {
            "api": {"base_url": url, "worker_token": token, "poll_interval": poll},
            "worker": {"name": name, "max_concurrent_jobs": capacity, "heartbeat_interval": 60},
            "local": {"md_work_dir": str(work / "md"), "qc_work_dir": str(work / "qc")},
        }
    )


class FakeSlurm:
    """`sbatch` and `squeue` answers for RecordingRunner: new ids, and RUNNING for all."""

    def __init__(self) -> None:
        self.next_id = FIRST_SLURM_ID

    def sbatch(self, argv: Sequence[str]) -> CommandResult:
        self.next_id += 1
        return CommandResult(0, f"{self.next_id}\n", "")

    @staticmethod
    def squeue(argv: Sequence[str]) -> CommandResult:
        ids = next(a for a in argv if a.startswith("--jobs=")).removeprefix("--jobs=").split(",")
        return CommandResult(0, "".join(f"{i}|RUNNING|None|0\n" for i in ids), "")


@dataclass
class CycleCount:
    tracked: int
    cycles: int
    calls: dict[str, int]
    seconds_per_cycle: float


def in_process_worker(cfg: WorkerConfig, runner: RecordingRunner) -> Worker:
    client = WorkerClient(cfg.api.base_url, cfg.api.worker_token, timeout=60)
    script = [["bash", "-c", "true"]]
    engines = {"pyscf": ScriptEngine(JobType.QC, script, name="pyscf")}
    return Worker(cfg, client, SlurmScheduler(runner, use_sacct=True), engines)


def count_cycles(cfg: WorkerConfig, expected: int) -> CycleCount:
    """Claim `expected` jobs, bring them to RUNNING, then count COUNTED_CYCLES cycles."""
    slurm = FakeSlurm()
    runner = RecordingRunner({"sbatch": slurm.sbatch, "squeue": slurm.squeue})
    worker = in_process_worker(cfg, runner)
    started = time.monotonic()
    try:
        deadline = started + 300
        while True:
            worker.cycle(claim_wait=0)
            stages = [t.stage for t in worker.tracked.values()]
            if len(stages) == expected and set(stages) == {"RUNNING"}:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker has {len(stages)} jobs, not {expected} RUNNING")
        print(
            f"{expected} jobs RUNNING after {worker.stats.cycles} cycles, "
            f"{time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )
        runner.calls.clear()
        start = time.perf_counter()
        for _ in range(COUNTED_CYCLES):
            worker.cycle(claim_wait=0)
        elapsed = time.perf_counter() - start
        if len(worker.tracked) != expected:
            raise RuntimeError("the worker dropped jobs while being counted")
        programs = {"squeue", "sacct", "scontrol", "sbatch", "scancel"}
        calls = {p: runner.count(p) for p in sorted(programs)}
        calls["other"] = len(runner.calls) - sum(calls.values())
        return CycleCount(expected, COUNTED_CYCLES, calls, elapsed / COUNTED_CYCLES)
    finally:
        worker.client.close()
        worker.state.close()


# --- the worker as a process -------------------------------------------------------------------


def fake_slurm_bin(directory: Path) -> tuple[Path, Path]:
    """A directory of fake Slurm commands and the file they note their calls in."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "calls.log"
    log.touch()
    scripts = {"squeue": FAKE_SQUEUE.format(log=log)}
    for name in ("sacct", "scontrol", "sbatch", "scancel"):
        scripts[name] = FAKE_FAILING.format(name=name, log=log)
    for name, text in scripts.items():
        path = directory / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return directory, log


@dataclass
class ProcessUse:
    label: str
    tracked: int
    cpu_percent: float
    children_percent: float
    rss_mean: float
    rss_peak: float
    scheduler_calls: int
    startup_seconds: float
    window: float


def measure_process(
    label: str, cfg: WorkerConfig, tracked: int, work: Path, seconds: float
) -> ProcessUse:
    """Start `molyte worker`, wait until it runs its loop, then measure it for `seconds`."""
    cfg_path = work / f"{label}.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json", exclude_none=True)))
    bin_dir, calls = fake_slurm_bin(work / f"{label}-bin")
    log_path = work / f"{label}.log"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    molyte = str(Path(sys.executable).parent / "molyte")
    started = time.monotonic()
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [molyte, "worker", "--config", str(cfg_path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    try:
        ready = "re-attaching to" if tracked else "started:"
        while ready not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() - started > 120:
                raise RuntimeError(f"the worker did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        time.sleep(3)  # past its first cycle (and first squeue)
        startup = time.monotonic() - started
        own0, children0 = cpu_seconds(proc.pid)
        calls0 = len(calls.read_text().splitlines())
        t0 = time.monotonic()
        rss = []
        while time.monotonic() - t0 < seconds:
            rss.append(rss_mib(proc.pid))
            time.sleep(1.0)
        own1, children1 = cpu_seconds(proc.pid)
        window = time.monotonic() - t0
        lines = calls.read_text().splitlines()
        if proc.poll() is not None:
            raise RuntimeError(f"the worker exited: {log_path.read_text()[-2000:]}")
        unexpected = [line for line in lines if line != "call"]
        if unexpected:
            raise RuntimeError(f"the worker ran other Slurm commands: {sorted(set(unexpected))}")
    finally:
        # An idle worker finishes its long-poll claim (up to poll_interval) before it stops;
        # the figures are taken, so do not wait for it.
        stop_process(proc, timeout=3)
    return ProcessUse(
        label,
        tracked,
        100 * (own1 - own0) / window,
        100 * (children1 - children0) / window,
        sum(rss) / len(rss),
        max(rss),
        len(lines) - calls0,
        startup,
        window,
    )


# --- progress reading -----------------------------------------------------------------------

PROGRESS_CYCLES = 120  # 10 min of the runs
CYCLE_SECONDS = 5.0  # the loop's cycle while it tracks jobs
READ_TARGET_MS = 25.0
WATCH_TARGET_MIB = 30.0
LOG = Path(__file__).resolve().parents[1] / "tests" / "data" / "md" / "log_ok.lammps"


class CountingClient:
    """The worker client's status call, counted, not sent."""

    def __init__(self) -> None:
        self.reports = 0

    def status(self, *args: object, **fields: object) -> dict[str, object]:
        self.reports += 1
        return {}


@dataclass
class ProgressUse:
    jobs: int
    cycles: int
    first_ms: float  # the first cycle: every job's watcher made and its log read once
    ms_per_cycle: float  # the cycles after it
    bytes_per_cycle: int
    reports: int
    watch_mib: float


def measure_progress(jobs: int, work: Path) -> ProgressUse:
    """Follow `jobs` growing LAMMPS logs for PROGRESS_CYCLES simulated 5 s cycles."""
    import tracemalloc

    from molyte.worker.progress import ProgressReporter
    from molyte.worker.state import TrackedJob

    text = LOG.read_text()
    npt = text[text.index("MOLYTE_STAGE npt") :]
    lines = npt.splitlines()
    header = next(line for line in lines if line.split()[:1] == ["Step"])
    row = next(line for line in lines if line[:10].strip().isdigit())
    # Each cycle appends a block of rows; long runs: the series thins itself at 500 rows.
    script = 'print "MOLYTE_STAGE npt"\nrun 100000000 upto\ntimestep 1.0\n'
    tracked = []
    for n in range(jobs):
        workdir = work / f"job-{n}"
        workdir.mkdir(parents=True)
        (workdir / "in.lammps").write_text(script)
        (workdir / "log.lammps").write_text(f"MOLYTE_STAGE npt\n{header}\n")
        tracked.append(TrackedJob(n + 1, "MD", "lammps", "t", workdir, str(n), "RUNNING"))
    client = CountingClient()
    reporter = ProgressReporter(client, interval=60)  # type: ignore[arg-type]
    tracemalloc.start()
    step, written = 0, 0
    spent: list[float] = []
    for cycle in range(PROGRESS_CYCLES):
        block = f"{step:>10}{row[10:]}\n"
        step += 100
        for job in tracked:
            with (job.workdir / "log.lammps").open("a") as fh:
                fh.write(block)
        written += len(block) * jobs
        start = time.process_time()
        for job in tracked:
            reporter.report(job, now=cycle * CYCLE_SECONDS)
        spent.append(time.process_time() - start)
    held, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return ProgressUse(
        jobs,
        PROGRESS_CYCLES,
        spent[0] * 1000,
        sum(spent[1:]) / (len(spent) - 1) * 1000,
        written // PROGRESS_CYCLES,
        client.reports,
        held / 2**20,
    )


def run(jobs: int, seconds: float) -> str:
    with bench_database() as db_url, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        _password, token = make_accounts(db_url)
        with server_process(db_url, tmp / "server") as url:
            big_cfg = config(url, token, tmp / "big", WORKER_NAME, jobs, 0.1)
            insert_jobs(db_url, jobs)
            big = count_cycles(big_cfg, jobs)
            # A token acts under one worker name: each further worker gets its own.
            one_token = make_worker_token(db_url, "bench-one")
            one_cfg = config(url, one_token, tmp / "one", "bench-one", 4, 0.1)
            insert_jobs(db_url, 1)
            one = count_cycles(one_cfg, 1)

            # Idle after the claims: a claim request the server still holds when a worker
            # stops would take jobs inserted later.
            idle_token = make_worker_token(db_url, "bench-idle")
            idle_cfg = config(url, idle_token, tmp / "idle", "bench-idle", 4, 30)
            idle = measure_process("idle", idle_cfg, 0, tmp, seconds)

            # The same name and work dir as part 1: the process re-attaches to its 1,000 jobs.
            loaded_cfg = config(url, token, tmp / "big", WORKER_NAME, jobs, 30)
            loaded = measure_process("loaded", loaded_cfg, jobs, tmp, seconds)
        progress = measure_progress(jobs, tmp / "progress")
    return report(one, big, idle, loaded) + "\n\n" + progress_report(progress)


def progress_report(p: ProgressUse) -> str:
    return "\n".join(
        [
            f"### Progress reading, {p.jobs:,} running LAMMPS jobs",
            "",
            f"{p.cycles} cycles of `ProgressReporter.report` over every job, each log growing by "
            "a thermo row per 5 s cycle (reports throttled, counted, not sent; memory: what "
            "its watchers hold at the end):",
            "",
            table(
                [
                    "jobs",
                    "cycles",
                    "log bytes per cycle",
                    "first cycle ms",
                    "ms per cycle after",
                    "reports",
                    "watchers MiB",
                ],
                [
                    (
                        f"{p.jobs:,}",
                        p.cycles,
                        f"{p.bytes_per_cycle:,}",
                        f"{p.first_ms:.0f}",
                        f"{p.ms_per_cycle:.1f}",
                        p.reports,
                        f"{p.watch_mib:.1f}",
                    )
                ],
            ),
            "",
            targets_table(
                [
                    Target(
                        "progress reading per cycle (after the first)",
                        p.ms_per_cycle,
                        READ_TARGET_MS,
                        "ms",
                    ),
                    Target("progress watchers' memory", p.watch_mib, WATCH_TARGET_MIB, "MiB"),
                ]
            ),
        ]
    )


def report(one: CycleCount, big: CycleCount, idle: ProcessUse, loaded: ProcessUse) -> str:
    programs = [p for p in big.calls if big.calls[p] or one.calls[p]] or ["squeue"]
    cycle_rows = [
        (
            f"{c.tracked:,}" + (" (baseline)" if c is one else ""),
            c.cycles,
            *(c.calls[p] for p in programs),
            number(sum(c.calls.values()) / c.cycles),
            f"{c.seconds_per_cycle * 1000:.1f}",
        )
        for c in (one, big)
    ]
    use_rows = [
        (
            u.label + (" (baseline)" if u is idle else ""),
            f"{u.tracked:,}",
            f"{u.cpu_percent:.2f}",
            f"{u.children_percent:.2f}",
            number(u.rss_mean),
            number(u.rss_peak),
            u.scheduler_calls,
            f"{u.startup_seconds:.1f}",
        )
        for u in (idle, loaded)
    ]
    per_cycle = sum(big.calls.values()) / big.cycles
    return "\n".join(
        [
            f"## Worker with {big.tracked:,} tracked jobs",
            "",
            f"Scheduler commands in {big.cycles} cycles of the real worker loop (SlurmScheduler "
            "with a recording command runner; every job RUNNING; the claim is skipped as the "
            "worker is full, so a cycle is the heartbeat when due and the follow pass):",
            "",
            table(
                ["tracked jobs", "cycles", *programs, "commands per cycle", "ms per cycle"],
                cycle_rows,
            ),
            "",
            f"A real `molyte worker` process over {idle.window:.0f} s "
            "(CPU in % of one core, counted in 10 ms ticks, so 0.03 % is one tick; 'children' "
            "is the fake squeue it runs; RSS in MiB; start-up = from launch to the measured "
            "window):",
            "",
            table(
                [
                    "worker",
                    "tracked jobs",
                    "CPU %",
                    "children CPU %",
                    "RSS mean",
                    "RSS peak",
                    "squeue calls",
                    "start-up s",
                ],
                use_rows,
            ),
            "",
            "### Targets",
            "",
            targets_table(
                [
                    Target(
                        f"scheduler commands per cycle with {big.tracked:,} jobs",
                        per_cycle,
                        1.0,
                        "",
                        compare="==",
                    ),
                    Target(
                        f"worker CPU with {loaded.tracked:,} tracked jobs",
                        loaded.cpu_percent + loaded.children_percent,
                        CPU_TARGET_PERCENT,
                        "% of a core",
                    ),
                    Target("worker CPU idle", idle.cpu_percent, CPU_TARGET_PERCENT, "% of a core"),
                    Target(
                        f"worker RSS with {loaded.tracked:,} tracked jobs",
                        loaded.rss_peak,
                        RSS_TARGET_MIB,
                        "MiB",
                    ),
                    Target("worker RSS idle", idle.rss_peak, RSS_TARGET_MIB, "MiB"),
                ]
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument(
        "--progress-only", action="store_true", help="only part 3 (no server needed)"
    )
    parser.add_argument("--seconds", type=float, default=WINDOW_SECONDS, help="CPU window")
    args = parser.parse_args()
    if args.progress_only:
        with tempfile.TemporaryDirectory() as tmp:
            print(progress_report(measure_progress(args.jobs, Path(tmp))))
        return
    print(run(args.jobs, args.seconds))


if __name__ == "__main__":
    main()
