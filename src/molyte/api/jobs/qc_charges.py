"""The rule that lets an MD job take a QC job's ESP (or RESP) charges: at submission, each SMILES
solvent with `charges_from_job` gets that job's charges copied into `charges`, so the stored
spec is self-contained (a clone or rerun does not depend on the QC job still existing)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from molyte.api.auth.principal import Principal
from molyte.api.jobs import repository as repo
from molyte.api.projects.access import Need, authorize
from molyte.db.models import Job
from molyte.domain.charges import charges_for_species
from molyte.domain.md_spec import MDSpec, check_charges
from molyte.domain.states import JobState, JobType
from molyte.errors import NotFound, SpecInvalid


def _readable(db: Session, user: Principal, job: Job) -> bool:
    """The caller may read `job` (owner, admin or project member): the one access rule."""
    try:
        authorize(
            db, user, owner_id=job.owner_id, project_id=job.project_id, need=Need.READ, what="Job"
        )
    except NotFound:
        return False
    return True


def resolve_qc_charges(db: Session, user: Principal, spec: MDSpec) -> MDSpec:
    """Copy each `charges_from_job` QC job's RESP or ESP charges into its solvent's `charges` (atoms
    matched to the solvent's SMILES); 422 at `solvents.N.charges_from_job` saying why a job's
    charges do not fit. Solvents that already have charges are left as they are (a clone)."""
    solvents = spec.model_dump(mode="json")["solvents"]
    for number, solvent in enumerate(spec.solvents):
        if solvent.charges_from_job is None or solvent.charges is not None:
            continue
        assert solvent.smiles is not None
        job_id = solvent.charges_from_job
        source = repo.get(db, job_id)
        try:
            if source is None or not _readable(db, user, source):
                raise ValueError("no such job")
            if source.type != JobType.QC.value or source.state != JobState.COMPLETED.value:
                kind = f"{source.state} {source.type}"
                raise ValueError(f"it is a {kind} job, not a completed QC job")
            charges = charges_for_species(source.spec, source.summary, solvent.smiles)
            check_charges(solvent.smiles, charges)  # e.g. charges that do not add up
            solvents[number]["charges"] = charges
        except ValueError as exc:
            raise SpecInvalid(
                [
                    {
                        "loc": ["body", "spec", "solvents", number, "charges_from_job"],
                        "msg": f"job {job_id}: {exc}",
                        "type": "value_error",
                    }
                ]
            ) from exc
    return MDSpec.model_validate({**spec.model_dump(mode="json"), "solvents": solvents})
