"""The worker's YAML config, read exactly as cluster admins already write it (`api`, `cos`,
`local`, `worker`; see deployment/polling_worker_config.example.yaml), plus the optional
`scheduler:` and `engines:` sections.

Unknown keys and wrong types are refused at start with the key's path. Secrets may come from
the environment instead of the file: MOLYTE_WORKER_TOKEN, MOLYTE_COS_SECRET_ID,
MOLYTE_COS_SECRET_KEY.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from molyte.errors import ConfigError
from molyte.worker.limits import SLURM_DEFAULTS, Limits, machine_defaults

log = logging.getLogger(__name__)

ModuleName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+/-]*$", max_length=128)
]
SlurmName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
]
WorkerName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
]


JobTypeName = Literal["MD", "QC"]
ALL_JOB_TYPES: tuple[JobTypeName, ...] = ("MD", "QC")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


API_PREFIX = "/api/v1"


class ApiSection(Section):
    # The server's address; the form with the API prefix (`https://host/api/v1`, as in the
    # YAML cluster admins already have) means the same and is stored without it.
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$")]
    worker_token: str = ""
    poll_interval: float = Field(default=10, gt=0, le=3600)
    verify_ssl: bool = True
    ca_bundle: Path | None = None
    timeout: float = Field(default=30, gt=0, le=600)

    @field_validator("base_url")
    @classmethod
    def _server_root(cls, value: str) -> str:
        return server_root(value)


def server_root(base_url: str) -> str:
    """`base_url` without a trailing `/` or `/api/v1`: the server's root address."""
    root = base_url.rstrip("/")
    return root.removesuffix(API_PREFIX).rstrip("/") if root.endswith(API_PREFIX) else root


class CosSection(Section):
    secret_id: str = ""
    secret_key: str = ""
    region: str = ""
    bucket: str = ""

    @property
    def usable(self) -> bool:
        return bool(self.secret_id and self.secret_key and self.region and self.bucket)


class LocalSection(Section):
    md_work_dir: Path = Path("~/molyte/md")
    qc_work_dir: Path = Path("~/molyte/qc")
    lammps_bin: str = "lmp"
    gaussian_bin: str = "g16"
    xtb_bin: str = "xtb"
    mpirun: str = "mpirun"
    conda_env: ModuleName | None = None
    log_file: Path | None = None
    log_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    log_backups: int = Field(default=5, ge=0, le=100)


EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)]
# A binary: a command name, or an absolute (or ~) path of plain characters.
BinaryName = Annotated[
    str, StringConstraints(pattern=r"^(~?/[A-Za-z0-9_./+@:-]*|[A-Za-z0-9_.+-]+)$", max_length=1024)
]
# A `module use` directory: an absolute (or ~) path of plain characters.
ModuleDir = Annotated[str, StringConstraints(pattern=r"^~?/[A-Za-z0-9_./+@:-]*$", max_length=1024)]
ENGINE_NAMES = ("lammps", "gaussian", "pyscf", "xtb")


def _one_line(value: str, what: str) -> str:
    if "\x00" in value or "\n" in value or "\r" in value:
        raise ValueError(f"{what} may not contain a NUL or a line break")
    return value


