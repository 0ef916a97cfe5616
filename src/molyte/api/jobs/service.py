"""Rules for users' jobs: who sees what, submission, cancellation, deletion, results."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from molyte.api.auth.principal import Principal
from molyte.api.context import AppContext
from molyte.api.jobs import lifecycle
from molyte.api.jobs import repository as repo
from molyte.api.jobs.lifecycle import move
from molyte.api.jobs.preview import Previews, content_key
from molyte.api.jobs.qc_charges import resolve_qc_charges
from molyte.api.jobs.schemas import CloneIn, JobCreate
from molyte.api.projects import repository as projects_repo
from molyte.api.projects.access import Need, authorize, readable_projects
from molyte.config import ServerSettings
from molyte.db.models import Job, JobEvent, JobLive, ResultFile, User
from molyte.domain.common import NAME_MAX, full_dump
from molyte.domain.engines import engine_route
from molyte.domain.md_spec import ConcentrationBasis, MDSpec
from molyte.domain.qc_spec import QCSpec
from molyte.domain.search_keys import spec_keys
from molyte.domain.spec_paths import PathNotFound, set_path
from molyte.domain.specs import parse_spec
from molyte.domain.states import JobState, JobType
from molyte.errors import Conflict, Forbidden, NotFound, SpecInvalid, TooManyRequests
from molyte.storage.keys import job_prefix

PENDING_RETRY_SECONDS = 60  # a suggestion: waiting jobs start at the cluster's pace
log = logging.getLogger(__name__)


def validate_spec(body: JobCreate) -> BaseModel:
    """The typed spec; 422 naming each bad field (`loc` starts with body, spec)."""
    try:
        spec = parse_spec(body.type, body.spec)
    except ValidationError as exc:
        errors: list[dict[str, object]] = [
            {"loc": ["body", "spec", *err["loc"]], "msg": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise SpecInvalid(errors) from exc
    # Only a per-litre-of-solution spec needs the ions' volumes (and RDKit) to be judged.
    if isinstance(spec, MDSpec) and spec.concentration_basis is ConcentrationBasis.SOLUTION:
        from molyte.engines.md.composition import solution_limit_problem

        problem = solution_limit_problem(spec)
        if problem is not None:
            where: list[object] = (
                ["salts", 0, "concentration"] if len(spec.salts) == 1 else ["salts"]
            )
            raise SpecInvalid(
                [{"loc": ["body", "spec", *where], "msg": problem, "type": "value_error"}]
            )
    return spec


def check_quotas(
    db: Session, settings: ServerSettings, owner: User, now: datetime, jobs: int = 1
) -> None:
    """429 when the owner has as many jobs waiting, or has submitted as many in the last
    minute, as their account may; the message names the limit and when to try again.

    A study asks once for all its `jobs`: they all count against `max_pending_jobs`, and the
    study counts as one submission against the per-minute rate (it is one request).
    """
    pending_limit = owner.max_pending_jobs
    if pending_limit is None:
        pending_limit = settings.default_max_pending_jobs
    if pending_limit:
        waiting = repo.count_pending(db, owner.id, pending_limit)
        if waiting + jobs > pending_limit:
            study = f" and this study has {jobs}" if jobs > 1 else ""
            raise TooManyRequests(
                f"You have {waiting} jobs waiting{study}; your account may have at most "
                f"{pending_limit} (max_pending_jobs): submit more once some have started, "
                "or cancel some",
                retry_after=PENDING_RETRY_SECONDS,
            )
    per_minute = owner.max_submissions_per_minute
    if per_minute is None:
        per_minute = settings.default_max_submissions_per_minute
    if per_minute:
        window = timedelta(seconds=60)
        nth = repo.nth_latest_submission(db, owner.id, per_minute, now - window)
        if nth is not None:
            wait = max(1, math.ceil((nth + window - now).total_seconds()))
            raise TooManyRequests(
                f"You have submitted {per_minute} jobs in the last minute, the most your "
                f"account may (max_submissions_per_minute); try again in {wait} s",
                retry_after=wait,
            )


def submit(
    db: Session,
    settings: ServerSettings,
    user: Principal,
    body: JobCreate,
    *,
    study_id: int | None = None,
    study_values: dict[str, Any] | None = None,
    quotas_checked: bool = False,
) -> tuple[Job, JobEvent]:
    """Store a new PENDING job with its first event (both returned). A study checks the
    quotas once for all its jobs and passes `quotas_checked`."""
    spec = validate_spec(body)
    if isinstance(spec, MDSpec):
        spec = resolve_qc_charges(db, user, spec)
    if body.project_id is not None:
        check_project(db, user, body.project_id)
    assert user.user_id is not None
    owner = repo.owner_for_submit(db, user.user_id)
    if owner is None:
        raise NotFound("User not found")
    if body.priority > owner.max_priority and not user.is_admin:
        raise Forbidden(f"Your highest allowed priority is {owner.max_priority}")
    now = datetime.now(UTC)
    if not quotas_checked:
        check_quotas(db, settings, owner, now)
    stored_spec = spec.model_dump(mode="json", exclude_unset=False)
    keys = spec_keys(body.type.value, stored_spec)
    job = Job(
        owner_id=user.user_id,
        type=body.type.value,
        name=body.name,
        spec=stored_spec,
        engine=engine_route(spec),  # the claim hands it only to a worker with one
        project_id=body.project_id,
        study_id=study_id,
        study_values=study_values,
        **keys.columns(),
        partition=body.partition,
        cluster=body.cluster,
        state=lifecycle.SUBMIT.target.value,
        priority=body.priority,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    repo.add(db, job)
    db.flush()
    repo.set_species(db, job.id, keys.species)
    event = lifecycle.submitted(db, job, actor=user.actor, now=now)
    log.info("job submitted", extra={"job_id": job.id, "action": "submit"})
    return job, event


def check_project(db: Session, user: Principal, project_id: int) -> None:
    """The caller may submit to the project (member, owner, admin); 404 or 403 otherwise."""
    if projects_repo.get(db, project_id) is None:
        raise NotFound("Project not found")
    authorize(db, user, owner_id=None, project_id=project_id, need=Need.SUBMIT, what="Project")


def visible_job(
    db: Session,
    user: Principal,
    job_id: int,
    *,
    for_update: bool = False,
    need: Need = Need.READ,
) -> Job:
    """The job if the caller may see it (and do `need`); a job the caller may not see is 404,
    like a missing one."""
    job = repo.get(db, job_id, for_update=for_update)
    if job is None:
        raise NotFound("Job not found")
    authorize(db, user, owner_id=job.owner_id, project_id=job.project_id, need=need, what="Job")
    return job


def list_jobs(
    db: Session, user: Principal, filters: repo.JobFilters, *, limit: int, offset: int
) -> tuple[list[Job], int]:
    """A page of the jobs the caller may see (own and its projects'; admins: all)."""
    projects = readable_projects(db, user)
    if projects is not None:
        filters = replace(filters, owner_id=user.user_id, project_ids=projects)
    rows, total = repo.list_jobs(db, filters, limit=limit, offset=offset)
    return list(rows), total


def clone(
    db: Session, settings: ServerSettings, user: Principal, job_id: int, body: CloneIn
) -> tuple[Job, JobEvent]:
    """Submit a job's request again (in its project), with `spec_changes` applied."""
    source = visible_job(db, user, job_id)
    owner = repo.owner_for_submit(db, user.user_id or 0)
    max_priority = owner.max_priority if owner is not None else 0
    spec = addressable_spec(JobType(source.type), source.spec)
    for path, value in body.spec_changes.items():
        try:
            spec = set_path(spec, path, value)
        except PathNotFound as exc:
            raise SpecInvalid(
                [{"loc": ["body", "spec_changes", path], "msg": str(exc), "type": "path"}]
            ) from exc
    request = JobCreate(
        type=JobType(source.type),
        name=body.name or copy_name(source.name),
        priority=min(source.priority, max_priority) if not user.is_admin else source.priority,
        cluster=source.cluster,
        partition=source.partition,
        project_id=source.project_id,
        spec=spec,
    )
    return submit(db, settings, user, request)


def addressable_spec(job_type: JobType, stored: dict[str, Any]) -> dict[str, Any]:
    """A stored spec with every field, so that `spec_changes` may name one the stored form
    leaves out at its default (`concentration_basis`, `stages.compress_ps`, ...). A spec that
    no longer validates (a library name since removed) is taken as stored: the changes may be
    what mends it, and submission checks the result."""
    try:
        return full_dump(parse_spec(job_type, stored))
    except ValidationError:
        return dict(stored)


def copy_name(name: str) -> str:
    """`name (copy)`, shortened to fit the name's length limit."""
    suffix = " (copy)"
    return name[: NAME_MAX - len(suffix)].rstrip() + suffix


def get_with_events(db: Session, user: Principal, job_id: int) -> tuple[Job, list[JobEvent]]:
    job = visible_job(db, user, job_id)
    return job, repo.events(db, job.id)


def cancel(db: Session, user: Principal, job_id: int) -> Job:
    """Cancel at once; a worker holding the job learns it from its next heartbeat."""
    job = visible_job(db, user, job_id, for_update=True, need=Need.MANAGE)
    if JobState(job.state).terminal:
        raise Conflict(f"Job is already {job.state}")
    move(db, job, JobState.CANCELLED, actor=user.actor, message="cancelled by user")
    job.failure_reason = None
    return job


def delete(db: Session, ctx: AppContext, user: Principal, job_id: int) -> None:
    """Delete a finished job with its result objects."""
    job = visible_job(db, user, job_id, for_update=True, need=Need.MANAGE)
    if not JobState(job.state).terminal:
        raise Conflict("Only finished jobs can be deleted; cancel it first")
    ctx.store.delete_prefix(job_prefix(job.id))
    repo.delete_job(db, job)


def live(db: Session, user: Principal, job_id: int) -> tuple[Job, JobLive | None]:
    """A job the caller may see, with its latest live numbers (none once results are in)."""
    job = visible_job(db, user, job_id)
    return job, repo.live(db, job.id)


def results(db: Session, user: Principal, job_id: int) -> tuple[Job, list[ResultFile]]:
    job = visible_job(db, user, job_id)
    return job, repo.files(db, job.id)


def preview(previews: Previews, user: Principal, body: JobCreate) -> dict[str, Any]:
    """What the job would contain, for the form's summary before submitting; the same
    request again comes from the cache, a new one counts against the user's budget."""
    key = content_key(body.type.value, body.spec)
    return previews.get_or_build(user.name, key, lambda: build_preview(body))


def build_preview(body: JobCreate) -> dict[str, Any]:
    """The preview of a job request (validated first)."""
    spec = validate_spec(body)
    if isinstance(spec, MDSpec):
        from molyte.engines.md.composition import preview as md_preview

        return dict(md_preview(spec))
    assert isinstance(spec, QCSpec)
    from molyte.engines.qc.preview import preview as qc_preview

    return dict(qc_preview(spec))
