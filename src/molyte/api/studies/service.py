"""Rules for studies: every point is validated like `POST /jobs` before anything is stored, so
a bad path or value creates nothing; a study is read, cancelled and deleted as its jobs are."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from molyte.api.auth.principal import Principal
from molyte.api.context import AppContext
from molyte.api.jobs import repository as jobs_repo
from molyte.api.jobs import service as jobs_service
from molyte.api.jobs.lifecycle import move
from molyte.api.jobs.schemas import JobCreate
from molyte.api.projects.access import Need, authorize, readable_projects
from molyte.api.studies import repository as repo
from molyte.api.studies.schemas import MAX_VALUES, StudyCreate, StudyRow
from molyte.db.models import Job, Study
from molyte.domain.common import NAME_MAX, full_dump
from molyte.domain.search_keys import key_results
from molyte.domain.spec_paths import PathNotFound, set_path
from molyte.domain.specs import parse_spec
from molyte.domain.states import JobState, JobType
from molyte.errors import Conflict, InvalidInput, NotFound, SpecInvalid


def _refuse(path: str, value: Any, msg: str) -> SpecInvalid:
    """A 422 naming the varied path and the value."""
    shown = json.dumps(value)
    return SpecInvalid(
        [{"loc": ["body", "vary", path], "msg": f"{path} = {shown}: {msg}", "type": "value_error"}]
    )


def _first_message(exc: ValidationError) -> str:
    err = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def points(
    job_type: JobType, base_spec: dict[str, Any], vary: dict[str, list[Any]], cap: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every point as `(values, spec)`, each spec validated as `POST /jobs` validates it.

    Each value is first tried alone on the base spec, so a refused value is named with its own
    path; a combination that only fails together names all of its values.
    """
    for path, values in vary.items():
        if not values:
            raise InvalidInput(f"vary.{path}: give at least one value")
        if len(values) > MAX_VALUES:
            raise InvalidInput(f"vary.{path}: at most {MAX_VALUES} values")
    count = math.prod(len(v) for v in vary.values())
    if count > cap:
        raise InvalidInput(f"This study has {count} points; a study may have at most {cap}")
    for path, values in vary.items():
        for value in values:
            try:
                parse_spec(job_type, set_path(base_spec, path, value))
            except PathNotFound as exc:
                raise _refuse(path, value, str(exc)) from exc
            except ValidationError as exc:
                raise _refuse(path, value, _first_message(exc)) from exc
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    paths = list(vary)
    for combo in itertools.product(*(vary[p] for p in paths)):
        point = dict(zip(paths, combo, strict=True))
        spec = base_spec
        for path, value in point.items():
            spec = set_path(spec, path, value)
        try:
            parse_spec(job_type, spec)
        except ValidationError as exc:
            together = ", ".join(f"{p} = {json.dumps(v)}" for p, v in point.items())
            raise SpecInvalid(
                [
                    {
                        "loc": ["body", "vary", *paths],
                        "msg": f"{together}: {_first_message(exc)}",
                        "type": "value_error",
                    }
                ]
            ) from exc
        out.append((point, spec))
    return out


def create(
    db: Session, ctx: AppContext, user: Principal, body: StudyCreate
) -> tuple[Study, list[Job]]:
    """Store the study and one PENDING job per point, or nothing (422) if any point fails."""
    if body.base.type is not None and body.base.type is not body.type:
        raise InvalidInput(
            f"base.type is {body.base.type.value} but the study is {body.type.value}"
        )
    if body.project_id is not None:
        jobs_service.check_project(db, user, body.project_id)
    template = JobCreate(
        type=body.type,
        name=body.name,
        priority=body.base.priority,
        cluster=body.base.cluster,
        partition=body.base.partition,
        project_id=body.project_id,
        spec=body.base.spec,
    )
    try:
        # every field, so that `vary` may name one left out of stored specs at its default
        base = full_dump(jobs_service.validate_spec(template))
    except SpecInvalid as exc:
        raise SpecInvalid(
            [{**e, "loc": ["body", "base", *list(e["loc"])[1:]]} for e in exc.errors]  # type: ignore[call-overload]
        ) from exc
    planned = points(body.type, base, body.vary, ctx.settings.max_study_points)
    assert user.user_id is not None
    owner = jobs_repo.owner_for_submit(db, user.user_id)
    if owner is None:
        raise NotFound("User not found")
    jobs_service.check_quotas(db, ctx.settings, owner, datetime.now(UTC), jobs=len(planned))
    study = Study(
        owner_id=user.user_id,
        project_id=body.project_id,
        name=body.name,
        type=body.type.value,
        variables=body.vary,
    )
    repo.add(db, study)
    db.flush()
    jobs = []
    for i, (values, spec) in enumerate(planned, start=1):
        request = replace_request(template, _point_name(body.name, i, len(planned)), spec)
        job, _event = jobs_service.submit(
            db,
            ctx.settings,
            user,
            request,
            study_id=study.id,
            study_values=values,
            quotas_checked=True,
        )
        jobs.append(job)
    return study, jobs


