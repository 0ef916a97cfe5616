"""Results through the whole path on a real S3 server: worker -> presigned upload -> moto ->
registration -> user's presigned download -> zip -> deletion removes the objects."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from pathlib import Path

import boto3
import httpx
import pytest

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
        assert keys == [f"results/{job['id']}/result.txt"]
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
        assert keys == [f"results/{job['id']}/result.txt"]
        [f] = api.client.get(f"/api/v1/jobs/{job['id']}/results", headers=api.alice).json()["files"]
        assert httpx.get(f["url"]).content == b"molyte\n"
        assert [e["to"] for e in api.job(job["id"])["events"]].count("COMPLETED") == 1
        report_counts("s3-hang", 1, [api.job(job["id"])])
