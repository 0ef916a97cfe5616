def test_a_registered_name_keeps_its_checksum_under_its_lease(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = api.submit(api.alice, qc_body("checksum kept"))
    [leased] = api.claim()
    path = tmp_path / "result.txt"
    path.write_text("first\n")
    assert api.status(leased, "QUEUED", scheduler_job_id="1").status_code == 200
    with httpx.Client(headers=api.worker, timeout=30) as http:
        entry = upload_result(http, server.url, job["id"], leased["lease_token"], path)
    body = {"lease_token": leased["lease_token"], "files": [entry], "summary": {}}
    url = f"/api/v1/workers/jobs/{job['id']}"
    assert api.client.post(f"{url}/results", json=body, headers=api.worker).status_code == 200
    again = {"lease_token": leased["lease_token"], "name": "result.txt", "size": entry["size"]}
    same = api.client.post(
        f"{url}/uploads", json={**again, "sha256": entry["sha256"]}, headers=api.worker
    )
    assert same.status_code == 200  # the same bytes again (a retry) are fine
    other = api.client.post(
        f"{url}/uploads", json={**again, "sha256": "0" * 64}, headers=api.worker
    )
    assert other.status_code == 409
    assert "registered with another sha256" in other.json()["detail"]
