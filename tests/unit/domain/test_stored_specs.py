"""Stored specs (the worker's copy) name only the fields the first workers know unless a job uses
a newer one: a worker refuses a spec with a field it does not know, even a null one. And the
full form (`full_dump`) gives every field a dotted path, as studies and clones need."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from molyte.domain.common import full_dump
from molyte.domain.md_spec import MDSpec
from molyte.domain.qc_spec import QCSpec
from molyte.domain.spec_paths import set_path

# The fields of the spec models of the first release with workers (commit b5e3951), by model.
FIRST_MD = {
    "salts", "solvents", "ratio_type", "salt_pairs", "box_length", "temperature", "pressure",
    "timestep", "preset", "stages", "ion_charge_scale", "thermo_interval", "dump_interval",
    "restart_interval", "cutoff", "seed", "resources",
}  # fmt: skip
FIRST_SALT = {"name", "concentration"}
FIRST_SOLVENT = {"name", "smiles", "ratio", "density"}
FIRST_STAGES = {"minimize", "npt_ps", "anneal_ps", "anneal_temperature", "nvt_ps"}
FIRST_QC = {
    "molecule", "task", "method", "basis", "dispersion", "solvation", "engine", "ion", "redox",
    "resources",
}  # fmt: skip
FIRST_MOLECULE = {"smiles", "xyz", "charge", "multiplicity"}
FIRST_SOLVATION = {"model", "solvent", "epsilon"}
FIRST_RESOURCES = {"tasks", "cpus_per_task", "memory_mb", "walltime_minutes"}


def unknown_to_first_md(stored: dict[str, Any]) -> set[str]:
    """The keys of a stored MD spec a first-release worker would refuse, as dotted paths."""
    out = {k for k in stored if k not in FIRST_MD}
    out |= {f"salts.{k}" for s in stored.get("salts", []) for k in s if k not in FIRST_SALT}
    out |= {f"solvents.{k}" for s in stored["solvents"] for k in s if k not in FIRST_SOLVENT}
    out |= {f"stages.{k}" for k in stored.get("stages") or {} if k not in FIRST_STAGES}
    out |= {f"resources.{k}" for k in stored.get("resources", {}) if k not in FIRST_RESOURCES}
    return out


def unknown_to_first_qc(stored: dict[str, Any]) -> set[str]:
    out = {k for k in stored if k not in FIRST_QC}
    out |= {f"molecule.{k}" for k in stored["molecule"] if k not in FIRST_MOLECULE}
    out |= {f"solvation.{k}" for k in stored.get("solvation", {}) if k not in FIRST_SOLVATION}
    out |= {f"resources.{k}" for k in stored.get("resources", {}) if k not in FIRST_RESOURCES}
    return out


USUAL_MD = {
    "salts": [{"name": "LiPF6", "concentration": 1.0}],
    "solvents": [{"name": "EC", "ratio": 3}, {"smiles": "COC(=O)OC", "ratio": 7}],
    "stages": {"npt_ps": 50, "nvt_ps": 100},
}
USUAL_QC = {"molecule": {"smiles": "O"}, "task": "opt_freq", "temperature": 298.15}


def stored(model: BaseModel) -> dict[str, Any]:
    """What submission stores (`jobs.service.submit`) and the claim hands the worker."""
    return model.model_dump(mode="json", exclude_unset=False)


def test_a_usual_md_spec_is_stored_with_only_fields_the_first_workers_know() -> None:
    spec = MDSpec.model_validate(USUAL_MD)
    dumped = stored(spec)
    assert unknown_to_first_md(dumped) == set()
    assert "compress_ps" not in dumped["stages"] and dumped["stages"]["npt_ps"] == 50
    assert MDSpec.model_validate(dumped) == spec
    # unset, the compress stage is a tenth of NPT
    assert MDSpec.model_validate(dumped).effective_stages.effective_compress_ps == 5.0


def test_a_usual_qc_spec_is_stored_with_only_fields_the_first_workers_know() -> None:
    spec = QCSpec.model_validate(USUAL_QC)
    dumped = stored(spec)
    assert unknown_to_first_qc(dumped) == set()
    assert QCSpec.model_validate(dumped) == spec
    assert QCSpec.model_validate(dumped).temperature == 298.15


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        ({"stages": {"npt_ps": 50, "nvt_ps": 100, "compress_ps": 1.5}}, "stages.compress_ps"),
        ({"stages": {"npt_ps": 50, "nvt_ps": 100, "compress_ps": 0}}, "stages.compress_ps"),
        ({"concentration_basis": "molal"}, "concentration_basis"),
        ({"salts": [], "molecules": 200}, "molecules"),
        (
            {"solvents": [{"name": "EC"}, {"smiles": "CO", "charges": [0.1, -0.5, 0, 0, 0, 0.4]}]},
            "solvents.charges",
        ),
        (
            {"solvents": [{"name": "EC"}, {"smiles": "CO", "charges_from_job": 7}]},
            "solvents.charges_from_job",
        ),
    ],
)
def test_a_newer_md_field_that_is_set_is_stored_and_reads_back(
    change: dict[str, Any], kept: str
) -> None:
    spec = MDSpec.model_validate({**USUAL_MD, **change})
    dumped = stored(spec)
    assert unknown_to_first_md(dumped) == {kept}
    assert MDSpec.model_validate(dumped) == spec


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        ({"charges": "resp", "method": "HF", "engine": "pyscf"}, "charges"),
        ({"temperature": 350}, "temperature"),
    ],
)
def test_a_newer_qc_field_that_is_set_is_stored_and_reads_back(
    change: dict[str, Any], kept: str
) -> None:
    spec = QCSpec.model_validate({**USUAL_QC, **change})
    dumped = stored(spec)
    assert unknown_to_first_qc(dumped) == {kept}
    assert QCSpec.model_validate(dumped) == spec
    assert dumped[kept] == change[kept]


def test_the_full_form_has_every_field_in_order_and_reads_back() -> None:
    md = MDSpec.model_validate(USUAL_MD)
    full = full_dump(md)
    assert list(full) == list(MDSpec.model_fields)
    assert full["concentration_basis"] == "solvent" and full["molecules"] is None
    assert full["stages"]["compress_ps"] is None
    assert [s["charges_from_job"] for s in full["solvents"]] == [None, None]
    assert MDSpec.model_validate(full) == md
    qc = QCSpec.model_validate(USUAL_QC)
    assert full_dump(qc)["charges"] == "esp" and full_dump(qc)["temperature"] == 298.15
    assert QCSpec.model_validate(full_dump(qc)) == qc


def test_a_field_left_out_of_the_stored_spec_has_a_path_in_the_full_form() -> None:
    md = MDSpec.model_validate(USUAL_MD)
    changed = set_path(full_dump(md), "stages.compress_ps", 0.5)
    changed = set_path(changed, "concentration_basis", "molal")
    again = MDSpec.model_validate(changed)
    assert again.stages is not None and again.stages.compress_ps == 0.5
    assert again.concentration_basis == "molal"
    qc = set_path(full_dump(QCSpec.model_validate(USUAL_QC)), "temperature", 400)
    assert QCSpec.model_validate(qc).temperature == 400
