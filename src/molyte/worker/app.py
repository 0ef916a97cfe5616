"""Build and run a worker from its config: engines, scheduler, client, logging, signals."""

from __future__ import annotations

import logging
import logging.handlers
import signal
import sys
from pathlib import Path
from types import FrameType

from molyte.engines.base import EngineContext
from molyte.engines.registry import available_engines
from molyte.programs import find_program
from molyte.protocol import FileEntry
from molyte.schedulers.base import Scheduler
from molyte.schedulers.registry import get_scheduler
from molyte.worker.client import ServerUnavailable, WorkerClient
from molyte.worker.config import WorkerConfig
from molyte.worker.engine_setup import Probe, probe_binary
from molyte.worker.loop import Worker
from molyte.worker.stages.context import Uploader
from molyte.worker.state import TrackedJob
from molyte.worker.uploads import upload_direct

log = logging.getLogger(__name__)

# Engines run as a binary the config names (`local.<name>_bin` or `engines.<name>.bin`).
BINARY_ENGINES = ("lammps", "gaussian", "xtb")


def resolve_binary(name: str) -> str:
    """An absolute path for a command: PATH first, then beside this Python (a venv's bin/,
    where pip put `lmp` and `packmol`); a name found nowhere is returned unchanged."""
    if "/" in name:
        return str(Path(name).expanduser())
    return find_program(name, beside_python=True) or name


def engine_probes(cfg: WorkerConfig, report: bool = True) -> dict[str, Probe]:
    """For each engine whose binary needs its modules or setup lines first, where it is then
    (`molyte.worker.engine_setup`); engines without such setup are not in the result.
    `report`: log what was found (`--check` prints it instead)."""
    probes = {}
    for name in BINARY_ENGINES:
        setup = cfg.engine_setup(name)
        if setup.needs_probe and setup.bin:
            probes[name] = probe_binary(setup, setup.bin)
            found = probes[name]
            if not report:
                continue
            if found.path is None:
                log.warning("engine %s: %s: not advertised", name, found.error)
            else:
                log.info("engine %s: %s found after its setup", name, found.path)
    return probes


def engine_context(cfg: WorkerConfig, probes: dict[str, Probe] | None = None) -> EngineContext:
    """Batch jobs do not inherit the worker's PATH, so binaries are resolved here: after the
    engine's modules when it has some (`engines:`), else on PATH."""
    probes = engine_probes(cfg) if probes is None else probes
    bins = {}
    for name in BINARY_ENGINES:
        binary = cfg.engine_setup(name).bin or name
        found = probes[name].path if name in probes else None
        bins[name] = found or resolve_binary(binary)
    return EngineContext(
        python=sys.executable,
        lammps_bin=bins["lammps"],
        gaussian_bin=bins["gaussian"],
        xtb_bin=bins["xtb"],
        mpirun=resolve_binary(cfg.local.mpirun),
        missing=frozenset(n for n, p in probes.items() if p.path is None),
    )


def make_scheduler(cfg: WorkerConfig) -> Scheduler:
    if cfg.scheduler.type == "local":
        return get_scheduler(
            "local",
            state_dir=cfg.work_dir("MD") / ".local-scheduler",
            max_running=cfg.scheduler.local_max_parallel,
        )
    if cfg.scheduler.type == "sge":
        return get_scheduler("sge", parallel_environment=cfg.scheduler.parallel_environment)
    if cfg.scheduler.type in ("pbs", "lsf"):
        return get_scheduler(cfg.scheduler.type)
    return get_scheduler("slurm")


def direct_uploader(cfg: WorkerConfig) -> Uploader | None:
    """With `cos:` keys the worker uploads straight to the bucket (the older setup)."""
    if cfg.cos is None or not cfg.cos.usable:
        return None
    from molyte.storage.s3 import S3Store

    store = S3Store.from_cos(cfg.cos.secret_id, cfg.cos.secret_key, cfg.cos.region, cfg.cos.bucket)

    def upload(job: TrackedJob, path: Path) -> FileEntry:
        if job.result_prefix is None:  # claimed from a server that does not say where
            raise ServerUnavailable(f"job {job.job_id}: the server gave no result_prefix")
        return upload_direct(store, job.result_prefix, path)

    return upload


def build_worker(cfg: WorkerConfig) -> Worker:
    ctx = engine_context(cfg)
    engines = available_engines(ctx, cfg.worker.job_types)
    if not engines:
        log.error("no engine is available on this machine: the worker will claim nothing")
    client = WorkerClient(
        cfg.api.base_url, cfg.api.worker_token, verify=cfg.verify, timeout=cfg.api.timeout
    )
    for job_type in ("MD", "QC"):
        cfg.work_dir(job_type).mkdir(parents=True, exist_ok=True)
    return Worker(cfg, client, make_scheduler(cfg), engines, ctx=ctx, uploader=direct_uploader(cfg))


def configure_logging(
    cfg: WorkerConfig, level: int = logging.INFO, log_file: Path | None = None
) -> None:
    """Log to stderr, and to `local.log_file` with size-based rotation when it is set.

    With `log_file` (the deployment scripts' stdout log) the worker logs to that file instead
    of stderr, rotated the same way: the start script appends the worker's stderr to the same
    file, so a stream handler would write every line twice.
    """
    handlers: list[logging.Handler] = []
    if log_file is None:
        handlers.append(logging.StreamHandler(sys.stderr))
    for target in dict.fromkeys(p for p in (log_file, cfg.local.log_file) if p is not None):
        path = target.expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path, maxBytes=cfg.local.log_max_bytes, backupCount=cfg.local.log_backups
            )
        )
    logging.basicConfig(
        level=level,
        handlers=handlers,
        force=True,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # httpx logs every request URL at INFO; presigned URLs carry signatures.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run_worker(cfg: WorkerConfig) -> None:
    """Run in the foreground until SIGTERM or SIGINT; batch jobs keep running after exit."""
    worker = build_worker(cfg)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing the current call, then stopping", signum)
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        worker.run()
    finally:
        worker.client.close()
        worker.state.close()
