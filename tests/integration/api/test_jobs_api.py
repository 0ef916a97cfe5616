"""The users' job API on SQLite and PostgreSQL: submit, list, get, cancel, delete, isolation."""

from __future__ import annotations

from sqlalchemy import func, select

from molyte.db.models import Job
from support import Api, md_body, qc_body


def job_count(api: Api) -> int:
    with api.ctx.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Job)) or 0)


def test_submit_returns_job_with_first_event(api: Api) -> None:
    job = api.submit(api.alice, md_body("first"))
    assert job["state"] == "PENDING"
    assert job["type"] == "MD"
    assert job["owner"] == "alice"
    assert job["priority"] == 0
    assert job["attempts"] == 0
    assert [(e["from"], e["to"], e["actor"]) for e in job["events"]] == [
        (None, "PENDING", "user:alice")
    ]
    # the stored spec is the validated one, defaults filled in
    assert job["spec"]["temperature"] == 298.15
    assert job_count(api) == 1


def test_me_and_login_errors(api: Api) -> None:
    me = api.client.get("/api/v1/auth/me", headers=api.alice).json()
    assert me["username"] == "alice" and me["role"] == "USER"
    r = api.client.post("/api/v1/auth/login", data={"username": "alice", "password": "wrong-pw1"})
    assert r.status_code == 401
    assert r.json()["detail"] == "Incorrect username or password"


def test_list_filters_search_and_pagination(api: Api) -> None:
    for i in range(5):
        api.submit(api.alice, md_body(f"md run {i}"))
    for i in range(3):
        api.submit(api.alice, qc_body(f"qc calc {i}"))
    api.submit(api.bob, qc_body("bob own"))

    page = api.client.get("/api/v1/jobs", params={"limit": 3}, headers=api.alice).json()
    assert page["total"] == 8 and len(page["items"]) == 3
    assert page["items"][0]["name"] == "qc calc 2"  # newest first
    rest = api.client.get(
        "/api/v1/jobs", params={"limit": 3, "offset": 6}, headers=api.alice
    ).json()
    assert [j["name"] for j in rest["items"]] == ["md run 1", "md run 0"]

    qc = api.client.get("/api/v1/jobs", params={"type": "QC"}, headers=api.alice).json()
    assert qc["total"] == 3 and {j["type"] for j in qc["items"]} == {"QC"}
    found = api.client.get("/api/v1/jobs", params={"q": "run 3"}, headers=api.alice).json()
    assert [j["name"] for j in found["items"]] == ["md run 3"]
    # LIKE wildcards in the search are literal
    assert api.client.get("/api/v1/jobs", params={"q": "%"}, headers=api.alice).json()["total"] == 0
    pending = api.client.get("/api/v1/jobs", params={"state": "PENDING"}, headers=api.alice).json()
    assert pending["total"] == 8
    # admins see everyone's jobs
    assert api.client.get("/api/v1/jobs", headers=api.admin).json()["total"] == 9


def test_another_users_job_is_404(api: Api) -> None:
    job = api.submit(api.alice)
    for path in (f"/api/v1/jobs/{job['id']}", f"/api/v1/jobs/{job['id']}/results"):
        r = api.client.get(path, headers=api.bob)
        assert r.status_code == 404
        assert r.json()["detail"] == "Job not found"
    assert api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.bob).status_code == 404
    assert api.job(job["id"])["state"] == "PENDING"
    assert api.client.get(f"/api/v1/jobs/{job['id']}", headers=api.admin).status_code == 200


def test_cancel_pending_job_and_delete(api: Api) -> None:
    job = api.submit(api.alice)
    r = api.client.delete(f"/api/v1/jobs/{job['id']}", headers=api.alice)
    assert r.status_code == 409  # not finished yet
    r = api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice)
    assert r.status_code == 200
    assert r.json()["state"] == "CANCELLED"
    assert [e["to"] for e in r.json()["events"]] == ["PENDING", "CANCELLED"]
    again = api.client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=api.alice)
    assert again.status_code == 409
    assert api.client.delete(f"/api/v1/jobs/{job['id']}", headers=api.alice).status_code == 204
    assert api.client.get(f"/api/v1/jobs/{job['id']}", headers=api.alice).status_code == 404
    assert job_count(api) == 0


def test_priority_limits(api: Api) -> None:
    body = qc_body()
    body["priority"] = 7
    r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
    assert r.status_code == 403
    assert "priority" in r.json()["detail"]
    body["priority"] = 5
    assert api.client.post("/api/v1/jobs", json=body, headers=api.alice).status_code == 201
    body["priority"] = 10
    assert api.client.post("/api/v1/jobs", json=body, headers=api.admin).status_code == 201
    body["priority"] = 11
    r = api.client.post("/api/v1/jobs", json=body, headers=api.admin)
    assert r.status_code == 422


def test_results_empty_before_completion(api: Api) -> None:
    job = api.submit(api.alice)
    r = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice)
    assert r.status_code == 200
    assert r.json() == {"files": [], "summary": None, "zip_url": None}


