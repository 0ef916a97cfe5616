"""`/api/v1/jobs`: thin handlers; rules live in `service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from molyte.api.deps import DB, MAX_ID, Ctx, CurrentUser, JobId
from molyte.api.jobs import repository as jobs_repo
from molyte.api.jobs import service
from molyte.api.jobs.preview import Previews
from molyte.api.jobs.repository import JobFilters
from molyte.api.jobs.results import links
from molyte.api.jobs.schemas import (
    CloneIn,
    FileOut,
    JobCreate,
    JobList,
    JobOut,
    LiveOut,
    ResultsOut,
    ValidationOut,
    job_out,
    live_out,
)
from molyte.api.ops.metrics import Metrics
from molyte.api.workers.notify import JobNotifier
from molyte.domain.md_spec import ConcentrationBasis
from molyte.domain.states import JobState, JobType

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.post("", status_code=status.HTTP_201_CREATED)
def submit(body: JobCreate, user: CurrentUser, db: DB, ctx: Ctx) -> JobOut:
    """Submit a job; answered 201 only once it is committed; 429 beyond the user's quotas."""
    job, first_event = service.submit(db, ctx.settings, user, body)
    ctx.feature(JobNotifier).notify_on_commit(db, job.type)
    ctx.feature(Metrics).jobs_submitted.labels(job.type).inc()
    return job_out(job, [first_event])


@router.post("/validate")
def validate(body: JobCreate, user: CurrentUser, ctx: Ctx) -> ValidationOut:
    """Check a job request without storing it; returns a preview of what it would build.
    Rate-limited per user (429); a request already previewed is answered from a cache."""
    return ValidationOut(ok=True, preview=service.preview(ctx.feature(Previews), user, body))


# No control characters: PostgreSQL refuses a NUL in a text parameter (a 500, not a 422).
Word = Annotated[str | None, Query(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f\x7f]+$")]
Bound = Annotated[float | None, Query(allow_inf_nan=False)]
Id = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("")
def list_jobs(
    user: CurrentUser,
    db: DB,
    state: JobState | None = None,
    type: JobType | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    salt: Word = None,
    solvent: Word = None,
    engine: Word = None,
    method: Word = None,
    basis: Word = None,
    project_id: Id = None,
    study_id: Id = None,
    temperature_min: Bound = None,
    temperature_max: Bound = None,
    concentration_min: Bound = None,
    concentration_max: Bound = None,
    concentration_basis: ConcentrationBasis | None = None,
    density_min: Bound = None,
    density_max: Bound = None,
    conductivity_min: Bound = None,
    conductivity_max: Bound = None,
    energy_min: Bound = None,
    energy_max: Bound = None,
    gap_min: Bound = None,
    gap_max: Bound = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JobList:
    """Own and projects' jobs (admins: all), newest first; filters by chemistry (salt, solvent,
    engine, method, basis), by temperature (K) and total salt concentration ranges, by
    project and study, and by result ranges: density (g/cm^3), conductivity (S/m), energy
    (hartree), gap (eV). Ranges include their ends.

    `concentration_basis` keeps the MD jobs whose salt concentrations count in that basis; the
    concentration range is in it (mol/L of solvent, mol/L of solution, mol/kg), and in
    "solvent" (mol/L of solvent mixture) when the query names none: what the range meant
    before jobs had other bases, and a number in one basis is not one in another."""
    bounds = {
        "temperature": (temperature_min, temperature_max),
        "concentration": (concentration_min, concentration_max),
        "density": (density_min, density_max),
        "conductivity": (conductivity_min, conductivity_max),
        "energy": (energy_min, energy_max),
        "gap": (gap_min, gap_max),
    }
    if concentration_basis is None and (concentration_min, concentration_max) != (None, None):
        concentration_basis = ConcentrationBasis.SOLVENT
    filters = JobFilters(
        state=state.value if state else None,
        job_type=type.value if type else None,
        q=q,
        engine=engine,
        method=method,
        basis=basis,
        salt=salt,
        solvent=solvent,
        concentration_basis=concentration_basis.value if concentration_basis else None,
        project_id=project_id,
        study_id=study_id,
        ranges=tuple((k, lo, hi) for k, (lo, hi) in bounds.items() if (lo, hi) != (None, None)),
    )
    rows, total = service.list_jobs(db, user, filters, limit=limit, offset=offset)
    return JobList(items=[job_out(j) for j in rows], total=total)


@router.get("/{job_id}")
def get_job(job_id: JobId, user: CurrentUser, db: DB) -> JobOut:
    job, events = service.get_with_events(db, user, job_id)
    return job_out(job, events)


@router.post("/{job_id}/clone", status_code=status.HTTP_201_CREATED)
def clone(job_id: JobId, body: CloneIn, user: CurrentUser, db: DB, ctx: Ctx) -> JobOut:
    """Submit a job's request again, optionally with `spec_changes`; 201 once committed."""
    job, first_event = service.clone(db, ctx.settings, user, job_id, body)
    ctx.feature(JobNotifier).notify_on_commit(db, job.type)
    ctx.feature(Metrics).jobs_submitted.labels(job.type).inc()
    return job_out(job, [first_event])


@router.post("/{job_id}/cancel")
def cancel(job_id: JobId, user: CurrentUser, db: DB) -> JobOut:
    job = service.cancel(db, user, job_id)
    return job_out(job, jobs_repo.events(db, job.id))


@router.delete("/{job_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(job_id: JobId, user: CurrentUser, db: DB, ctx: Ctx) -> Response:
    service.delete(db, ctx, user, job_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{job_id}/live")
def live(job_id: JobId, user: CurrentUser, db: DB) -> LiveOut:
    """Progress, stage, time left and the latest numbers of a running job."""
    job, row = service.live(db, user, job_id)
    return live_out(job, row)


@router.get("/{job_id}/results")
def results(job_id: JobId, user: CurrentUser, db: DB, ctx: Ctx) -> ResultsOut:
    job, files = service.results(db, user, job_id)
    linked = links(ctx, job, files)
    return ResultsOut(
        files=[FileOut(**f) for f in linked["files"]],
        summary=job.summary,
        zip_url=linked["zip_url"] if files else None,
    )
