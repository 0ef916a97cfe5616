"""Projects: viewers read, members also submit, owners manage; everyone else gets 404 on every
job, result and study endpoint. Clone, search filters and usage accounting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from support import Api, bearer, md_body, qc_body
from worker_steps import complete, lease_all, md_summary


def make_project(api: Api, headers: dict[str, str], name: str = "Electrolytes") -> int:
    r = api.client.post("/api/v1/projects", json={"name": name}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "owner"
    return int(r.json()["id"])


def add_member(api: Api, project: int, username: str, role: str, headers: dict[str, str]) -> Any:
    return api.client.post(
        f"/api/v1/projects/{project}/members",
        json={"username": username, "role": role},
        headers=headers,
    )


def carol(api: Api) -> dict[str, str]:
    r = api.client.post(
        "/api/v1/admin/users",
        json={"username": "carol", "password": "carol-pass-42"},
        headers=api.admin,
    )
    assert r.status_code == 201, r.text
    return bearer(api.ctx, "carol", "USER")


def study_body(project: int) -> dict[str, Any]:
    base = md_body()
    del base["name"]
    return {
        "name": "shared sweep",
        "type": "MD",
        "base": base,
        "vary": {"temperature": [298.15, 330]},
        "project_id": project,
    }


def ids(response: httpx.Response) -> set[int]:
    assert response.status_code == 200, response.text
    return {j["id"] for j in response.json()["items"]}


def test_project_roles(api: Api) -> None:
    project = make_project(api, api.alice)
    outsider = carol(api)
    job = api.submit(api.alice, {**md_body("shared"), "project_id": project})
    private = api.submit(api.alice, md_body("private"))
    study = api.client.post("/api/v1/studies", json=study_body(project), headers=api.alice).json()
    leased = lease_all(api)
    complete(api, leased[job["id"]], md_summary(1.2, 0.5), file=b"shared result\n")

    # Viewer: reads the project's jobs, results, downloads and studies; cannot submit or cancel.
    assert add_member(api, project, "bob", "viewer", api.alice).json() == {
        "username": "bob",
        "role": "viewer",
    }
    assert api.job(job["id"], api.bob)["project_id"] == project
    results = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.bob).json()
    assert results["summary"]["density"]["mean"] == 1.2
    download = api.client.get(results["files"][0]["url"])
    assert download.status_code == 200 and download.content == b"shared result\n"
    assert api.client.get(f"/api/v1/studies/{study['id']}", headers=api.bob).status_code == 200
    csv = api.client.get(f"/api/v1/studies/{study['id']}/table.csv", headers=api.bob)
    assert csv.status_code == 200 and len(csv.text.splitlines()) == 3
    visible = ids(api.client.get("/api/v1/jobs", headers=api.bob))
    assert visible == {job["id"], *study["jobs"]}
    assert private["id"] not in visible
    studies = api.client.get("/api/v1/studies", headers=api.bob).json()
    assert [s["id"] for s in studies["items"]] == [study["id"]]
    r = api.client.post("/api/v1/jobs", json={**qc_body(), "project_id": project}, headers=api.bob)
    assert r.status_code == 403 and "viewer" in r.json()["detail"]
    r = api.client.post("/api/v1/studies", json=study_body(project), headers=api.bob)
    assert r.status_code == 403
    r = api.client.post(f"/api/v1/jobs/{job['id']}/clone", json={}, headers=api.bob)
    assert r.status_code == 403
    pending = study["jobs"][0]
    assert api.client.post(f"/api/v1/jobs/{pending}/cancel", headers=api.bob).status_code == 403
    assert (
        api.client.post(f"/api/v1/studies/{study['id']}/cancel", headers=api.bob).status_code == 403
    )
    assert add_member(api, project, "carol", "viewer", api.bob).status_code == 403

    # Member: also submits jobs, studies and clones to the project.
    assert add_member(api, project, "bob", "member", api.alice).json()["role"] == "member"
    r = api.client.post("/api/v1/jobs", json={**qc_body(), "project_id": project}, headers=api.bob)
    assert r.status_code == 201 and r.json()["project_id"] == project and r.json()["owner"] == "bob"
    bobs = r.json()["id"]
    r = api.client.post("/api/v1/studies", json=study_body(project), headers=api.bob)
    assert r.status_code == 201 and len(r.json()["jobs"]) == 2
    r = api.client.post(f"/api/v1/jobs/{job['id']}/clone", json={}, headers=api.bob)
    assert r.status_code == 201 and r.json()["project_id"] == project
    assert bobs in ids(api.client.get("/api/v1/jobs", headers=api.alice))  # the owner sees it

    # Not a member: 404 on every job, result and study endpoint, and on the project.
    job_paths = [
        ("GET", f"/api/v1/jobs/{job['id']}"),
        ("GET", f"/api/v1/jobs/{job['id']}/results"),
        ("POST", f"/api/v1/jobs/{job['id']}/cancel"),
        ("POST", f"/api/v1/jobs/{job['id']}/clone"),
        ("DELETE", f"/api/v1/jobs/{job['id']}"),
    ]
    study_paths = [
        ("GET", f"/api/v1/studies/{study['id']}"),
        ("GET", f"/api/v1/studies/{study['id']}/table.csv"),
        ("POST", f"/api/v1/studies/{study['id']}/cancel"),
        ("DELETE", f"/api/v1/studies/{study['id']}"),
    ]
    project_paths = [
        ("GET", f"/api/v1/projects/{project}"),
        ("POST", f"/api/v1/projects/{project}/members"),
        ("DELETE", f"/api/v1/projects/{project}/members/bob"),
    ]
    bodies = {"clone": {}, "members": {"username": "carol", "role": "owner"}}
    for method, path in job_paths + study_paths + project_paths:
        body = next((b for k, b in bodies.items() if path.endswith(k)), None)
        r = api.client.request(method, path, json=body, headers=outsider)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["detail"] in ("Job not found", "Study not found", "Project not found")
    r = api.client.post("/api/v1/jobs", json={**qc_body(), "project_id": project}, headers=outsider)
    assert r.status_code == 404 and r.json()["detail"] == "Project not found"
    r = api.client.post("/api/v1/studies", json=study_body(project), headers=outsider)
    assert r.status_code == 404
    r = api.client.post("/api/v1/jobs", json={**qc_body(), "project_id": 999}, headers=api.admin)
    assert r.status_code == 404 and r.json()["detail"] == "Project not found"
    assert ids(api.client.get("/api/v1/jobs", headers=outsider)) == set()
    assert api.client.get("/api/v1/studies", headers=outsider).json()["total"] == 0
    assert api.client.get("/api/v1/projects", headers=outsider).json() == []

    # Removed from the project: back to 404; admins see everything.
    r = api.client.delete(f"/api/v1/projects/{project}/members/bob", headers=api.alice)
    assert r.status_code == 204
    assert api.client.get(f"/api/v1/jobs/{job['id']}", headers=api.bob).status_code == 404
    assert api.client.get(f"/api/v1/jobs/{bobs}", headers=api.bob).status_code == 200  # own job
    assert api.client.get(f"/api/v1/jobs/{job['id']}", headers=api.admin).status_code == 200
    everything = ids(api.client.get("/api/v1/jobs", params={"limit": 200}, headers=api.admin))
    assert {job["id"], private["id"], bobs} <= everything
    assert [p["id"] for p in api.client.get("/api/v1/projects", headers=api.admin).json()] == [
        project
    ]


def test_a_project_keeps_an_owner_and_lists_its_members(api: Api) -> None:
    project = make_project(api, api.alice)
    r = add_member(api, project, "alice", "member", api.alice)
    assert r.status_code == 409 and "needs an owner" in r.json()["detail"]
    assert add_member(api, project, "bob", "owner", api.alice).status_code == 200
    assert add_member(api, project, "alice", "viewer", api.bob).json()["role"] == "viewer"
    assert add_member(api, project, "nobody", "viewer", api.bob).status_code == 404
    r = add_member(api, project, "bob", "admin", api.bob)
    assert r.status_code == 422
    got = api.client.get(f"/api/v1/projects/{project}", headers=api.alice).json()
    assert got["role"] == "viewer"
    assert got["members"] == [
        {"username": "alice", "role": "viewer"},
        {"username": "bob", "role": "owner"},
    ]
    assert api.client.get("/api/v1/projects", headers=api.alice).json() == [
        {"id": project, "name": "Electrolytes", "role": "viewer", "members": None}
    ]


def test_clone_submits_the_same_request_with_changes(api: Api) -> None:
    source = api.submit(api.alice, {**md_body("LiPF6 in EC"), "priority": 2})
    r = api.client.post(
        f"/api/v1/jobs/{source['id']}/clone",
        json={"spec_changes": {"temperature": 330, "salts.0.concentration": 1.5}},
        headers=api.alice,
    )
    assert r.status_code == 201, r.text
    clone = r.json()
    assert clone["id"] != source["id"] and clone["state"] == "PENDING"
    assert clone["name"] == "LiPF6 in EC (copy)" and clone["priority"] == 2
    expected = dict(source["spec"])
    expected["temperature"] = 330
    expected["salts"] = [{"name": "LiPF6", "concentration": 1.5}]
    assert clone["spec"] == expected
    same = api.client.post(
        f"/api/v1/jobs/{source['id']}/clone", json={"name": "again"}, headers=api.alice
    ).json()
    assert same["name"] == "again" and same["spec"] == source["spec"]
    r = api.client.post(
        f"/api/v1/jobs/{source['id']}/clone",
        json={"spec_changes": {"salts.2.name": "LiFSI"}},
        headers=api.alice,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == [
        "body",
        "spec_changes",
        "salts.2.name",
    ]
    r = api.client.post(
        f"/api/v1/jobs/{source['id']}/clone",
        json={"spec_changes": {"temperature": 5}},
        headers=api.alice,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "spec", "temperature"]
    r = api.client.post(f"/api/v1/jobs/{source['id']}/clone", json={}, headers=api.bob)
    assert r.status_code == 404
    total = api.client.get("/api/v1/jobs", headers=api.alice).json()["total"]
    assert total == 3


def test_search_by_chemistry_condition_project_study_and_result(api: Api) -> None:
    project = make_project(api, api.alice)

    def md(
        name: str, salt: str, solvents: list[str], conc: float, temp: float, **extra: Any
    ) -> int:
        body = md_body(name)
        body["spec"]["salts"] = [{"name": salt, "concentration": conc}]
        body["spec"]["solvents"] = [{"name": s, "ratio": 1.0} for s in solvents]
        body["spec"]["temperature"] = temp
        return int(api.submit(api.alice, {**body, **extra})["id"])

    a = md("a", "LiPF6", ["EC", "DMC"], 1.0, 298.15)
    b = md("b", "LiTFSI", ["DME", "DOL"], 1.0, 330, project_id=project)
    c = md("c", "LiPF6", ["PC"], 2.0, 350)
    smiles = api.submit(api.alice, {**md_body("d"), "spec": {**md_body()["spec"], "solvents": [
        {"smiles": "COCCOC", "ratio": 1.0}]}})["id"]  # fmt: skip
    qc = dict(qc_body("e"))
    qc["spec"] = {**qc["spec"], "method": "B3LYP", "basis": "def2-SVP", "engine": "pyscf"}
    e = api.submit(api.alice, qc)["id"]
    f = api.submit(api.alice, qc_body("f"))["id"]
    leased = lease_all(api)
    complete(api, leased[a], md_summary(1.31, 0.9))
    complete(api, leased[c], md_summary(1.18, 0.2))
    complete(api, leased[e], {"engine": "pyscf", "scf_energy_hartree": -76.3, "gap_ev": 9.5})

    def found(**params: Any) -> set[int]:
        return ids(api.client.get("/api/v1/jobs", params=params, headers=api.alice))

    assert found(salt="LiPF6") == {a, c, smiles}
    assert found(salt="LiTFSI") == {b}
    assert found(solvent="DMC") == {a}
    assert found(solvent="DOL") == {b}
    assert found(solvent="COCCOC") == {smiles}
    assert found(salt="LiPF6", solvent="PC") == {c}
    assert found(temperature_min=320) == {b, c}
    assert found(temperature_min=320, temperature_max=340) == {b}
    assert found(concentration_min=1.5) == {c}
    assert found(concentration_max=1.0, type="MD") == {a, b, smiles}
    assert found(engine="pyscf") == {e, f}
    assert found(method="B3LYP", basis="def2-SVP") == {e}
    assert found(basis="6-31G*") == {f}
    assert found(project_id=project) == {b}
    assert found(density_min=1.2, density_max=1.4) == {a}
    assert found(density_max=1.2) == {c}
    assert found(conductivity_min=0.5) == {a}
    assert found(gap_min=9, gap_max=10) == {e}
    assert found(energy_max=-76) == {e}
    assert found(salt="LiPF6", density_min=1.0) == {a, c}
    assert (
        api.client.get(
            "/api/v1/jobs", params={"temperature_min": "nan"}, headers=api.alice
        ).status_code
        == 422
    )
    for bad in ({"salt": "Li\x00"}, {"solvent": "EC\n"}, {"salt": ""}):
        r = api.client.get("/api/v1/jobs", params=bad, headers=api.alice)
        assert r.status_code == 422, bad
    r = api.client.delete(f"/api/v1/projects/{project}/members/bo%00b", headers=api.alice)
    assert r.status_code == 422
    # Other users' jobs stay out of their searches.
    assert ids(api.client.get("/api/v1/jobs", params={"salt": "LiPF6"}, headers=api.bob)) == set()


def test_a_concentration_range_is_searched_within_one_basis(api: Api) -> None:
    def md(name: str, conc: float, basis: str | None = None) -> int:
        body = md_body(name)
        body["spec"]["salts"] = [{"name": "LiPF6", "concentration": conc}]
        if basis:
            body["spec"]["concentration_basis"] = basis
        return int(api.submit(api.alice, body)["id"])

    solvent, solvent_named = md("1 M", 1.0), md("1 M named", 1.0, "solvent")
    solution, molal, molal_2 = (
        md("1 M sol", 1.0, "solution"),
        md("1 m", 1.0, "molal"),
        md("2 m", 2.0, "molal"),
    )
    neat = api.submit(api.alice, {**md_body("neat"), "spec": {**md_body()["spec"], "salts": [],
        "salt_pairs": None, "molecules": 50}})["id"]  # fmt: skip
    qc = api.submit(api.alice, qc_body())["id"]

    def found(**params: Any) -> set[int]:
        r = api.client.get("/api/v1/jobs", params=params, headers=api.alice)
        assert r.status_code == 200, r.text
        return ids(r)

    # A range without a basis is in mol/L of solvent mixture, as it was when every job was.
    assert found(concentration_min=0.5, concentration_max=1.5) == {solvent, solvent_named}
    assert found(concentration_min=0.5) == {solvent, solvent_named}
    assert found(concentration_min=0.5, concentration_basis="molal") == {molal, molal_2}
    assert found(concentration_max=1.5, concentration_basis="molal") == {molal}
    assert found(concentration_min=1, concentration_max=1, concentration_basis="solution") == {
        solution
    }
    # The basis alone: the jobs counted in it (neither salt-free boxes nor QC jobs have one).
    assert found(concentration_basis="solvent") == {solvent, solvent_named}
    assert found(concentration_basis="molal", type="MD") == {molal, molal_2}
    assert found() == {solvent, solvent_named, solution, molal, molal_2, neat, qc}
    r = api.client.get("/api/v1/jobs", params={"concentration_basis": "molar"}, headers=api.alice)
    assert r.status_code == 422


def test_usage_sums_the_jobs_core_hours(api: Api) -> None:
    project = make_project(api, api.alice)
    first = api.submit(api.alice, {**md_body("one"), "project_id": project})["id"]
    second = api.submit(api.alice, md_body("two"))["id"]
    third = api.submit(api.bob, md_body("three"))["id"]
    api.submit(api.bob, md_body("never run"))
    leased = lease_all(api)
    complete(api, leased[first], md_summary(1.2, 0.5, core_hours=1.5))
    complete(api, leased[second], md_summary(1.2, 0.5, core_hours=2.25))
    # No core-hours from the worker: the server's are elapsed time x requested CPUs.
    complete(api, leased[third], md_summary(1.2, 0.5))

    def provenance(job_id: int) -> dict[str, Any]:
        r = api.client.get(f"/api/v1/jobs/{job_id}/results", headers=api.admin)
        return dict(r.json()["summary"]["provenance"])

    p1, p3 = provenance(first), provenance(third)
    assert p1["core_hours"] == 1.5 and p1["engine_version"] == "LAMMPS 22 Jul 2025"
    assert p1["molyte_version"] and p1["engine"] == "lammps" and p1["host"] == "node-placeholder"
    assert p1["worker"] == "cluster-a" and p1["scheduler_job_id"] == f"90{first}"
    assert p1["started_at"] and p1["finished_at"] >= p1["started_at"]
    started = datetime.fromisoformat(p3["started_at"])
    finished = datetime.fromisoformat(p3["finished_at"])
    assert p3["core_hours"] == round((finished - started).total_seconds() / 3600, 6)
    hours = {j: provenance(j)["core_hours"] for j in (first, second, third)}

    def usage(**params: Any) -> list[dict[str, Any]]:
        r = api.client.get("/api/v1/admin/usage", params=params, headers=api.admin)
        assert r.status_code == 200, r.text
        return list(r.json()["rows"])

    by_user = {row["key"]: row for row in usage(group_by="user")}
    assert by_user["alice"]["jobs"] == 2 and by_user["bob"]["jobs"] == 1
    assert by_user["alice"]["core_hours"] == hours[first] + hours[second] == 3.75
    assert by_user["bob"]["core_hours"] == hours[third]
    by_project = {row["key"]: row for row in usage(group_by="project")}
    assert (
        by_project["Electrolytes"]["core_hours"] == 1.5
        and by_project["Electrolytes"]["id"] == project
    )
    assert by_project[None]["core_hours"] == hours[second] + hours[third]
    now = datetime.now(UTC)
    assert usage(since=(now + timedelta(hours=1)).isoformat()) == []
    assert (
        len(
            usage(
                since=(now - timedelta(hours=1)).isoformat(),
                until=(now + timedelta(hours=1)).isoformat(),
            )
        )
        == 2
    )
    r = api.client.get(
        "/api/v1/admin/usage", params={"since": "2026-01-01T00:00:00"}, headers=api.admin
    )
    assert r.status_code == 422  # a time without a zone is ambiguous
    assert api.client.get("/api/v1/admin/usage", headers=api.alice).status_code == 403
