"""Progress, stage, time left and live numbers of running jobs, read from their work dirs.

The loop calls `ProgressReporter.report(job)` once per cycle for each RUNNING job. Each job's
log is read from the offset reached last time (never from the start again), by the engine's
pure watcher (`engines/md/progress.py`, `engines/qc/progress.py`). A report goes with the
job's status update (same lease token), at most once per `interval` per job and only when
something changed. No scheduler call is made here.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from molyte.domain.states import JobState
from molyte.engines.qc.progress import SERIES_COLUMNS as QC_COLUMNS
from molyte.engines.qc.progress import QcWatch, overall_progress, step_logs
from molyte.engines.qc.workdir import load_run_input
from molyte.errors import MolyteError
from molyte.protocol import LiveSeries, StatusUpdate
from molyte.worker.client import (
    LeaseLost,
    RequestRefused,
    ServerUnavailable,
    WorkerClient,
    WorkerMisconfigured,
    refused_here,
)
from molyte.worker.state import TrackedJob

if TYPE_CHECKING:
    from molyte.engines.md.progress import LammpsWatch

log = logging.getLogger(__name__)
READ_LIMIT = 4 << 20  # bytes read per job per cycle: a long backlog is caught up over cycles
RATE_SAMPLES = 30  # the time left comes from the progress over the last this many reads
MIN_RATE_SECONDS = 5.0  # no estimate from reads closer together than this
# All jobs together: a worker following a thousand runs spreads their reports out (each
# report is a request with up to 500 rows) instead of spending its CPU on them.
MAX_REPORTS_PER_SECOND = 2.0
REPORT_BURST = 20.0  # e.g. after a restart that re-attaches to many runs


class Watch(Protocol):
    """What the reporter asks of a job's watcher."""

    def poll(self) -> bool:
        """Read what the logs gained since the last call; True if anything was read."""

    def fraction(self) -> float:
        """The share of the job done, 0 to 1."""

    def snapshot(self) -> tuple[str | None, tuple[str, ...], list[list[float | None]]]:
        """(stage, series columns, series rows)."""


class _Tail:
    """One file read from where the last read stopped; `None` text while it does not exist."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def read(self) -> str | None:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read(READ_LIMIT)
        except OSError:
            return None
        if not data:
            return None
        # A multi-byte character cut at the read limit is finished next time.
        cut = len(data) if len(data) < READ_LIMIT else _utf8_boundary(data)
        self.offset += cut
        return data[:cut].decode("utf-8", "replace")


def _utf8_boundary(data: bytes) -> int:
    end = len(data)
    while end > 0 and (data[end - 1] & 0xC0) == 0x80:
        end -= 1
    return end - 1 if end > 0 and data[end - 1] >= 0xC0 else len(data)


class MdWatch:
    """LAMMPS: `in.lammps` gives the stages; the newest `log*.lammps` is followed."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.watch: LammpsWatch | None = None
        self.tail: _Tail | None = None

    def poll(self) -> bool:
        if self.watch is None:
            # Here, not at the top: the MD modules load RDKit and numpy, which a worker without
            # MD jobs should not carry.
            from molyte.engines.md.builder import INPUT_FILE
            from molyte.engines.md.progress import LammpsWatch, run_plan

            try:
                self.watch = LammpsWatch(run_plan((self.workdir / INPUT_FILE).read_text()))
            except OSError:
                return False
        text = self.tail.read() if self.tail is not None else None
        if text is None:
            # Only a log that stopped growing may have been followed by a continuation's log:
            # look for a newer file then, not on every read.
            from molyte.engines.md.logparse import log_files

            logs = log_files(self.workdir)
            if not logs or (self.tail is not None and self.tail.path == logs[-1]):
                return False
            if self.tail is not None:
                self.watch.restart()  # a continuation: its log starts where the restart was
            self.tail = _Tail(logs[-1])
            text = self.tail.read()
            if text is None:
                return False
        self.watch.feed(text)
        return True

    def fraction(self) -> float:
        return self.watch.progress if self.watch else 0.0

    def snapshot(self) -> tuple[str | None, tuple[str, ...], list[list[float | None]]]:
        if self.watch is None:
            return None, (), []
        return self.watch.stage_text(), self.watch.columns, self.watch.rows()


class QcStepsWatch:
    """Gaussian, PySCF, xtb: `qc_input.json` lists the steps; the last one with a log runs."""

    def __init__(self, workdir: Path, engine: str) -> None:
        self.workdir = workdir
        self.engine = engine
        self.logs: list[Path] | None = None
        self.index = -1
        self.watch = QcWatch(engine)
        self.tail: _Tail | None = None

    def _step_logs(self) -> list[Path]:
        names = [str(s["name"]) for s in load_run_input(self.workdir)["steps"]]
        return [self.workdir / p for p in step_logs(self.engine, names)]

    def poll(self) -> bool:
        if self.logs is None:
            try:
                self.logs = self._step_logs()
            except (MolyteError, OSError, ValueError, KeyError, TypeError):
                return False
        current = max((i for i, p in enumerate(self.logs) if p.exists()), default=-1)
        if current < 0:
            return False
        if current != self.index:
            self.index, self.watch, self.tail = (
                current,
                QcWatch(self.engine),
                _Tail(self.logs[current]),
            )
        assert self.tail is not None
        text = self.tail.read()
        if text is None:
            return False
        self.watch.feed(text)
        return True

    def fraction(self) -> float:
        if self.index < 0 or not self.logs:
            return 0.0
        return overall_progress(self.index, len(self.logs), self.watch.fraction)

    def snapshot(self) -> tuple[str | None, tuple[str, ...], list[list[float | None]]]:
        if self.index < 0 or not self.logs:
            return None, QC_COLUMNS, []
        stage = self.watch.stage_text()
        if len(self.logs) > 1:
            name = (
                self.logs[self.index].stem
                if self.engine != "xtb"
                else self.logs[self.index].parent.name
            )
            stage = f"step {self.index + 1} of {len(self.logs)} ({name}): {stage}"
        return stage, QC_COLUMNS, self.watch.rows()


