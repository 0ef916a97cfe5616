"""An MD job takes a completed QC job's RESP or ESP charges (`charges_from_job`), resolved by
the server at submission into explicit `charges`, on SQLite and PostgreSQL; 422 naming the
problem."""

from __future__ import annotations

from typing import Any

import pytest

from support import Api, md_body

# ESP charges of ethanol as the QC job numbers it (SMILES OCC): O, C, C, H(O), 2 H, 3 H.
ETHANOL_OCC = [-0.66, 0.25, -0.2, 0.42, 0.01, 0.02, 0.05, 0.05, 0.06]


def _completed_qc(api: Api, smiles: str, summary: dict[str, Any], **spec: Any) -> int:
    body = {
        "type": "QC",
        "name": f"{smiles} esp",
        "spec": {"molecule": {"smiles": smiles}, "task": "sp", "engine": "pyscf", **spec},
    }
    job = api.submit(api.alice, body)
    [leased] = api.claim()
    assert leased["id"] == job["id"]
    for state in ("QUEUED", "RUNNING", "POSTPROCESSING"):
        assert api.status(leased, state).status_code == 200
    r = api.client.post(
        f"/api/v1/workers/jobs/{job['id']}/results",
        json={"lease_token": leased["lease_token"], "files": [], "summary": summary},
        headers=api.worker,
    )
    assert r.status_code == 200, r.text
    assert api.status(leased, "COMPLETED").status_code == 200
    return int(job["id"])


def _md(solvent: dict[str, Any]) -> dict[str, Any]:
    body = md_body("ethanol electrolyte")
    body["spec"]["solvents"] = [{"name": "EC", "ratio": 1.0}, {"ratio": 1.0, **solvent}]
    return body


def test_charges_from_a_qc_job_are_copied_in_the_species_atom_order(api: Api) -> None:
    qc_id = _completed_qc(api, "OCC", {"esp_charges": ETHANOL_OCC})
    r = api.client.post(
        "/api/v1/jobs", json=_md({"smiles": "CCO", "charges_from_job": qc_id}), headers=api.alice
    )
    assert r.status_code == 201, r.text
    solvent = r.json()["spec"]["solvents"][1]
    assert solvent["charges_from_job"] == qc_id
    charges = solvent["charges"]
    # CCO numbers C(methyl), C, O, 3 H on the methyl, 2 H, H(O)
    assert charges[:3] == [-0.2, 0.25, -0.66]
    assert charges[8] == 0.42
    assert sorted(charges[3:6]) == [0.05, 0.05, 0.06]
    assert sum(charges) == pytest.approx(0.0, abs=1e-12)
    # stored as submitted: the job's spec, read back, has the charges too
    assert api.job(r.json()["id"], api.alice)["spec"]["solvents"][1]["charges"] == charges


def _refused(api: Api, solvent: dict[str, Any], headers: dict[str, str] | None = None) -> str:
    r = api.client.post("/api/v1/jobs", json=_md(solvent), headers=headers or api.alice)
    assert r.status_code == 422, r.text
    return str(r.json()["detail"])


def test_charges_that_do_not_fit_are_refused_with_the_reason(api: Api) -> None:
    ethanol = _completed_qc(api, "OCC", {"esp_charges": ETHANOL_OCC})
    no_esp = _completed_qc(api, "OCC", {"mulliken_charges": ETHANOL_OCC})
    ether = _completed_qc(api, "COC", {"esp_charges": ETHANOL_OCC})
    unbalanced = _completed_qc(api, "OCC", {"esp_charges": [q + 0.1 for q in ETHANOL_OCC]})
    pending = api.submit(api.alice)["id"]
    cases = [
        (ethanol, "CC(C)O", "is not CC(C)O"),
        (no_esp, "CCO", "has no ESP charges"),
        (ether, "CCO", "its molecule COC is not CCO"),
        (pending, "CCO", "not a completed QC job"),
        (99999, "CCO", "no such job"),
    ]
    for job_id, smiles, reason in cases:
        detail = _refused(api, {"smiles": smiles, "charges_from_job": job_id})
        assert "solvents" in detail and "charges_from_job" in detail, detail
        assert f"job {job_id}: " in detail and reason in detail, detail
    detail = _refused(api, {"smiles": "CCO", "charges_from_job": unbalanced})
    assert "charges_from_job" in detail
    assert f"job {unbalanced}: the charges add up to +0.9000 e, not to the formal charge" in detail
    # another user's QC job is as unknown as a missing one
    detail = _refused(api, {"smiles": "CCO", "charges_from_job": ethanol}, api.bob)
    assert f"job {ethanol}: no such job" in detail
    # nothing was created by the refused requests
    r = api.client.get("/api/v1/jobs?type=MD", headers=api.admin)
    assert r.json()["total"] == 0


def test_explicit_charges_are_checked_against_the_smiles(api: Api) -> None:
    detail = _refused(api, {"smiles": "CCO", "charges": [0.1] * 3})
    assert "3 charges for 9 atoms of CCO" in detail
    r = api.client.post(
        "/api/v1/jobs", json=_md({"smiles": "CCO", "charges": [0.0] * 9}), headers=api.alice
    )
    assert r.status_code == 201, r.text


def test_a_resp_job_gives_its_resp_charges_not_its_esp_charges(api: Api) -> None:
    resp = [q / 2 for q in ETHANOL_OCC]  # the same molecule, other numbers
    qc_id = _completed_qc(
        api, "OCC", {"esp_charges": ETHANOL_OCC, "resp_charges": resp}, charges="resp"
    )
    assert api.job(qc_id, api.alice)["spec"]["charges"] == "resp"
    r = api.client.post(
        "/api/v1/jobs", json=_md({"smiles": "OCC", "charges_from_job": qc_id}), headers=api.alice
    )
    assert r.status_code == 201, r.text
    assert r.json()["spec"]["solvents"][1]["charges"] == resp


def test_resp_where_there_is_no_potential_to_fit_is_refused(api: Api) -> None:
    for spec, reason in (
        ({"method": "GFN2-xTB"}, "GFN2-xTB on engine xtb has none"),
        ({"engine": "gaussian"}, "charges resp runs on engine pyscf (or auto), not gaussian"),
    ):
        body = {
            "type": "QC",
            "name": "resp",
            "spec": {"molecule": {"smiles": "CO"}, "task": "sp", "charges": "resp", **spec},
        }
        r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
        assert r.status_code == 422, r.text
        assert reason in str(r.json()["detail"])
