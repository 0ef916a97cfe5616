"""The local store behind a real HTTP server (uvicorn on loopback) with the storage router.

The test app also has minimal stand-ins for the server's worker endpoints, each one call to
`molyte.storage.uploads`, so the worker side (`upload_result`) runs the whole contract.
"""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from molyte.api.storage.endpoints import registered_entries
from molyte.api.storage.endpoints import router as storage_router
from molyte.errors import InvalidInput, MolyteError
from molyte.protocol import parse_upload_reply
from molyte.storage.keys import filename_of
from molyte.storage.local import LocalStore
from molyte.storage.retry import RetryPolicy
from molyte.storage.signing import UrlSigner
from molyte.storage.uploads import (
    MIB,
    complete_upload,
    result_links,
    upload_instructions,
    verify_results,
)
from molyte.worker.uploads import put_with_instructions, sha256_file, upload_result


def put_parts(
    http: httpx.Client, body: dict[str, Any], path: Path, *args: Any, **kwargs: Any
) -> list[Any]:
    """The worker's upload client on the store's instructions (a dict, as the server's
    `upload_instructions` returns it); the parts as `complete_upload` takes them."""
    sent = put_with_instructions(http, parse_upload_reply(body), path, *args, **kwargs)
    return [p.model_dump() for p in sent]


SECRET = "integration-secret"


