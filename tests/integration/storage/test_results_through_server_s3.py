"""Results through the whole path on a real S3 server: worker -> presigned upload -> moto ->
registration -> user's presigned download -> zip -> deletion removes the objects."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import time
import zipfile
from pathlib import Path

import boto3
import httpx
import pytest

from molyte.storage.s3 import S3Store
from molyte.worker.uploads import upload_result
from support import LiveServer, Moto, api_session, make_settings, qc_body, report_counts
from worker_harness import test_worker, worker_config


def test_worker_results_on_s3_are_downloadable_and_deleted(
    moto: Moto, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mp = monkeypatch
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"results-{time.time_ns()}"
    s3 = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}?endpoint={moto.endpoint}&region=us-east-1"
    with (
        api_session(make_settings(database_url, tmp_path, storage_url=url)) as api,
        LiveServer(api.app) as server,
    ):
        job = api.submit(api.alice, qc_body("results on S3"))
        worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "w"))
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while api.job(job["id"])["state"] != "COMPLETED":
                assert time.monotonic() < deadline, api.job(job["id"])
                time.sleep(0.3)
        finally:
            worker.stop()
            thread.join(timeout=30)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        # One object, under the job's random prefix and the lease's own segment.
        [key] = keys
        assert re.fullmatch(rf"results/{job['id']}/[0-9a-f]{{32}}/[0-9a-f]{{24}}/result\.txt", key)
        res = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()
        [f] = res["files"]
        assert f["url"].startswith(moto.endpoint)  # a presigned S3 URL, not the API
        body = httpx.get(f["url"]).content
        assert body == b"molyte\n" and hashlib.sha256(body).hexdigest() == f["sha256"]
        z = httpx.get(server.url + res["zip_url"])
        assert z.status_code == 200
        assert zipfile.ZipFile(io.BytesIO(z.content)).read("result.txt") == b"molyte\n"
        assert (
            api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.bob).status_code == 404
        )
        assert api.client.delete(f"/api/v1/jobs/{job['id']}", headers=api.alice).status_code == 204
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_store_down_during_upload_result_arrives_once_back(
    moto: Moto, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"outage-{time.time_ns()}"
    s3 = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}?endpoint={moto.endpoint}&region=us-east-1"
    with (
        api_session(make_settings(pg_url, tmp_path, storage_url=url)) as api,
        LiveServer(api.app) as server,
    ):
        job = api.submit(api.alice, qc_body("upload through an outage"))
        worker = test_worker(worker_config(server.url, api.worker_token, tmp_path / "w"), 2)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while api.job(job["id"])["state"] != "RUNNING":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            moto.pause()  # the store hangs while the worker uploads
            try:
                time.sleep(8)
                assert api.job(job["id"])["state"] in ("RUNNING", "POSTPROCESSING")
                assert (
                    api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()[
                        "files"
                    ]
                    == []
                )
            finally:
                moto.resume()
            deadline = time.monotonic() + 120
            while api.job(job["id"])["state"] != "COMPLETED":
                assert time.monotonic() < deadline, api.job(job["id"])
                time.sleep(0.5)
        finally:
            worker.stop()
            thread.join(timeout=60)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        # One object, under the job's random prefix and the lease's own segment.
        [key] = keys
        assert re.fullmatch(rf"results/{job['id']}/[0-9a-f]{{32}}/[0-9a-f]{{24}}/result\.txt", key)
        [f] = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()["files"]
        assert httpx.get(f["url"]).content == b"molyte\n"
        assert [e["to"] for e in api.job(job["id"])["events"]].count("COMPLETED") == 1
        report_counts("s3-hang", 1, [api.job(job["id"])])


def test_multipart_result_is_checked_by_the_store_checksum_not_read_back(
    moto: Moto, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"multipart-{time.time_ns()}"
    boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    url = f"s3://{bucket}?endpoint={moto.endpoint}&region=us-east-1"
    mib = 1024 * 1024
    path = tmp_path / "traj.dcd"
    path.write_bytes(hashlib.sha256(b"traj").digest() * (11 * mib // 32))
    settings = make_settings(pg_url, tmp_path, storage_url=url, multipart_threshold_bytes=5 * mib)
    with api_session(settings) as api, LiveServer(api.app) as server:
        job = api.submit(api.alice, qc_body("multipart on S3"))
        [leased] = api.claim()
        assert api.status(leased, "QUEUED", scheduler_job_id="7").status_code == 200
        assert api.status(leased, "RUNNING").status_code == 200
        store = api.ctx.store
        assert isinstance(store, S3Store)
        reads: list[str] = []
        store.client.meta.events.register(
            "before-call.s3.GetObject", lambda params, **_: reads.append(params["url_path"])
        )
        results = f"/api/v1/workers/jobs/{job['id']}/results"
        with httpx.Client(base_url=server.url, headers=api.worker, timeout=60) as http:
            entry = upload_result(
                http, server.url, job["id"], leased["lease_token"], path, part_size=5 * mib
            ).model_dump()
            assert entry["size"] == path.stat().st_size
            wrong = {**entry, "sha256": hashlib.sha256(b"other").hexdigest()}
            body = {"lease_token": leased["lease_token"], "summary": {}}
            refused = http.post(results, json={**body, "files": [wrong]})
            assert refused.status_code == 422, refused.text
            assert "does not match its declared size and sha256" in refused.text
            again = upload_result(  # the refused object was deleted: upload it again
                http, server.url, job["id"], leased["lease_token"], path, part_size=5 * mib
            )
            assert again.model_dump() == entry
            registered = http.post(results, json={**body, "files": [entry]})
            assert registered.json() == {"registered": 1, "bytes": entry["size"]}
        assert reads == []  # neither check downloaded the object
        [f] = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()["files"]
        assert f["sha256"] == entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert httpx.get(f["url"]).content == path.read_bytes()
