"""Bodies of the study API (docs/architecture.md, "Studies, projects and search")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from molyte.api.jobs.schemas import PRIORITY_MAX, PRIORITY_MIN
from molyte.domain.common import JobName, RouteName
from molyte.domain.md_spec import ConcentrationBasis
from molyte.domain.states import JobState, JobType

MAX_VARIABLES = 10
MAX_VALUES = 1000


class StudyBase(BaseModel):
    """The job request every point starts from (a job request without its name)."""

    model_config = ConfigDict(extra="forbid")

    type: JobType | None = None  # if given, equal to the study's type
    priority: int = Field(default=0, ge=PRIORITY_MIN, le=PRIORITY_MAX)
    cluster: RouteName | None = None
    partition: RouteName | None = None
    spec: dict[str, Any]


class StudyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: JobName
    type: JobType
    base: StudyBase
    # {dotted spec path: [values]}: one job per combination, paths in this order.
    vary: dict[str, list[Any]] = Field(min_length=1, max_length=MAX_VARIABLES)
    project_id: int | None = Field(default=None, ge=1, le=2_147_483_647)


class StudyCreated(BaseModel):
    id: int
    name: str
    jobs: list[int]


class StudyRow(BaseModel):
    job_id: int
    name: str
    state: JobState
    values: dict[str, Any]
    # Key results of a COMPLETED job (see molyte.domain.search_keys.key_results); else empty.
    results: dict[str, float | None]


class StudyOut(BaseModel):
    id: int
    name: str
    type: JobType
    owner: str
    project_id: int | None
    created_at: datetime
    variables: dict[str, list[Any]]
    states: dict[str, int]
    # What the jobs' salt concentrations count per, so that a varied concentration is shown in
    # its unit: solvent or solution (mol/L), molal (mol/kg); null without salts or when the
    # jobs differ (a study that varies concentration_basis).
    concentration_basis: ConcentrationBasis | None = None
    rows: list[StudyRow] = Field(default_factory=list)


class StudyList(BaseModel):
    items: list[StudyOut]
    total: int