def build_app(store: LocalStore) -> FastAPI:
    app = FastAPI()
    app.state.store = store
    app.state.url_signer = store.signer

    @app.exception_handler(MolyteError)
    async def molyte_error(request: Request, error: MolyteError) -> JSONResponse:
        return JSONResponse({"detail": error.message}, status_code=error.status_code)

    api = APIRouter(prefix="/api/v1")
    api.include_router(storage_router)

    @api.post("/workers/jobs/{job_id}/uploads")
    def uploads(job_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return upload_instructions(
            store, f"results/{job_id}/", body["name"], body["size"], body["sha256"],
            body.get("part_size"), body.get("part_sha256"), multipart_threshold=5 * MIB,
        )  # fmt: skip

    @api.post("/workers/jobs/{job_id}/uploads/complete")
    def complete(job_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return complete_upload(
            store, f"results/{job_id}/", body["name"], body["upload_id"], body["parts"]
        )

    @api.post("/workers/jobs/{job_id}/results")
    def results(job_id: int, body: dict[str, Any]) -> dict[str, Any]:
        files = verify_results(store, f"results/{job_id}/", body["files"])
        app.state.registered = files
        return {"files": files}

    @api.get("/jobs/{job_id}/results")
    def links(job_id: int) -> dict[str, Any]:
        return result_links(
            store, store.signer, f"results/{job_id}/", app.state.registered, 60,
            zip_name=f"job-{job_id}-results.zip",
        )  # fmt: skip

    app.include_router(api)
    # No database here: the zip holds what is under the prefix.
    app.dependency_overrides[registered_entries] = lambda prefix: [
        (key, filename_of(key)) for key in store.list_prefix(prefix)
    ]
    return app


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, LocalStore]]:
    store = LocalStore(tmp_path / "store", UrlSigner(SECRET), max_object_bytes=64 * MIB)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(build_app(store), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started
    yield f"http://127.0.0.1:{port}", store
    uv.should_exit = True
    thread.join(timeout=10)


def write_file(path: Path, size: int, seed: int = 0) -> Path:
    block = hashlib.sha256(str(seed).encode()).digest() * 32768
    data = (block * (size // len(block) + 1))[:size]
    path.write_bytes(data)
    return path


def test_worker_uploads_registers_and_user_downloads(
    server: tuple[str, LocalStore], tmp_path: Path
) -> None:
    base_url, store = server
    small = write_file(tmp_path / "log.lammps", 4000, seed=1)
    big = write_file(tmp_path / "traj.dcd", 12 * MIB + 7, seed=2)  # 3 parts of <= 5 MiB
    unicode_name = write_file(tmp_path / "電解質 rdf.csv", 50, seed=3)
    with httpx.Client(headers={"Authorization": "Bearer worker-token"}, timeout=30) as http:
        entries = [
            upload_result(http, base_url, 21, "lease", p, part_size=5 * MIB).dump()
            for p in (small, big, unicode_name)
        ]
        response = http.post(f"{base_url}/api/v1/workers/jobs/21/results", json={"files": entries})
        assert response.status_code == 200, response.text
        assert [f["key"] for f in response.json()["files"]] == [
            "results/21/log.lammps",
            "results/21/traj.dcd",
            "results/21/電解質 rdf.csv",
        ]
        links = http.get(f"{base_url}/api/v1/jobs/21/results").json()
        for entry, path in zip(links["files"], (small, big, unicode_name), strict=True):
            assert entry["url"].startswith("/api/v1/storage/objects/results/21/")
            download = http.get(base_url + entry["url"])
            assert download.status_code == 200
            assert download.content == path.read_bytes()
            assert "attachment;" in download.headers["content-disposition"]
        assert download.headers["content-disposition"].endswith(
            "filename*=UTF-8''%E9%9B%BB%E8%A7%A3%E8%B3%AA%20rdf.csv"
        )
        archive_response = http.get(base_url + links["zip_url"])
    assert archive_response.status_code == 200
    assert archive_response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(archive_response.content))
    assert sorted(archive.namelist()) == sorted(p.name for p in (small, big, unicode_name))
    assert archive.read("traj.dcd") == big.read_bytes()
    assert list((store.root / "multipart").iterdir()) == []
    assert list((store.root / "tmp").iterdir()) == []


def test_uploading_the_same_file_again_is_harmless(
    server: tuple[str, LocalStore], tmp_path: Path
) -> None:
    base_url, store = server
    path = write_file(tmp_path / "out.bin", 6 * MIB, seed=4)
    with httpx.Client(timeout=30) as http:
        first = upload_result(http, base_url, 22, "lease", path)
        second = upload_result(http, base_url, 22, "lease", path)
    assert first == second
    assert store.list_prefix("results/22/") == ["results/22/out.bin"]
    assert store.verify("results/22/out.bin", first.size, first.sha256).size == 6 * MIB


def test_mismatched_bytes_are_refused_and_nothing_is_kept(
    server: tuple[str, LocalStore], tmp_path: Path
) -> None:
    base_url, store = server
    declared = write_file(tmp_path / "a.bin", 1000, seed=5)
    size, sha256 = sha256_file(declared)
    body = upload_instructions(store, "results/23/", "a.bin", size, sha256)
    with httpx.Client() as http:
        wrong = http.put(base_url + body["url"], content=b"x" * 1000)
        longer = http.put(base_url + body["url"], content=declared.read_bytes() + b"!")
        shorter = http.put(base_url + body["url"], content=declared.read_bytes()[:999])
        # chunked, so no Content-Length to check first: the byte limit stops it while streaming
        chunked = http.put(base_url + body["url"], content=iter([b"y" * 600, b"y" * 600]))
        good = http.put(base_url + body["url"], content=declared.read_bytes())
    assert (wrong.status_code, wrong.json()) == (
        422,
        {"detail": "upload sha256 does not match the signed sha256"},
    )
    assert longer.status_code == 422 and "Content-Length" in longer.json()["detail"]
    assert shorter.status_code == 422
    assert chunked.status_code == 422 and "larger than the 1000 bytes" in chunked.json()["detail"]
    assert good.status_code == 200 and good.headers["etag"] == f'"{sha256}"'
    assert list((store.root / "tmp").iterdir()) == []
    assert store.list_prefix("results/") == ["results/23/a.bin"]


def _with(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"{parts.path}?{urlencode(query)}"


def test_tampered_expired_or_stripped_urls_are_refused(
    server: tuple[str, LocalStore], tmp_path: Path
) -> None:
    base_url, store = server
    store.write_stream("results/24/secret.txt", iter([b"top secret"]))
    store.write_stream("results/24/other.txt", iter([b"other"]))
    url = store.presign_get("results/24/secret.txt", 60)
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    expired_at = int(time.time()) - 5
    expired_sig = store.signer.sign(
        "GET", ["object", "results/24/secret.txt", "secret.txt"], expired_at
    )
    refused = {
        "signature changed": _with(url, signature=flipped),
        "expiry extended": _with(url, expires=str(int(time.time()) + 10_000)),
        "name changed": _with(url, filename="secret.exe"),
        "signature stripped": _with(url, signature=None),
        "expiry stripped": _with(url, expires=None),
        "other key": _with(url).replace("secret.txt?", "other.txt?", 1),
        "expired": _with(url, expires=str(expired_at), signature=expired_sig),
    }
    put_url = store.presign_upload("results/24/new.txt", 3, hashlib.sha256(b"abc").hexdigest(), 60)
    with httpx.Client() as http:
        assert http.get(base_url + url).content == b"top secret"
        for why, bad in refused.items():
            response = http.get(base_url + bad)
            assert response.status_code == 403, why
            assert response.content != b"top secret"
        assert http.put(base_url + _with(put_url.url, size="4"), content=b"abcd").status_code == 403
        assert (
            http.put(base_url + _with(put_url.url, sha256=None), content=b"abd").status_code == 403
        )
        assert http.put(base_url + put_url.url, content=b"abc").status_code == 200
        unbound = store.presign_put("results/24/any.txt", 60)
        assert http.put(base_url + unbound, content=b"any bytes").status_code == 200
        assert (
            http.put(base_url + _with(unbound, size="9"), content=b"any bytes").status_code == 403
        )
        sha_x = hashlib.sha256(b"x").hexdigest()
        upload_id = store.create_multipart("results/24/p", sha_x, [sha_x])
        part = store.presign_part("results/24/p", upload_id, 1, 1, sha_x, 60).url
        assert http.put(base_url + part.replace("/1?", "/2?"), content=b"x").status_code == 403
        assert http.put(base_url + _with(part, size="2"), content=b"xy").status_code == 403
        assert http.put(base_url + _with(part, sha256=None), content=b"y").status_code == 403
        refused = http.put(base_url + part, content=b"y")  # the signed size, other bytes
        assert refused.status_code == 422 and "sha256 does not match" in refused.json()["detail"]
        assert http.put(base_url + part, content=b"x").headers["etag"] == f'"{sha_x}"'

        expired_zip = store.signer.sign("GET", ["zip", "results/24/", "z.zip"], expired_at)
        query = urlencode({"filename": "z.zip", "expires": expired_at, "signature": expired_zip})
        assert http.get(f"{base_url}/api/v1/storage/zip/results/24/?{query}").status_code == 403


def test_path_traversal_cannot_reach_outside_the_store(
    server: tuple[str, LocalStore], tmp_path: Path
) -> None:
    base_url, store = server
    (tmp_path / "outside.txt").write_text("keep out")
    with httpx.Client() as http:
        refused = http.post(
            f"{base_url}/api/v1/workers/jobs/25/uploads",
            json={"name": "../../outside.txt", "size": 1, "sha256": "a" * 64},
        )
        assert refused.status_code == 422
        assert "must not contain '/'" in refused.json()["detail"]
        # A forged request with an encoded traversal and a made-up signature never gets far.
        for path in ["objects/..%2F..%2Foutside.txt", "objects/results/%2E%2E/%2E%2E/outside.txt"]:
            query = "expires=9999999999&signature=" + "0" * 64
            assert http.get(f"{base_url}/api/v1/storage/{path}?{query}").status_code == 403
            assert (
                http.put(f"{base_url}/api/v1/storage/{path}?{query}", content=b"x").status_code
                == 403
            )
    assert (tmp_path / "outside.txt").read_text() == "keep out"
    with pytest.raises(InvalidInput):
        store.presign_upload("results/../../outside.txt", 1, "a" * 64, 60)


def test_transfer_retries_while_the_server_is_down(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store", UrlSigner(SECRET))
    path = write_file(tmp_path / "energies.csv", 200_000, seed=6)
    size, sha256 = sha256_file(path)
    body = upload_instructions(store, "results/26/", "energies.csv", size, sha256)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    uv = uvicorn.Server(
        uvicorn.Config(build_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    waits: list[float] = []
    thread = threading.Thread(target=uv.run, daemon=True)

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            thread.start()  # the server comes up after two refused attempts
            while not uv.started:
                time.sleep(0.05)

    try:
        with httpx.Client() as http:
            put_parts(http, body, path, f"http://127.0.0.1:{port}", RetryPolicy(5, 0.1, 0.2), sleep)
    finally:
        uv.should_exit = True
        if thread.is_alive():
            thread.join(timeout=10)
    assert len(waits) == 2
    assert store.verify("results/26/energies.csv", size, sha256).size == 200_000
