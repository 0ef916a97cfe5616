"""S3Store and the worker transfer against a real S3 HTTP server (moto_server) on loopback."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from molyte.errors import InvalidInput
from molyte.protocol import parse_upload_reply
from molyte.storage.base import ObjectInfo
from molyte.storage.retry import RetryPolicy
from molyte.storage.s3 import S3Store
from molyte.storage.signing import UrlSigner
from molyte.storage.uploads import (
    MIB,
    complete_upload,
    result_links,
    upload_instructions,
    verify_results,
)
from molyte.worker.uploads import digest_file, put_with_instructions, sha256_file, upload_direct
from support import Moto


def put_parts(
    http: httpx.Client, body: dict[str, Any], path: Path, *args: Any, **kwargs: Any
) -> list[Any]:
    """The worker's upload client on the store's instructions (a dict, as the server's
    `upload_instructions` returns it); the parts as `complete_upload` takes them."""
    sent = put_with_instructions(http, parse_upload_reply(body), path, *args, **kwargs)
    return [p.model_dump() for p in sent]


pytestmark = pytest.mark.s3

BASE_URL = "http://molyte-server.invalid"  # never contacted: S3 URLs are absolute


def make_store(moto: Moto, bucket: str) -> S3Store:
    store = S3Store(
        bucket,
        endpoint_url=moto.endpoint,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        retry=RetryPolicy(attempts=3, base_delay=0.1, max_delay=0.5),
    )
    store.client.create_bucket(Bucket=bucket)
    return store


_counter = iter(range(1_000_000))


@pytest.fixture
def store(moto: Moto) -> S3Store:
    if moto.process is None:
        moto.start()
    return make_store(moto, f"molyte-test-{next(_counter)}")


def write_file(path: Path, size: int, seed: int = 0) -> Path:
    block = hashlib.sha256(str(seed).encode()).digest() * 32768  # 1 MiB of non-repeating-ish bytes
    with path.open("wb") as out:
        remaining = size
        while remaining:
            chunk = block[: min(len(block), remaining)]
            out.write(chunk)
            remaining -= len(chunk)
    return path


def instructions(store: S3Store, job_id: int, path: Path, name: str = "") -> dict[str, Any]:
    """What POST .../uploads answers for `path`, with 5 MiB parts above 5 MiB."""
    d = digest_file(path, 5 * MIB)
    return upload_instructions(
        store,
        f"results/{job_id}/",
        name or path.name,
        d.size,
        d.sha256,
        d.part_size,
        d.part_sha256,
        multipart_threshold=5 * MIB,
    )


def upload(
    store: S3Store, job_id: int, path: Path, http: httpx.Client, **retry: Any
) -> dict[str, Any]:
    size, sha256 = sha256_file(path)
    body = instructions(store, job_id, path)
    parts = put_parts(http, body, path, BASE_URL, **retry)
    if body["multipart"]:
        complete_upload(store, f"results/{job_id}/", path.name, body["upload_id"], parts)
    return {"name": path.name, "size": size, "sha256": sha256}


def count_reads(store: S3Store) -> list[str]:
    """The keys of every GetObject the store sends from now on."""
    reads: list[str] = []
    store.client.meta.events.register(
        "before-call.s3.GetObject", lambda params, **_: reads.append(params["url_path"])
    )
    return reads


def test_single_upload_register_and_presigned_download(store: S3Store, tmp_path: Path) -> None:
    path = write_file(tmp_path / "log.lammps", 300_000)
    with httpx.Client() as http:
        entry = upload(store, 11, path, http)
        checked = verify_results(store, "results/11/", [entry])
        assert checked == [{**entry, "key": "results/11/log.lammps"}]
        links = result_links(
            store, UrlSigner("k"), "results/11/", [{**entry, "key": checked[0]["key"]}],
            expires_seconds=60,
        )  # fmt: skip
        response = http.get(links["files"][0]["url"])
    assert response.status_code == 200
    assert response.content == path.read_bytes()
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"log.lammps\"; filename*=UTF-8''log.lammps"
    )
    info = store.head("results/11/log.lammps")
    assert info is not None and info.size == 300_000


def test_multipart_upload_over_the_threshold(store: S3Store, tmp_path: Path) -> None:
    path = write_file(tmp_path / "traj.dcd", 12 * MIB + 12345, seed=1)
    size, sha256 = sha256_file(path)
    body = instructions(store, 12, path)
    assert body["multipart"] is True and len(body["parts"]) == 3
    signed = body["parts"][0]["url"].split("X-Amz-SignedHeaders=")[1].split("&")[0]
    assert signed == "content-length%3Bhost%3Bx-amz-checksum-sha256"
    with httpx.Client() as http:
        parts = put_parts(http, body, path, BASE_URL)
    assert [p["part_number"] for p in parts] == [1, 2, 3]
    complete_upload(store, "results/12/", "traj.dcd", body["upload_id"], parts)
    reads = count_reads(store)
    verify_results(store, "results/12/", [{"name": "traj.dcd", "size": size, "sha256": sha256}])
    assert reads == []  # checked by the checksum moto computed, not by reading it back
    assert store.head("results/12/traj.dcd") == ObjectInfo(size=size)  # composite: no sha256
    dest = tmp_path / "back.dcd"
    store.get("results/12/traj.dcd", dest)
    assert reads  # the hook does see reads
    assert sha256_file(dest) == (size, sha256)
    assert store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []


def test_a_damaged_part_is_refused_at_registration(store: S3Store, tmp_path: Path) -> None:
    path = write_file(tmp_path / "traj.dcd", 11 * MIB, seed=7)
    size, sha256 = sha256_file(path)
    body = instructions(store, 19, path)
    with httpx.Client() as http:
        parts = put_parts(http, body, path, BASE_URL)
        # Part 2 again, same length, other bytes: moto does not check the signed checksum
        # (AWS and MinIO would refuse this PUT), so the bytes reach the object.
        second = body["parts"][1]
        response = http.put(second["url"], content=b"\0" * 5 * MIB, headers=second["headers"])
        assert response.status_code == 200
    parts[1]["etag"] = response.headers["ETag"].strip('"')
    complete_upload(store, "results/19/", "traj.dcd", body["upload_id"], parts)
    reads = count_reads(store)
    with pytest.raises(InvalidInput, match="does not match its declared size and sha256"):
        verify_results(store, "results/19/", [{"name": "traj.dcd", "size": size, "sha256": sha256}])
    assert reads == [] and store.head("results/19/traj.dcd") is None


def test_a_new_upload_of_a_key_aborts_the_unfinished_one(store: S3Store, tmp_path: Path) -> None:
    path = write_file(tmp_path / "traj.dcd", 6 * MIB, seed=8)
    first = instructions(store, 20, path)
    other = instructions(store, 20, path, name="traj.dcd.gz")  # a key that starts the same
    second = instructions(store, 20, path)
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    assert sorted(u["UploadId"] for u in uploads) == sorted(
        [other["upload_id"], second["upload_id"]]
    )
    assert first["upload_id"] not in {u["UploadId"] for u in uploads}


def test_checksum_mismatch_is_refused_and_nothing_is_kept(store: S3Store, tmp_path: Path) -> None:
    declared = write_file(tmp_path / "declared.bin", 1000, seed=2)
    _, declared_sha = sha256_file(declared)
    sent = write_file(tmp_path / "rdf.csv", 1000, seed=3)  # same size, other bytes
    body = upload_instructions(store, "results/13/", "rdf.csv", 1000, declared_sha)
    assert "x-amz-checksum-sha256" in body["url"].split("X-Amz-SignedHeaders=")[1].split("&")[0]
    with httpx.Client() as http:
        put_parts(http, body, sent, BASE_URL)  # moto does not check the header
    with pytest.raises(InvalidInput, match="does not match its declared size and sha256"):
        verify_results(
            store, "results/13/", [{"name": "rdf.csv", "size": 1000, "sha256": declared_sha}]
        )
    assert store.head("results/13/rdf.csv") is None
    with pytest.raises(InvalidInput, match="was not uploaded"):
        verify_results(
            store, "results/13/", [{"name": "rdf.csv", "size": 1000, "sha256": declared_sha}]
        )


def test_wrong_etag_aborts_the_multipart_upload(store: S3Store, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 6 * MIB, seed=4)
    body = instructions(store, 14, path)
    with httpx.Client() as http:
        parts = put_parts(http, body, path, BASE_URL)
    parts[0]["etag"] = "0" * 32
    with pytest.raises(InvalidInput, match="refused the parts"):
        complete_upload(store, "results/14/", "big.bin", body["upload_id"], parts)
    assert store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []
    assert store.head("results/14/big.bin") is None


def test_path_traversal_names_are_refused(store: S3Store) -> None:
    for name in ["../../etc/passwd", "a/b", ".ssh", "x\x00y"]:
        with pytest.raises(InvalidInput):
            upload_instructions(store, "results/15/", name, 1, "a" * 64)
    assert store.list_prefix("results/") == []


def test_delete_prefix_and_direct_upload(store: S3Store, tmp_path: Path) -> None:
    a = write_file(tmp_path / "a.txt", 10)
    entry = upload_direct(store, "results/16/", a)
    assert entry.model_dump() == {
        "name": "a.txt",
        **dict(zip(("size", "sha256"), sha256_file(a), strict=True)),
    }
    verify_results(store, "results/16/", [entry.model_dump()])
    upload_direct(store, "results/160/", a)
    store.create_multipart("results/16/pending.bin", "a" * 64, ["b" * 64])
    assert store.delete_prefix("results/16/") == 1
    assert store.list_prefix("results/") == ["results/160/a.txt"]
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    assert uploads == []


def test_upload_survives_a_store_restart(moto: Moto, store: S3Store, tmp_path: Path) -> None:
    path = write_file(tmp_path / "summary.json", 2 * MIB, seed=5)
    size, sha256 = sha256_file(path)
    body = upload_instructions(store, "results/17/", "summary.json", size, sha256)
    moto.stop()
    restarting = threading.Lock()
    attempts: list[float] = []

    def sleep(seconds: float) -> None:
        attempts.append(seconds)
        time.sleep(seconds)
        # The restarted moto is empty until the bucket is created again (an operator's job in
        # real life); a retry must not land between those two steps.
        with restarting:
            pass

    errors: list[BaseException] = []

    def transfer() -> None:
        try:
            with httpx.Client(timeout=5) as http:
                put_parts(http, body, path, BASE_URL, RetryPolicy(10, 0.2, 1.0), sleep)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=transfer)
    worker.start()
    time.sleep(1.5)
    with restarting:
        moto.start()
        store.client.create_bucket(Bucket=store.bucket)
    worker.join(timeout=40)
    assert not worker.is_alive() and errors == []
    assert len(attempts) >= 2  # it really met the outage and retried
    assert store.list_prefix("results/17/") == ["results/17/summary.json"]
    assert verify_results(
        store, "results/17/", [{"name": "summary.json", "size": size, "sha256": sha256}]
    )


def test_multipart_survives_a_hung_store(moto: Moto, store: S3Store, tmp_path: Path) -> None:
    path = write_file(tmp_path / "traj.xtc", 11 * MIB, seed=6)
    size, sha256 = sha256_file(path)
    body = instructions(store, 18, path)
    paused: list[float] = []
    part_two_sends: list[int] = []

    def hang_once(request: httpx.Request) -> None:
        if "partNumber=2" in str(request.url):
            part_two_sends.append(1)
        # Freeze the server (SIGSTOP: it keeps its state) as part 2 starts, for 3 seconds.
        if "partNumber=2" in str(request.url) and not paused:
            paused.append(time.monotonic())
            moto.pause()
            threading.Timer(3.0, moto.resume).start()

    timeout = httpx.Timeout(1.0, connect=1.0)
    with httpx.Client(timeout=timeout, event_hooks={"request": [hang_once]}) as http:
        parts = put_parts(http, body, path, BASE_URL, RetryPolicy(10, 0.2, 1.0))
    assert paused and time.monotonic() - paused[0] >= 3.0
    assert len(part_two_sends) >= 2  # the hung attempt timed out and was sent again
    complete_upload(store, "results/18/", "traj.xtc", body["upload_id"], parts)
    verify_results(store, "results/18/", [{"name": "traj.xtc", "size": size, "sha256": sha256}])
    assert store.list_prefix("results/18/") == ["results/18/traj.xtc"]