class EngineSetup(Section):
    """How one engine is set up in a batch job: `module use` dirs, modules to load,
    environment variables, extra shell lines, and its binary (name or path)."""

    bin: BinaryName | None = None
    module_use: list[ModuleDir] = Field(default_factory=list, max_length=32)
    modules: list[ModuleName] = Field(default_factory=list, max_length=64)
    # Exported as written (no `$VAR` expansion); a setup line can expand them.
    env: dict[EnvName, str] = Field(default_factory=dict, max_length=128)
    # Free shell text, run in the batch script after the modules and env; one line each.
    setup: list[str] = Field(default_factory=list, max_length=64)

    @field_validator("env")
    @classmethod
    def _env_values(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            _one_line(text, f"the value of {name}")
        return value

    @field_validator("setup")
    @classmethod
    def _setup_lines(cls, value: list[str]) -> list[str]:
        for line in value:
            _one_line(line, "a setup line")
            # Kept out of the scheduler's header: a `#SBATCH`/`#$`/`#PBS`/`#BSUB` line would
            # be read as a directive when a scheduler scans the script.
            if line.lstrip().startswith("#"):
                raise ValueError("a setup line may not start with # (schedulers read such lines)")
        return value

    @property
    def needs_probe(self) -> bool:
        """True when the binary can only be found after this setup has run."""
        return bool(self.modules or self.setup)


class EnginesSection(Section):
    """Per-engine setup; `module_use` here applies to every engine, before the engine's own."""

    module_use: list[ModuleDir] = Field(default_factory=list, max_length=32)
    lammps: EngineSetup | None = None
    gaussian: EngineSetup | None = None
    pyscf: EngineSetup | None = None
    xtb: EngineSetup | None = None

    @model_validator(mode="after")
    def _pyscf_has_no_binary(self) -> Self:
        if self.pyscf is not None and self.pyscf.bin is not None:
            raise ValueError("engines.pyscf.bin: PySCF runs in the worker's Python, it has no bin")
        return self


class WorkerSection(Section):
    name: WorkerName
    max_concurrent_jobs: int = Field(default=4, ge=1, le=10_000)
    heartbeat_interval: float = Field(default=60, gt=0, le=3600)
    # At most one progress report per running job this often (seconds), and only on news.
    progress_interval: float = Field(default=60, ge=0, le=3600)
    job_types: list[JobTypeName] = Field(default_factory=lambda: list(ALL_JOB_TYPES))
    # The cluster this worker serves: jobs that ask for a cluster go only to its workers.
    cluster: WorkerName | None = None


class PartitionLimits(Section):
    """Per-job maxima on one partition; an unset one falls back to the scheduler section's."""

    max_tasks: int | None = Field(default=None, ge=1)
    max_cpus_per_task: int | None = Field(default=None, ge=1)
    max_memory_mb: int | None = Field(default=None, ge=100)
    max_walltime_minutes: int | None = Field(default=None, ge=1)


class SchedulerSection(Section):
    type: Literal["slurm", "sge", "pbs", "lsf", "local"] = "slurm"
    partition: SlurmName | None = None
    # Further partitions this worker may submit to when a job asks for one of them.
    partitions: list[SlurmName] = Field(default_factory=list, max_length=32)
    account: SlurmName | None = None
    qos: SlurmName | None = None
    modules: list[ModuleName] = Field(default_factory=list)
    extra_directives: list[str] = Field(default_factory=list)
    # Per-job maxima on every partition (unset: this machine's CPUs and memory with the local
    # scheduler, else molyte.worker.limits.SLURM_DEFAULTS); `limits.<partition>` narrows or
    # widens them for one partition. A job above them fails RESOURCES_EXCEEDED unsubmitted.
    max_tasks: int | None = Field(default=None, ge=1)
    max_cpus_per_task: int | None = Field(default=None, ge=1)
    max_walltime_minutes: int | None = Field(default=None, ge=1)
    max_memory_mb: int | None = Field(default=None, ge=100)
    limits: dict[SlurmName, PartitionLimits] = Field(default_factory=dict, max_length=64)
    local_max_parallel: int = Field(default=2, ge=1)
    # Grid Engine: the parallel environment that grants a job its slots (`-pe NAME N`).
    parallel_environment: SlurmName = "smp"

    def limits_for(self, partition: str | None) -> Limits:
        """The per-job maxima for a job on `partition` (None: the default partition)."""
        base = machine_defaults() if self.type == "local" else SLURM_DEFAULTS
        own = self.limits.get(partition or self.partition or "", PartitionLimits())
        names = ("max_tasks", "max_cpus_per_task", "max_memory_mb", "max_walltime_minutes")
        values = [
            next(v for v in (getattr(own, n), getattr(self, n), d) if v is not None)
            for n, d in zip(names, base, strict=True)
        ]
        return Limits(*values)


class WorkerConfig(Section):
    api: ApiSection
    worker: WorkerSection
    cos: CosSection | None = None
    local: LocalSection = LocalSection()
    scheduler: SchedulerSection = SchedulerSection()
    engines: EnginesSection = EnginesSection()

    @model_validator(mode="after")
    def _secrets_from_env(self) -> Self:
        token = os.environ.get("MOLYTE_WORKER_TOKEN")
        if token:
            self.api.worker_token = token
        if not self.api.worker_token:
            raise ValueError("api.worker_token is missing (or set MOLYTE_WORKER_TOKEN)")
        sid, skey = os.environ.get("MOLYTE_COS_SECRET_ID"), os.environ.get("MOLYTE_COS_SECRET_KEY")
        if sid or skey:
            cos = self.cos or CosSection()
            self.cos = cos.model_copy(
                update={"secret_id": sid or cos.secret_id, "secret_key": skey or cos.secret_key}
            )
        return self

    @property
    def verify(self) -> bool | str:
        """What httpx's `verify` takes: a CA bundle path, or a bool."""
        if self.api.ca_bundle is not None:
            return str(self.api.ca_bundle.expanduser())
        return self.api.verify_ssl

    @property
    def partitions(self) -> list[str]:
        """The partitions this worker offers: the default one first, then the others."""
        s = self.scheduler
        return list(dict.fromkeys(([s.partition] if s.partition else []) + s.partitions))

    def engine_setup(self, engine: str) -> EngineSetup:
        """One engine's setup, merged: the flat `local.<engine>_bin` key gives the binary
        unless `engines.<engine>.bin` is set (that one wins); the section-wide `module_use`
        directories come before the engine's own, for engines that load modules."""
        own = getattr(self.engines, engine, None) if engine in ENGINE_NAMES else None
        own = own or EngineSetup()
        flat = getattr(self.local, f"{engine}_bin", None)
        shared = self.engines.module_use if own.modules else []
        use = [os.path.expanduser(d) for d in dict.fromkeys(shared + own.module_use)]
        binary = own.bin or flat
        if binary is not None and binary.startswith("~"):
            binary = os.path.expanduser(binary)
        return own.model_copy(update={"bin": binary, "module_use": use})

    def work_dir(self, job_type: str) -> Path:
        base = self.local.md_work_dir if job_type == "MD" else self.local.qc_work_dir
        return base.expanduser()


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if not re.fullmatch(r"function-after\[.*\]", str(p)))


def parse_config(data: object, source: str = "config") -> WorkerConfig:
    """Validate a parsed YAML document; errors name the key's path (e.g. `api.verify_ssl`)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping with api: and worker:")
    try:
        cfg = WorkerConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_path(e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None
    if not cfg.api.verify_ssl and cfg.api.ca_bundle is None:
        log.warning("api.verify_ssl is false: the server's TLS certificate is NOT checked")
    return cfg


def load_config(path: Path) -> WorkerConfig:
    """Read and validate the worker's YAML file."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    return parse_config(data, str(path))
