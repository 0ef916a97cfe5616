"""Validate a job request's spec by job type."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from molyte.domain.md_spec import MDSpec
from molyte.domain.qc_spec import QCSpec
from molyte.domain.states import JobType

SPEC_MODELS: dict[JobType, type[BaseModel]] = {JobType.MD: MDSpec, JobType.QC: QCSpec}


def parse_spec(job_type: JobType, spec: dict[str, Any]) -> BaseModel:
    """Validate `spec` for `job_type`; raises pydantic's ValidationError naming each field."""
    return SPEC_MODELS[job_type].model_validate(spec)
