"""Studies (parameter sweeps): the Cartesian product of jobs, all-or-nothing validation, the
table and its CSV with results registered through the worker protocol, cancel and delete."""

from __future__ import annotations

import csv
import io
from typing import Any

from support import Api, md_body, qc_body
from worker_steps import complete, lease_all, md_summary


def md_study(name: str = "LiPF6 sweep", **vary: list[Any]) -> dict[str, Any]:
    base = md_body()
    del base["name"]
    return {
        "name": name,
        "type": "MD",
        "base": base,
        "vary": vary or {"salts.0.concentration": [0.5, 1.0, 1.5], "temperature": [298.15, 330]},
    }


def all_jobs(api: Api, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    r = api.client.get("/api/v1/jobs", params={"limit": 200, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_3_by_2_md_study_creates_six_jobs_with_their_specs(api: Api) -> None:
    r = api.client.post("/api/v1/studies", json=md_study(), headers=api.alice)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["name"] == "LiPF6 sweep" and len(created["jobs"]) == 6
    base_spec = md_body()["spec"]
    points = []
    for job_id in created["jobs"]:
        job = api.job(job_id, api.alice)
        spec = job["spec"]
        points.append((spec["salts"][0]["concentration"], spec["temperature"]))
        assert job["study_id"] == created["id"] and job["state"] == "PENDING"
        # Everything not varied is the base's (the newer charges fields left out while unset).
        assert spec["solvents"] == [
            {**s, "smiles": None, "density": None} for s in base_spec["solvents"]
        ]
        assert spec["salt_pairs"] == 4 and spec["preset"] == "fast"
    assert points == [
        (0.5, 298.15), (0.5, 330), (1.0, 298.15), (1.0, 330), (1.5, 298.15), (1.5, 330)
    ]  # fmt: skip
    names = [api.job(i, api.alice)["name"] for i in created["jobs"]]
    assert names[0] == "LiPF6 sweep (1 of 6)" and names[5] == "LiPF6 sweep (6 of 6)"

    study = api.client.get(f"/api/v1/studies/{created['id']}", headers=api.alice).json()
    assert study["type"] == "MD" and study["owner"] == "alice"
    assert study["variables"] == {
        "salts.0.concentration": [0.5, 1.0, 1.5],
        "temperature": [298.15, 330],
    }
    assert study["states"] == {"PENDING": 6}
    assert study["concentration_basis"] == "solvent"  # the jobs' (the spec's default)
    assert [row["job_id"] for row in study["rows"]] == created["jobs"]
    assert study["rows"][1]["values"] == {"salts.0.concentration": 0.5, "temperature": 330}
    assert all(row["results"] == {} for row in study["rows"])
    assert {j["id"] for j in all_jobs(api, api.alice, study_id=created["id"])} == set(
        created["jobs"]
    )
    listed = api.client.get("/api/v1/studies", headers=api.alice).json()
    assert listed["total"] == 1 and listed["items"][0]["states"] == {"PENDING": 6}
    assert listed["items"][0]["concentration_basis"] == "solvent"


def test_a_bad_path_or_value_creates_nothing(api: Api) -> None:
    cases = [
        ({"salts.3.concentration": [1.0]}, "salts.3.concentration", "does not exist"),
        ({"solvents.0.nonsense": [1.0]}, "solvents.0.nonsense", "does not exist"),
        ({"temperature": [300, 5000]}, "temperature = 5000", "less than or equal to 1000"),
        ({"salts.0.concentration": [1.0, -2]}, "salts.0.concentration = -2", "greater than 0"),
        ({"salts.0.name": ["LiPF6", "LiXYZ"]}, 'salts.0.name = "LiXYZ"', "unknown salt"),
        ({"temperature": ["hot"]}, 'temperature = "hot"', "valid number"),
    ]
    for vary, named, problem in cases:
        body = md_study(**vary)
        body["vary"]["salts.0.concentration"] = body["vary"].get("salts.0.concentration", [1.0])
        r = api.client.post("/api/v1/studies", json=body, headers=api.alice)
        assert r.status_code == 422, (vary, r.text)
        detail = r.json()["detail"]
        assert named in detail[0]["msg"] and problem in detail[0]["msg"], detail
    # Two values each valid alone, refused together: both are named.
    body = md_study(**{"solvents.0.name": ["EC", "PC"], "solvents.1.name": ["PC"]})
    r = api.client.post("/api/v1/studies", json=body, headers=api.alice)
    assert r.status_code == 422
    assert 'solvents.0.name = "PC", solvents.1.name = "PC"' in r.json()["detail"][0]["msg"]
    assert "each solvent may appear once" in r.json()["detail"][0]["msg"]
    # A bad base spec is named under base.
    body = md_study()
    body["base"]["spec"]["pressure"] = -1
    r = api.client.post("/api/v1/studies", json=body, headers=api.alice)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == [
        "body",
        "base",
        "spec",
        "pressure",
    ]
    assert all_jobs(api, api.admin) == []
    assert api.client.get("/api/v1/studies", headers=api.admin).json()["total"] == 0


def test_more_points_than_the_cap_is_refused(api: Api) -> None:
    cap = api.settings.max_study_points
    assert cap == 200
    body = md_study(temperature=[250 + i for i in range(101)], **{"salts.0.concentration": [1, 2]})
    r = api.client.post("/api/v1/studies", json=body, headers=api.alice)
    assert r.status_code == 422
    assert r.json()["detail"] == "This study has 202 points; a study may have at most 200"
    assert all_jobs(api, api.admin) == []


def test_the_table_and_csv_carry_variables_and_results_of_completed_jobs(api: Api) -> None:
    body = md_study(**{"salts.0.concentration": [0.5, 1.0, 1.5]})
    study = api.client.post("/api/v1/studies", json=body, headers=api.alice).json()
    first, second, third = study["jobs"]
    leased = lease_all(api)
    complete(api, leased[first], md_summary(1.21, 0.52))
    complete(api, leased[second], md_summary(1.25, 0.61))
    assert api.status(leased[third], "QUEUED").status_code == 200

    table = api.client.get(f"/api/v1/studies/{study['id']}", headers=api.alice).json()
    assert table["states"] == {"COMPLETED": 2, "QUEUED": 1}
    rows = {row["job_id"]: row for row in table["rows"]}
    assert rows[first]["results"] == {
        "density_g_cm3": 1.21,
        "density_g_cm3_std": 0.01,
        "conductivity_S_m": 0.52,
        "D_Li_cm2_s": 1.5e-6,
        "D_PF6_cm2_s": 2.5e-6,
        "transference_number": 0.375,
        "CN_Li-O(EC)": 4.25,
    }
    assert rows[third]["results"] == {} and rows[third]["state"] == "QUEUED"

    r = api.client.get(f"/api/v1/studies/{study['id']}/table.csv", headers=api.alice)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0] == [
        "job_id", "name", "state", "salts.0.concentration", "density_g_cm3",
        "density_g_cm3_std", "conductivity_S_m", "D_Li_cm2_s", "D_PF6_cm2_s",
        "transference_number", "CN_Li-O(EC)",
    ]  # fmt: skip
    assert len(lines) == 4
    assert lines[1] == [
        str(first), "LiPF6 sweep (1 of 3)", "COMPLETED", "0.5", "1.21", "0.01", "0.52",
        "1.5e-06", "2.5e-06", "0.375", "4.25",
    ]  # fmt: skip
    assert lines[2][:5] == [str(second), "LiPF6 sweep (2 of 3)", "COMPLETED", "1.0", "1.25"]
    assert lines[3] == [str(third), "LiPF6 sweep (3 of 3)", "QUEUED", "1.5"] + [""] * 7


def test_a_qc_study_rows_have_the_qc_results(api: Api) -> None:
    base = qc_body()
    del base["name"]
    body = {
        "name": "basis sweep",
        "type": "QC",
        "base": base,
        "vary": {"basis": ["6-31G*", "def2-SVP"]},
    }
    study = api.client.post("/api/v1/studies", json=body, headers=api.alice)
    assert study.status_code == 201, study.text
    jobs = study.json()["jobs"]
    assert [api.job(j)["spec"]["basis"] for j in jobs] == ["6-31G*", "def2-SVP"]
    leased = lease_all(api)
    summary = {"engine": "pyscf", "scf_energy_hartree": -76.01, "homo_ev": -13.5, "lumo_ev": 4.5,
               "gap_ev": 18.0, "dipole_debye": 2.1}  # fmt: skip
    complete(api, leased[jobs[0]], summary)
    rows = api.client.get(f"/api/v1/studies/{study.json()['id']}", headers=api.alice).json()["rows"]
    assert rows[0]["results"] == {
        "scf_energy_hartree": -76.01, "homo_ev": -13.5, "lumo_ev": 4.5, "gap_ev": 18.0,
        "dipole_debye": 2.1,
    }  # fmt: skip


def test_cancel_and_delete_act_on_all_the_jobs_of_a_study(api: Api) -> None:
    study = api.client.post("/api/v1/studies", json=md_study(), headers=api.alice).json()
    leased = lease_all(api)
    done = study["jobs"][0]
    complete(api, leased[done], md_summary(1.2, 0.5))
    url = f"/api/v1/studies/{study['id']}"
    r = api.client.delete(url, headers=api.alice)
    assert r.status_code == 409 and "5 jobs of this study have not finished" in r.json()["detail"]
    assert len(all_jobs(api, api.alice, study_id=study["id"])) == 6
    r = api.client.post(url + "/cancel", headers=api.alice)
    assert r.status_code == 200
    assert r.json()["states"] == {"COMPLETED": 1, "CANCELLED": 5}
    # The worker holding a cancelled job learns it from its next heartbeat.
    running = [{"job_id": j, "lease_token": leased[j]["lease_token"]} for j in study["jobs"][1:]]
    hello = {"name": "w1", "hostname": "h", "version": "t", "capacity": 8, "job_types": ["MD"]}
    beat = api.client.post(
        "/api/v1/workers/heartbeat", json={**hello, "running": running}, headers=api.worker
    ).json()
    assert sorted(beat["cancel"]) == sorted(study["jobs"][1:])
    assert api.client.delete(url, headers=api.alice).status_code == 204
    assert api.client.get(url, headers=api.alice).status_code == 404
    assert all_jobs(api, api.admin) == []


def test_another_users_study_is_not_found(api: Api) -> None:
    study = api.client.post("/api/v1/studies", json=md_study(), headers=api.alice).json()
    url = f"/api/v1/studies/{study['id']}"
    for method, path in (("GET", ""), ("GET", "/table.csv"), ("POST", "/cancel"), ("DELETE", "")):
        r = api.client.request(method, url + path, headers=api.bob)
        assert r.status_code == 404 and r.json()["detail"] == "Study not found", (method, path)
    assert api.client.get("/api/v1/studies", headers=api.bob).json() == {"items": [], "total": 0}
    assert api.client.get(url, headers=api.admin).status_code == 200


def test_a_study_may_vary_fields_the_stored_spec_leaves_out_at_their_defaults(api: Api) -> None:
    body = md_study(concentration_basis=["solvent", "molal"])
    body["base"]["spec"]["stages"] = {"npt_ps": 10, "nvt_ps": 10}
    body["vary"]["stages.compress_ps"] = [0, 1.0]
    r = api.client.post("/api/v1/studies", json=body, headers=api.alice)
    assert r.status_code == 201, r.text
    specs = [api.job(j)["spec"] for j in r.json()["jobs"]]
    assert [(s.get("concentration_basis"), s["stages"]["compress_ps"]) for s in specs] == [
        (None, 0), (None, 1.0), ("molal", 0), ("molal", 1.0)
    ]  # fmt: skip
    # the jobs count in two bases: the study names none
    study = api.client.get(f"/api/v1/studies/{r.json()['id']}", headers=api.alice).json()
    assert study["concentration_basis"] is None
    base = qc_body()
    del base["name"]
    qc = {"name": "T sweep", "type": "QC", "base": base, "vary": {"temperature": [298.15, 400]}}
    r = api.client.post("/api/v1/studies", json=qc, headers=api.alice)
    assert r.status_code == 201, r.text
    assert [api.job(j)["spec"].get("temperature") for j in r.json()["jobs"]] == [None, 400]


def test_a_study_names_the_basis_its_concentrations_count_in(api: Api) -> None:
    molal = md_study("molal sweep")
    molal["base"]["spec"]["concentration_basis"] = "molal"
    first = api.client.post("/api/v1/studies", json=molal, headers=api.alice).json()["id"]
    base = qc_body()
    del base["name"]
    qc = {"name": "basis", "type": "QC", "base": base, "vary": {"basis": ["6-31G*", "def2-SVP"]}}
    second = api.client.post("/api/v1/studies", json=qc, headers=api.alice).json()["id"]
    study = api.client.get(f"/api/v1/studies/{first}", headers=api.alice).json()
    assert study["concentration_basis"] == "molal"
    listed = api.client.get("/api/v1/studies", headers=api.alice).json()["items"]
    assert {s["id"]: s["concentration_basis"] for s in listed} == {first: "molal", second: None}
    cancelled = api.client.post(f"/api/v1/studies/{first}/cancel", headers=api.alice).json()
    assert cancelled["concentration_basis"] == "molal"
