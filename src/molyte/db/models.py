"""SQLAlchemy 2 models. Every table has a stable naming convention for its constraints."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from molyte.domain.states import LEASED_STATES, JobState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Jobs that count against their owner's running limit: those a worker holds under a lease.
ACTIVE_STATES = tuple(s.value for s in JobState if s in LEASED_STATES)
ACTIVE_SQL = "state IN (" + ", ".join(f"'{s}'" for s in ACTIVE_STATES) + ")"


# Job columns searched by range (GET /jobs `<name>_min`/`_max`), each with its own index. A
# concentration range is always searched within one basis (GET /jobs `concentration_basis`),
# so its index leads with the basis.
RANGE_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ix_jobs_temperature", ("temperature",)),
    ("ix_jobs_concentration", ("concentration_basis", "concentration")),
    ("ix_jobs_density", ("density",)),
    ("ix_jobs_conductivity", ("conductivity",)),
    ("ix_jobs_energy", ("energy_hartree",)),
    ("ix_jobs_gap", ("gap_ev",)),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_storage_prefix() -> str:
    """A job's random storage prefix: 32 hex digits."""
    return secrets.token_hex(16)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # ADMIN | USER | WORKER
    # Where job notifications go; optional.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    max_priority: Mapped[int] = mapped_column(Integer, default=5)
    # Jobs this user may have leased at once; None: the server's default; 0: no limit.
    max_running_jobs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Submission quotas: jobs waiting at once, jobs submitted per minute; None: the server's
    # default; 0: no limit.
    max_pending_jobs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_submissions_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Bumped by every claim that hands out this user's jobs while a running limit applies: a
    # concurrent claim that read an older value knows its count of active jobs is stale.
    claim_seq: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerToken(Base):
    __tablename__ = "worker_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The one worker name this token may heartbeat and claim as: set at creation, or bound by
    # the token's first heartbeat or claim (tokens made before names were bound).
    worker_name: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    hostname: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[str] = mapped_column(String(64), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    job_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    engines: Mapped[list[str]] = mapped_column(JSON, default=list)
    partitions: Mapped[list[str]] = mapped_column(JSON, default=list)
    cluster: Mapped[str | None] = mapped_column(String(64), nullable=True)
    running: Mapped[int] = mapped_column(Integer, default=0)
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    last_heartbeat: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # PENDING jobs by priority, then age (the read-only pending list, and the claim's
        # fill-in walk): a partial index in exactly that order needs no sort.
        Index(
            "ix_jobs_claim",
            text("priority DESC"),
            "created_at",
            "id",
            postgresql_where=text("state = 'PENDING'"),
            sqlite_where=text("state = 'PENDING'"),
        ),
        # Fair share: each owner's PENDING jobs in claim order, and each owner's active jobs.
        Index(
            "ix_jobs_owner_pending",
            "owner_id",
            text("priority DESC"),
            "created_at",
            "id",
            postgresql_where=text("state = 'PENDING'"),
            sqlite_where=text("state = 'PENDING'"),
        ),
        Index(
            "ix_jobs_owner_active",
            "owner_id",
            postgresql_where=text(ACTIVE_SQL),
            sqlite_where=text(ACTIVE_SQL),
        ),
        # GET /jobs, newest first: everyone's (admins), a user's, and by state. `id` is the
        # tie-breaker of the order and lets a page's keys come from the index alone.
        Index("ix_jobs_created", "created_at", "id"),
        Index("ix_jobs_owner_created", "owner_id", "created_at", "id"),
        Index("ix_jobs_state_created", "state", "created_at", "id"),
        # PostgreSQL also has ix_jobs_name_trgm, a trigram GIN index on name for the search,
        # made by migration 0005 only where the pg_trgm extension can be installed.
        # The sweeper: leases that ran out.
        Index("ix_jobs_lease_expires", "lease_expires_at"),
        # Search by project, study, chemistry and result (GET /jobs filters, issue 16): the
        # columns below are copied out of the spec at submission and out of the summary at
        # result registration (molyte.domain.search_keys).
        Index("ix_jobs_project_created", "project_id", "created_at", "id"),
        Index("ix_jobs_study", "study_id", "id"),
        Index("ix_jobs_engine_created", "engine", "created_at", "id"),
        Index("ix_jobs_method_basis", "method", "basis"),
        # The range indexes carry the visibility columns (PostgreSQL INCLUDE), so the count of a
        # user's matching jobs is an index-only scan instead of a visit to every matching row.
        *(
            Index(name, *columns, postgresql_include=["owner_id", "project_id"])
            for name, columns in RANGE_INDEXES
        ),
        Index("ix_jobs_finished", "finished_at"),
        # SQLite would otherwise hand a deleted job's id to the next job, and with it the
        # deleted job's links (issue 13); PostgreSQL's sequences never go back.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    type: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The job's engine route (`molyte.domain.engines`): the engines that may run it.
    engine: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Routing: the job runs only on a worker of this cluster / that offers this partition.
    partition: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cluster: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="PENDING")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who holds the lease (the claiming principal's actor): only it may report, upload or
    # register results under the lease token.
    lease_holder: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A random segment of every object key and result link of this job, so that nothing
    # stored or signed for one job can ever name another (storage/keys.py).
    storage_prefix: Mapped[str] = mapped_column(String(32), default=new_storage_prefix)
    scheduler_job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)  # 0-1 (JSON: 0-100)
    # While it runs: where the program is ("npt: step 1500 of 2000") and the seconds left
    # estimated at the time of the last progress report (the live data's `updated_at`).
    stage: Mapped[str | None] = mapped_column(String(200), nullable=True)
    eta_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    log_tail: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    study_id: Mapped[int | None] = mapped_column(
        ForeignKey("studies.id", ondelete="SET NULL"), nullable=True
    )
    # This job's point of its study: {dotted spec path: value}.
    study_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Search keys from the spec (K; salt concentrations summed, per the spec's
    # concentration_basis: "solvent" (mol/L), "solution" (mol/L) or "molal" (mol/kg), null
    # without salts; QC method and basis) ...
    temperature: Mapped[float | None] = mapped_column(Float, nullable=True)
    concentration: Mapped[float | None] = mapped_column(Float, nullable=True)
    concentration_basis: Mapped[str | None] = mapped_column(String(16), nullable=True)
    method: Mapped[str | None] = mapped_column(String(64), nullable=True)
    basis: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # ... and from the result summary (g/cm^3, S/m, hartree, eV; core-hours for accounting).
    density: Mapped[float | None] = mapped_column(Float, nullable=True)
    conductivity: Mapped[float | None] = mapped_column(Float, nullable=True)
    energy_hartree: Mapped[float | None] = mapped_column(Float, nullable=True)
    gap_ev: Mapped[float | None] = mapped_column(Float, nullable=True)
    core_hours: Mapped[float | None] = mapped_column(Float, nullable=True)

    owner: Mapped[User] = relationship(lazy="joined")
    events: Mapped[list[JobEvent]] = relationship(
        order_by="JobEvent.id", cascade="all, delete-orphan", lazy="raise"
    )
    files: Mapped[list[ResultFile]] = relationship(
        order_by="ResultFile.name", cascade="all, delete-orphan", lazy="raise"
    )


class JobEvent(Base):
    __tablename__ = "job_events"
    __table_args__ = (Index("ix_job_events_job", "job_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)


class ResultFile(Base):
    __tablename__ = "result_files"
    __table_args__ = (UniqueConstraint("job_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobSpecies(Base):
    """The salts and solvents of an MD job (one row each), for the search by chemistry."""

    __tablename__ = "job_species"
    __table_args__ = (Index("ix_job_species_name", "kind", "name", "job_id"),)

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # salt | solvent
    name: Mapped[str] = mapped_column(String(300), primary_key=True)  # library name or SMILES


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (Index("ix_project_members_user", "user_id", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # viewer | member | owner

    user: Mapped[User] = relationship(lazy="joined")


class Study(Base):
    """A parameter sweep: one job per point of the Cartesian product of `variables`."""

    __tablename__ = "studies"
    __table_args__ = (
        Index("ix_studies_owner", "owner_id", "id"),
        Index("ix_studies_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(8))
    # {dotted spec path: [values]}, in the order given (the CSV's column order).
    variables: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")


class JobLive(Base):
    """The latest live numbers of a running job (one row per job, replaced by each report and
    dropped once its results are registered): thermo rows of MD, SCF energies of QC."""

    __tablename__ = "job_live"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    columns: Mapped[list[str]] = mapped_column(JSON)
    rows: Mapped[list[list[float | None]]] = mapped_column(JSON)
