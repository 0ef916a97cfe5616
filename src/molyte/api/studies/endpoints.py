"""`/api/v1/studies`: thin handlers; rules live in `service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from molyte.api.deps import DB, MAX_ID, Ctx, CurrentUser
from molyte.api.ops.metrics import Metrics
from molyte.api.studies import service
from molyte.api.studies.schemas import StudyCreate, StudyCreated, StudyList, StudyOut, StudyRow
from molyte.api.workers.notify import JobNotifier
from molyte.db.models import Study
from molyte.domain.md_spec import ConcentrationBasis
from molyte.domain.states import JobType

router = APIRouter(prefix="/studies", tags=["studies"])
StudyId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _out(
    study: Study,
    states: dict[str, int],
    basis: str | None,
    rows: list[StudyRow] | None = None,
) -> StudyOut:
    return StudyOut(
        id=study.id,
        name=study.name,
        type=JobType(study.type),
        owner=study.owner.username,
        project_id=study.project_id,
        created_at=study.created_at,
        variables=study.variables,
        states=states,
        concentration_basis=ConcentrationBasis(basis) if basis else None,
        rows=rows or [],
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: StudyCreate, user: CurrentUser, db: DB, ctx: Ctx) -> StudyCreated:
    """One job per point of the Cartesian product of `vary`; 422 (nothing stored) if any fails."""
    study, jobs = service.create(db, ctx, user, body)
    ctx.feature(JobNotifier).notify_on_commit(db, study.type)
    ctx.feature(Metrics).jobs_submitted.labels(study.type).inc(len(jobs))
    return StudyCreated(id=study.id, name=study.name, jobs=[j.id for j in jobs])


@router.get("")
def list_studies(
    user: CurrentUser,
    db: DB,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> StudyList:
    """Own and projects' studies (admins: all), newest first, with their jobs' state counts."""
    studies, total, states, bases = service.list_studies(db, user, limit=limit, offset=offset)
    return StudyList(items=[_out(s, states[s.id], bases[s.id]) for s in studies], total=total)


@router.get("/{study_id}")
def get_study(study_id: StudyId, user: CurrentUser, db: DB) -> StudyOut:
    study = service.visible(db, user, study_id)
    basis = service.concentration_basis(db, study)
    return _out(study, service.states(db, study), basis, service.rows(db, study))


@router.get("/{study_id}/table.csv")
def table_csv(study_id: StudyId, user: CurrentUser, db: DB) -> Response:
    study = service.visible(db, user, study_id)
    body = service.table_csv(study, service.rows(db, study))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="study-{study.id}.csv"'},
    )


@router.post("/{study_id}/cancel")
def cancel(study_id: StudyId, user: CurrentUser, db: DB) -> StudyOut:
    study = service.cancel(db, user, study_id)
    db.flush()
    basis = service.concentration_basis(db, study)
    return _out(study, service.states(db, study), basis, service.rows(db, study))


@router.delete("/{study_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(study_id: StudyId, user: CurrentUser, db: DB, ctx: Ctx) -> Response:
    service.delete(db, ctx, user, study_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