def test_health_and_metrics(api: Api) -> None:
    api.submit(api.alice)
    assert api.client.get("/healthz").json()["status"] == "ok"
    text = api.client.get("/metrics").text
    assert 'molyte_jobs{state="PENDING",type="QC"} 1.0' in text
    assert "molyte_http_request_duration_seconds_bucket" in text
    names = [
        ln.split("{")[0].split(" ")[0] for ln in text.splitlines() if ln and not ln.startswith("#")
    ]
    assert names and all(n.startswith("molyte_") for n in names)


def test_concentration_basis_is_accepted_checked_and_previewed(api: Api) -> None:
    # An existing request (no field) is stored with the default: per litre of solvent.
    # the default is not stored: a worker from before the field (strict specs) still takes it
    assert "concentration_basis" not in api.submit(api.alice, md_body("default"))["spec"]
    body = md_body("molal")
    body["spec"]["concentration_basis"] = "molal"
    assert api.submit(api.alice, body)["spec"]["concentration_basis"] == "molal"
    r = api.client.post("/api/v1/jobs/validate", json=body, headers=api.alice)
    assert r.status_code == 200, r.text
    concentrations = r.json()["preview"]["concentrations"]
    assert concentrations["basis"] == "molal"
    assert set(concentrations) == {
        "basis", "mol_per_l_solvent", "mol_per_l_solution_estimated", "mol_per_kg_solvent"
    }  # fmt: skip

    body["spec"]["concentration_basis"] = "molar"
    r = api.client.post("/api/v1/jobs", json=body, headers=api.alice)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "spec", "concentration_basis"]]

    # 9 mol of LiPF6 would take more than a litre of solution by itself (limit 8.69 mol/L)
    body["spec"]["concentration_basis"] = "solution"
    body["spec"]["salts"][0]["concentration"] = 9.0
    for path in ("/api/v1/jobs", "/api/v1/jobs/validate"):
        r = api.client.post(path, json=body, headers=api.alice)
        assert r.status_code == 422, r.text
        [error] = r.json()["detail"]
        assert error["loc"] == ["body", "spec", "salts", 0, "concentration"]
        assert "9 mol of LiPF6 per litre of solution leaves no room" in error["msg"]
    assert job_count(api) == 2


def test_newer_fields_are_stored_and_claimed_only_when_a_job_sets_them(api: Api) -> None:
    # A worker from before stages.compress_ps, molecules, a solvent's charges, or QC charges
    # and temperature refuses a spec naming any of them, even as null: usual jobs leave them out.
    md = md_body("stages")
    md["spec"]["stages"] = {"npt_ps": 10, "nvt_ps": 10}
    md["spec"]["solvents"][1] = {"smiles": "COC(=O)OC", "ratio": 1.0}
    usual_md = api.submit(api.alice, md)["spec"]
    assert usual_md["stages"] == {
        "minimize": True, "npt_ps": 10, "anneal_ps": 0, "anneal_temperature": 400, "nvt_ps": 10
    }  # fmt: skip
    assert "molecules" not in usual_md
    assert usual_md["solvents"][1] == {
        "name": None, "smiles": "COC(=O)OC", "ratio": 1.0, "density": None
    }  # fmt: skip
    usual_qc = api.submit(api.alice, qc_body())["spec"]
    assert not {"charges", "temperature"} & set(usual_qc)
    md["spec"]["stages"]["compress_ps"] = 0  # no compress stage: not the default, so kept
    compressed = api.submit(api.alice, md)["spec"]
    assert compressed["stages"]["compress_ps"] == 0
    qc = qc_body()
    qc["spec"]["temperature"] = 350
    warm = api.submit(api.alice, qc)["spec"]
    assert warm["temperature"] == 350 and "charges" not in warm
    # the worker gets the stored form
    claimed = {job["id"]: job["spec"] for job in api.claim(limit=10)}
    assert sorted(claimed.values(), key=str) == sorted(
        [usual_md, usual_qc, compressed, warm], key=str
    )


def test_a_clone_may_change_a_field_the_stored_spec_leaves_out(api: Api) -> None:
    source = api.submit(api.alice, md_body())
    assert "concentration_basis" not in source["spec"] and source["spec"]["stages"] is None
    r = api.client.post(
        f"/api/v1/jobs/{source['id']}/clone",
        json={"spec_changes": {"concentration_basis": "molal"}},
        headers=api.alice,
    )
    assert r.status_code == 201, r.text
    assert r.json()["spec"] == {**source["spec"], "concentration_basis": "molal"}
    md = md_body("stages")
    md["spec"]["stages"] = {"npt_ps": 10, "nvt_ps": 10}
    staged = api.submit(api.alice, md)
    r = api.client.post(
        f"/api/v1/jobs/{staged['id']}/clone",
        json={"spec_changes": {"stages.compress_ps": 1.5}},
        headers=api.alice,
    )
    assert r.status_code == 201, r.text
    assert r.json()["spec"]["stages"] == {**staged["spec"]["stages"], "compress_ps": 1.5}
    qc = api.submit(api.alice, qc_body())
    r = api.client.post(
        f"/api/v1/jobs/{qc['id']}/clone",
        json={"spec_changes": {"temperature": 350}},
        headers=api.alice,
    )
    assert r.status_code == 201, r.text
    assert r.json()["spec"] == {**qc["spec"], "temperature": 350}