def replace_request(template: JobCreate, name: str, spec: dict[str, Any]) -> JobCreate:
    return template.model_copy(update={"name": name, "spec": spec})


def _point_name(name: str, i: int, n: int) -> str:
    suffix = f" ({i} of {n})"
    return name[: NAME_MAX - len(suffix)].rstrip() + suffix


def visible(db: Session, user: Principal, study_id: int, need: Need = Need.READ) -> Study:
    """The study if the caller may see it (and do `need`); 404 like a missing one otherwise."""
    study = repo.get(db, study_id)
    if study is None:
        raise NotFound("Study not found")
    authorize(
        db, user, owner_id=study.owner_id, project_id=study.project_id, need=need, what="Study"
    )
    return study


def rows(db: Session, study: Study) -> list[StudyRow]:
    """One row per job: its point's values, state and (once COMPLETED) key results."""
    return [
        StudyRow(
            job_id=job.id,
            name=job.name,
            state=JobState(job.state),
            values=job.study_values or {},
            results=(
                key_results(job.type, job.summary) if job.state == JobState.COMPLETED.value else {}
            ),
        )
        for job in repo.jobs(db, study.id)
    ]


def list_studies(
    db: Session, user: Principal, *, limit: int, offset: int
) -> tuple[list[Study], int, dict[int, dict[str, int]], dict[int, str | None]]:
    """A page of the studies the caller may see, their total, and each one's job states and
    concentration basis."""
    projects = readable_projects(db, user)
    owner_id = None if projects is None else user.user_id
    studies, total = repo.list_studies(db, owner_id, projects or [], limit=limit, offset=offset)
    ids = [s.id for s in studies]
    return studies, total, repo.states(db, ids), repo.concentration_bases(db, ids)


def concentration_basis(db: Session, study: Study) -> str | None:
    return repo.concentration_bases(db, [study.id])[study.id]


def states(db: Session, study: Study) -> dict[str, int]:
    return repo.states(db, [study.id])[study.id]


def table_csv(study: Study, table: list[StudyRow]) -> str:
    """The study as CSV: job, name, state, one column per variable, then the result columns."""
    result_columns = list(dict.fromkeys(k for row in table for k in row.results))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["job_id", "name", "state", *study.variables, *result_columns])
    for row in table:
        values = [_cell(row.values.get(path)) for path in study.variables]
        results = [_cell(row.results.get(key)) for key in result_columns]
        writer.writerow([row.job_id, _cell(row.name), row.state.value, *values, *results])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value)
    # A cell a spreadsheet would run as a formula gets a leading quote.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and isinstance(value, str) else text


def cancel(db: Session, user: Principal, study_id: int) -> Study:
    """Cancel every job of the study that has not finished."""
    study = visible(db, user, study_id, Need.MANAGE)
    for job in repo.jobs(db, study.id, for_update=True):
        if not JobState(job.state).terminal:
            move(db, job, JobState.CANCELLED, actor=user.actor, message="study cancelled")
            job.failure_reason = None
    return study


def delete(db: Session, ctx: AppContext, user: Principal, study_id: int) -> None:
    """Delete the study, its jobs and their result objects (all jobs must have finished)."""
    study = visible(db, user, study_id, Need.MANAGE)
    jobs = repo.jobs(db, study.id, for_update=True)
    running = [j.id for j in jobs if not JobState(j.state).terminal]
    if running:
        raise Conflict(f"{len(running)} jobs of this study have not finished; cancel it first")
    for job in jobs:
        ctx.store.delete_prefix(f"results/{job.id}/")
        jobs_repo.delete_job(db, job)
    repo.delete(db, study)