def watch_for(job: TrackedJob) -> Watch | None:
    """The watcher for a job's engine; None for an engine whose logs we cannot read."""
    if job.engine == "lammps":
        return MdWatch(job.workdir)
    if job.engine in ("gaussian", "pyscf", "xtb"):
        return QcStepsWatch(job.workdir, job.engine)
    return None


def eta_seconds(samples: Iterable[tuple[float, float]], fraction: float) -> int | None:
    """Seconds left at the rate measured over `samples` of (time, fraction); None while the
    rate is unknown (too few reads, or no progress between them)."""
    points = list(samples)
    if len(points) < 2:
        return None
    (t0, f0), (t1, f1) = points[0], points[-1]
    if t1 - t0 < MIN_RATE_SECONDS or f1 <= f0:
        return None
    rate = (f1 - f0) / (t1 - t0)
    return round((1.0 - fraction) / rate)


@dataclass
class _JobProgress:
    watch: Watch
    samples: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=RATE_SAMPLES))
    polled_at: float = float("-inf")
    pending: bool = False  # read since the last report, not yet sent
    sent_key: tuple[Any, ...] | None = None


class ProgressReporter:
    """Reads each RUNNING job's logs incrementally and sends what changed, throttled: a job's
    logs are read at most once per `interval` seconds (stretched when many jobs run, so that
    all of them together send at most MAX_REPORTS_PER_SECOND), and a report goes only when
    the read found something new."""

    def __init__(self, client: WorkerClient, interval: float) -> None:
        self.client = client
        self.interval = interval
        self.jobs: dict[int, _JobProgress] = {}
        self._tokens = REPORT_BURST  # reports that may go now (refilled over time)
        self._tokens_at: float | None = None
        self.refused = False  # the server does not take progress reports

    def keep(self, job_ids: Iterable[int]) -> None:
        """Forget the jobs no longer tracked (finished, dropped)."""
        alive = set(job_ids)
        for job_id in [j for j in self.jobs if j not in alive]:
            del self.jobs[job_id]

    def report(self, job: TrackedJob, now: float | None = None) -> bool:
        """Read the job's new log text when due; send progress, stage, time left and the live
        series if it changed (LeaseLost propagates: the job is no longer ours). True if sent."""
        if self.refused:
            return False
        state = self.jobs.get(job.job_id)
        if state is None:
            watch = watch_for(job)
            if watch is None:
                return False
            state = self.jobs[job.job_id] = _JobProgress(watch)
        now = time.monotonic() if now is None else now
        if not state.pending:
            interval = max(self.interval, len(self.jobs) / MAX_REPORTS_PER_SECOND)
            if now - state.polled_at < interval:
                return False
            state.polled_at = now
            if not state.watch.poll():
                return False  # nothing new on disk
            state.pending = True
            state.samples.append((now, state.watch.fraction()))
        if not self._take_token(now):
            return False  # sent in a later cycle, without reading again
        fraction = state.watch.fraction()
        stage, columns, rows = state.watch.snapshot()
        key = (round(fraction, 4), stage, len(rows), rows[-1][0] if rows else None)
        state.pending = False
        if key == state.sent_key:
            return False
        try:
            update = StatusUpdate(
                lease_token=job.lease_token,
                state=JobState.RUNNING,
                progress=round(fraction, 4),
                stage=stage[:200] if stage else None,
                eta_seconds=eta_seconds(state.samples, fraction),
                live=LiveSeries(columns=list(columns), rows=rows),
            )
            self.client.status(job.job_id, update)
        except (LeaseLost, ServerUnavailable, WorkerMisconfigured):
            raise  # the loop's business, as for every other call
        except (RequestRefused, ValidationError) as exc:
            # A server from before live progress refuses the new fields (422), as it would a
            # report this worker cannot even build: the jobs run on; only their progress is
            # not shown.
            why = exc.message if isinstance(exc, RequestRefused) else refused_here(exc)
            log.warning("progress reports turned off: the server refused one: %s", why)
            self.refused = True
            return False
        state.sent_key = key
        return True

    def _take_token(self, now: float) -> bool:
        if self._tokens_at is not None:
            refill = (now - self._tokens_at) * MAX_REPORTS_PER_SECOND
            self._tokens = min(REPORT_BURST, self._tokens + refill)
        self._tokens_at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
