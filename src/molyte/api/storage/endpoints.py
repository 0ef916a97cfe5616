"""Signed storage URLs served by the API itself (mounted under `/api/v1`).

- `GET  /storage/objects/{key}`: download from the local store.
- `PUT  /storage/objects/{key}`: upload to the local store (bound to a size and sha256).
- `PUT  /storage/multipart/{upload_id}/{part_number}`: one part of a local multipart upload
  (bound to its size and sha256).
- `GET  /storage/zip/{prefix}`: a zip of everything under a prefix, streamed, from any store.

No bearer token: the HMAC signature in the query is the authorisation, so a browser link or a
worker PUT works as is. The store and signer come from `app.state.store` and
`app.state.url_signer`; override `get_object_store` / `get_url_signer` to supply others.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from molyte.api.deps import DB
from molyte.api.storage import service as storage_service
from molyte.errors import ConfigError, InvalidInput, NotFound
from molyte.storage.base import ObjectStore
from molyte.storage.keys import (
    check_sha256_hex,
    content_disposition,
    filename_of,
    validate_result_name,
)
from molyte.storage.local import LocalStore, ObjectWriter
from molyte.storage.signing import UrlSigner
from molyte.storage.zipstream import iter_zip

router = APIRouter(prefix="/storage", tags=["storage"])


def get_object_store(request: Request) -> ObjectStore:
    """The server's store, from `app.state.store`."""
    store: ObjectStore | None = getattr(request.app.state, "store", None)
    if store is None:
        raise ConfigError("the API has no object store (app.state.store is not set)")
    return store


def get_url_signer(request: Request) -> UrlSigner:
    """The server's URL signer, from `app.state.url_signer` (or the local store's own)."""
    signer: UrlSigner | None = getattr(request.app.state, "url_signer", None)
    if signer is None:
        store = getattr(request.app.state, "store", None)
        if isinstance(store, LocalStore):
            return store.signer
        raise ConfigError("the API has no URL signer (app.state.url_signer is not set)")
    return signer


def get_local_store(store: Annotated[ObjectStore, Depends(get_object_store)]) -> LocalStore:
    """The server's store if it is the local one; other stores serve their own URLs."""
    if not isinstance(store, LocalStore):
        raise NotFound("this server's results are not on its local disk")
    return store


LocalStoreDep = Annotated[LocalStore, Depends(get_local_store)]
StoreDep = Annotated[ObjectStore, Depends(get_object_store)]
SignerDep = Annotated[UrlSigner, Depends(get_url_signer)]


async def _receive(request: Request, writer: ObjectWriter, declared: str | None) -> None:
    """Stream the request body into `writer`; it enforces the byte limit as chunks arrive."""
    if declared is not None and request.headers.get("content-length") not in (None, declared):
        writer.discard()
        raise InvalidInput(f"Content-Length does not match the signed size {declared}")
    try:
        async for chunk in request.stream():
            writer.write(chunk)
    except BaseException:
        writer.discard()
        raise


@router.get("/objects/{key:path}")
def download_object(
    key: str,
    store: LocalStoreDep,
    filename: str | None = None,
    expires: str | None = None,
    signature: str | None = None,
) -> FileResponse:
    """Send a stored object as an attachment if the URL's signature holds."""
    name = filename or filename_of(key)
    store.signer.check("GET", ["object", key, name], expires, signature)
    path = store.object_path(key)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        headers={"Content-Disposition": content_disposition(validate_result_name(name))},
    )


@router.put("/objects/{key:path}")
async def upload_object(
    key: str,
    request: Request,
    store: LocalStoreDep,
    expires: str | None = None,
    size: str | None = None,
    sha256: str | None = None,
    signature: str | None = None,
) -> JSONResponse:
    """Receive an object; refuse it (keeping nothing) unless size and sha256 match the URL."""
    store.signer.check("PUT", ["object", key, size or "", sha256 or ""], expires, signature)
    expected_size = int(size) if size else None
    expected_sha = check_sha256_hex(sha256) if sha256 else None
    writer = store.open_writer(expected_size)
    await _receive(request, writer, size)
    # fsync and rename of a large file would stall the event loop; do them off it.
    await run_in_threadpool(writer.finish, expected_size, expected_sha)
    info = await run_in_threadpool(store.commit, key, writer)
    body: dict[str, Any] = {"key": key, "size": info.size, "sha256": info.sha256}
    return JSONResponse(body, headers={"ETag": f'"{info.sha256}"'})


@router.put("/multipart/{upload_id}/{part_number}")
async def upload_part(
    upload_id: str,
    part_number: int,
    request: Request,
    store: LocalStoreDep,
    expires: str | None = None,
    size: str | None = None,
    sha256: str | None = None,
    signature: str | None = None,
) -> JSONResponse:
    """Receive one part of a multipart upload, refused unless its size and sha256 match the
    URL; the ETag is the part's sha256."""
    fields = ["part", upload_id, str(part_number), size or "", sha256 or ""]
    store.signer.check("PUT", fields, expires, signature)
    store.upload_key(upload_id)  # NotFound before reading a byte of an unknown upload
    expected_size = int(size) if size else None
    expected_sha = check_sha256_hex(sha256) if sha256 else None
    writer = store.open_writer(expected_size)
    await _receive(request, writer, size)
    await run_in_threadpool(writer.finish, expected_size, expected_sha)
    etag = await run_in_threadpool(store.commit_part, upload_id, part_number, writer)
    body = {"part_number": part_number, "etag": etag, "size": writer.size}
    return JSONResponse(body, headers={"ETag": f'"{etag}"'})


def registered_entries(prefix: str, db: DB) -> list[tuple[str, str]]:
    """`(key, name)` of the registered files that a zip link's prefix names (overridable)."""
    return storage_service.zip_entries(db, prefix)


@router.get("/zip/{prefix:path}")
def download_zip(
    prefix: str,
    store: StoreDep,
    signer: SignerDep,
    entries: Annotated[list[tuple[str, str]], Depends(registered_entries)],
    filename: str | None = None,
    expires: str | None = None,
    signature: str | None = None,
) -> StreamingResponse:
    """Stream a zip of the registered result files of the job that `prefix` names
    (`results/<id>/<storage prefix>/`) if the URL's signature holds; an upload that was never
    registered (a stale worker's) is not in it."""
    name = filename or "results.zip"
    signer.check("GET", ["zip", prefix, name], expires, signature)
    if not entries:
        raise NotFound("there are no results to zip")
    return StreamingResponse(
        iter_zip(store, entries),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(validate_result_name(name))},
    )
