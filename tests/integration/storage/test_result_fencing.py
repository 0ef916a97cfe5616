"""Issue 13, items 2 and 3, on a live server (SQLite and PostgreSQL): a deleted job's links
never reach a later job, and a worker whose lease was taken away can never replace or add a
served file (local store and the moto S3 server)."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from molyte.worker.uploads import upload_result
from support import Api, LiveServer, Moto, build_api, make_settings, qc_body


def finish_with(
    api: Api, server: LiveServer, tmp_path: Path, job: dict[str, Any], text: str
) -> None:
    """The worker's side of a run: upload result.txt holding `text`, register, complete."""
    path = tmp_path / f"{job['id']}-{time.time_ns()}" / "result.txt"
    path.parent.mkdir()
    path.write_text(text)
    assert api.status(job, "QUEUED", scheduler_job_id="1").status_code == 200
    assert api.status(job, "RUNNING").status_code == 200
    with httpx.Client(headers=api.worker, timeout=30) as http:
        entry = upload_result(http, server.url, job["id"], job["lease_token"], path).model_dump()
    body = {"lease_token": job["lease_token"], "files": [entry], "summary": {}}
    r = api.client.post(f"/api/v1/workers/jobs/{job['id']}/results", json=body, headers=api.worker)
    assert r.status_code == 200, r.text
    assert api.status(job, "POSTPROCESSING").status_code == 200
    assert api.status(job, "COMPLETED").status_code == 200


def links(api: Api, job_id: int, headers: dict[str, str]) -> dict[str, Any]:
    r = api.client.get(f"/api/v1/jobs/{job_id}/results", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def fetch(server: LiveServer, url: str) -> httpx.Response:
    return httpx.get(url if url.startswith("http") else server.url + url, timeout=30)


def zip_names(response: httpx.Response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[tuple[Api, LiveServer]]:
    for api in build_api(make_settings(database_url, tmp_path)):
        with LiveServer(api.app) as server:
            yield api, server


# -- item 2 -------------------------------------------------------------------------------
def test_a_deleted_jobs_links_never_reach_the_next_job(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    bobs = api.submit(api.bob, qc_body("bobs job"))
    [leased] = api.claim()
    finish_with(api, server, tmp_path, leased, "bob's secret\n")
    old = links(api, bobs["id"], api.bob)
    assert fetch(server, old["files"][0]["url"]).content == b"bob's secret\n"
    assert api.client.delete(f"/api/v1/jobs/{bobs['id']}", headers=api.bob).status_code == 204
    alices = api.submit(api.alice, qc_body("alices job"))
    assert alices["id"] > bobs["id"]  # ids are never handed out again (SQLite AUTOINCREMENT)
    [leased] = api.claim()
    finish_with(api, server, tmp_path, leased, "alice's secret\n")
    for url in (old["files"][0]["url"], old["zip_url"]):
        r = fetch(server, url)
        assert r.status_code == 404, r.text
        assert b"alice" not in r.content


# -- item 3 -------------------------------------------------------------------------------
def stale_worker_takes_part(api: Api, server: LiveServer, tmp_path: Path) -> dict[str, Any]:
    """Worker A's lease is taken away after it got an upload URL; worker B finishes the job;
    then A puts other bytes to its URL. Returns B's job (completed)."""
    job = api.submit(api.alice, qc_body("contested"))
    [a] = api.claim()
    stale = b"stale bytes\n"
    upload = {
        "lease_token": a["lease_token"],
        "name": "result.txt",
        "size": len(stale),
        "sha256": hashlib.sha256(stale).hexdigest(),
    }
    r = api.client.post(
        f"/api/v1/workers/jobs/{job['id']}/uploads", json=upload, headers=api.worker
    )
    assert r.status_code == 200, r.text
    instructions = r.json()
    api.client.post(f"/api/v1/admin/jobs/{job['id']}/requeue", headers=api.admin)
    [b] = api.claim()
    assert b["lease_token"] != a["lease_token"]
    finish_with(api, server, tmp_path, b, "the real result\n")
    # B also uploaded a file it never registered.
    extra = tmp_path / "extra" / "unregistered.txt"
    extra.parent.mkdir()
    extra.write_text("not registered\n")
    assert api.status(b, "COMPLETED").status_code == 409  # the lease is over
    # A, fenced out at the API, still has its presigned URL: its PUT lands (or is refused)
    # under its own lease prefix, never on the registered object.
    url = instructions["url"]
    httpx.put(
        url if url.startswith("http") else server.url + url,
        content=stale,
        headers=instructions["headers"],
        timeout=30,
    )
    return job


def check_only_registered_files_are_served(api: Api, server: LiveServer, job_id: int) -> None:
    res = links(api, job_id, api.alice)
    [f] = res["files"]
    served = fetch(server, f["url"]).content
    assert served == b"the real result\n"
    assert hashlib.sha256(served).hexdigest() == f["sha256"]
    assert zip_names(fetch(server, res["zip_url"])) == {"result.txt": b"the real result\n"}


def test_a_stale_worker_cannot_replace_a_registered_file_on_the_local_store(
    live: tuple[Api, LiveServer], tmp_path: Path
) -> None:
    api, server = live
    job = stale_worker_takes_part(api, server, tmp_path)
    check_only_registered_files_are_served(api, server, job["id"])


def test_a_stale_worker_cannot_replace_a_registered_file_on_s3(
    moto: Moto, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"fencing-{time.time_ns()}"
    s3 = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}?endpoint={moto.endpoint}&region=us-east-1"
    for api in build_api(make_settings(database_url, tmp_path, storage_url=url)):
        with LiveServer(api.app) as server:
            job = stale_worker_takes_part(api, server, tmp_path)
            check_only_registered_files_are_served(api, server, job["id"])
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
            assert len(keys) == 2  # B's registered file and A's stale one, under two leases
            assert len({k.rsplit("/", 2)[0] for k in keys}) == 1  # one job prefix


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
        entry = upload_result(http, server.url, job["id"], leased["lease_token"], path).dump()
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
