"""Live progress on SQLite and PostgreSQL: the worker's reports, `GET /jobs/{id}/live`, who
may see it, fencing, and the live numbers dropped once results are registered."""

from __future__ import annotations

from support import Api

MD_COLUMNS = ["step", "time_ps", "temp", "press", "density", "pe", "etotal"]


def running(api: Api) -> tuple[dict, dict]:  # type: ignore[type-arg]
    job = api.submit(api.alice)
    [leased] = api.claim()
    assert api.status(leased, "QUEUED", scheduler_job_id="7").status_code == 200
    assert api.status(leased, "RUNNING").status_code == 200
    return job, leased


def live(api: Api, job_id: int, headers: dict[str, str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = api.client.get(f"/api/v1/jobs/{job_id}/live", headers=headers)
    return r.status_code, r.json()


def test_reports_reach_the_job_and_its_live_view(api: Api) -> None:
    job, leased = running(api)
    rows = [
        [0, 0.0, 298.1, 1.0, 0.95, -900.5, -700.2],
        [100, 0.1, 301.0, None, 0.97, -899.0, -698.0],
    ]
    r = api.status(
        leased,
        "RUNNING",
        progress=0.25,
        stage="npt: step 100 of 400",
        eta_seconds=360,
        live={"columns": MD_COLUMNS, "rows": rows},
    )
    assert r.status_code == 200, r.text
    got = api.job(job["id"], api.alice)
    assert (got["progress"], got["stage"], got["eta_seconds"]) == (
        25.0,
        "npt: step 100 of 400",
        360,
    )
    status, body = live(api, job["id"], api.alice)
    assert status == 200
    assert body["progress"] == 25.0 and body["stage"] == "npt: step 100 of 400"
    assert body["eta_seconds"] == 360 and body["updated_at"]
    assert body["series"] == {"columns": MD_COLUMNS, "rows": rows}
    # A newer report replaces the series; a report without an estimate clears the old one.
    newer = [[200, 0.2, 299.0, 5.0, 0.99, -898.0, -697.0]]
    api.status(leased, "RUNNING", progress=0.5, live={"columns": MD_COLUMNS, "rows": newer})
    _, body = live(api, job["id"], api.admin)
    assert body["series"]["rows"] == newer and body["progress"] == 50.0
    assert body["eta_seconds"] is None and body["stage"] == "npt: step 100 of 400"
    assert [
        j["progress"] for j in api.client.get("/api/v1/jobs", headers=api.alice).json()["items"]
    ] == [50.0]


def test_only_the_owner_and_admins_see_it(api: Api) -> None:
    job, _leased = running(api)
    assert live(api, job["id"], api.bob)[0] == 404
    assert live(api, 999_999, api.alice)[0] == 404
    assert live(api, job["id"], api.alice)[0] == 200
    assert api.client.get(f"/api/v1/jobs/{job['id']}/live").status_code == 401


def test_a_stale_token_changes_nothing(api: Api) -> None:
    job, leased = running(api)
    stale = {**leased, "lease_token": "not-the-token"}
    r = api.status(stale, "RUNNING", progress=0.9, live={"columns": ["step"], "rows": [[1]]})
    assert r.status_code == 409
    _, body = live(api, job["id"], api.alice)
    assert body["progress"] is None and body["series"] == {"columns": [], "rows": []}


def test_bad_live_data_is_a_422_naming_the_field(api: Api) -> None:
    _job, leased = running(api)
    r = api.status(leased, "RUNNING", live={"columns": ["step", "temp"], "rows": [[1]]})
    assert r.status_code == 422 and "live" in r.text
    r = api.status(leased, "RUNNING", live={"columns": ["step"], "rows": [[0]] * 1001})
    assert r.status_code == 422 and "rows" in r.text
    r = api.status(leased, "RUNNING", eta_seconds=-1)
    assert r.status_code == 422 and "eta_seconds" in r.text


def test_results_drop_the_live_numbers_and_completion_is_100(api: Api) -> None:
    job, leased = running(api)
    api.status(leased, "RUNNING", progress=0.8, stage="nvt", eta_seconds=10,
               live={"columns": ["step"], "rows": [[5]]})  # fmt: skip
    assert api.status(leased, "POSTPROCESSING").status_code == 200
    r = api.client.post(
        f"/api/v1/workers/jobs/{job['id']}/results",
        json={"lease_token": leased["lease_token"], "files": [], "summary": {"ok": True}},
        headers=api.worker,
    )
    assert r.status_code in (200, 201), r.text
    assert api.status(leased, "COMPLETED").status_code == 200
    got = api.job(job["id"], api.alice)
    assert got["progress"] == 100.0 and got["stage"] is None and got["eta_seconds"] is None
    _, body = live(api, job["id"], api.alice)
    assert body["series"] == {"columns": [], "rows": []} and body["progress"] == 100.0


def test_a_requeue_forgets_the_progress(api: Api) -> None:
    job, leased = running(api)
    api.status(
        leased, "RUNNING", progress=0.3, stage="npt", live={"columns": ["step"], "rows": [[5]]}
    )
    r = api.client.post(f"/api/v1/admin/jobs/{job['id']}/requeue", headers=api.admin)
    assert r.status_code == 200
    _, body = live(api, job["id"], api.alice)
    assert body["progress"] is None and body["stage"] is None and body["series"]["rows"] == []
