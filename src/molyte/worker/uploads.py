"""The worker's upload client: send a result file to where the server's upload reply says
(`POST /workers/jobs/{id}/uploads`, `molyte.protocol.uploads`), or with the worker's own `cos:`
keys straight to the bucket; the stores themselves are in `molyte.storage`.

Before asking, the worker hashes the file and each of its parts in one read; every upload URL
the server returns is bound to those hashes, so a file that changed after hashing, or bytes
damaged on the way, are refused by the store or, at the latest, at registration.
Bytes are streamed from disk in 1 MiB chunks (a 256 MiB trajectory never sits in memory).
Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and full jitter;
each retry re-reads the same bytes from the same offset, and a PUT of the same bytes to the same
key or part number replaces what was there, so a retry can never duplicate or mix data.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import httpx

from molyte.errors import Conflict, InvalidInput, MolyteError
from molyte.protocol import (
    CompletedPart,
    CompleteRequest,
    FileEntry,
    MultipartUpload,
    PartUpload,
    SingleUpload,
    UploadRequest,
    parse_upload_reply,
)
from molyte.storage.keys import result_key, validate_result_name
from molyte.storage.retry import RetryPolicy, StoreUnavailableError, retry_call
from molyte.storage.uploads import part_size_for

if TYPE_CHECKING:  # boto3 is imported only by a worker that uploads with its own keys
    from molyte.storage.s3 import S3Store

CHUNK_BYTES = 1024 * 1024
PARALLEL_PARTS = 4  # parts uploaded at once
logger = logging.getLogger(__name__)


class UploadRefusedError(MolyteError):
    """The object store or the server refused an upload."""

    status_code = 502

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class _TransientStatusError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def _is_transient(error: BaseException) -> bool:
    return isinstance(error, httpx.TransportError | _TransientStatusError)


def sha256_file(path: Path) -> tuple[int, str]:
    """The size in bytes and hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


@dataclass(frozen=True)
class FileDigest:
    """What the worker declares about a file before uploading it."""

    size: int
    sha256: str
    part_size: int
    part_sha256: list[str]  # of each `part_size` range, in order


def digest_file(path: Path, part_size: int | None = None) -> FileDigest:
    """Size and sha256 of a file and of each `part_size` range (default: `part_size_for` its
    size), from one read, so both describe the same bytes. The whole-file hash runs in a
    second thread (hashlib releases the GIL): with two free cores both cost about one pass."""
    size = Path(path).stat().st_size
    chosen = part_size or part_size_for(size)
    whole = hashlib.sha256()
    parts: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as hasher:  # one thread: chunks hashed in order
        behind: Future[None] | None = None
        for offset in range(0, size, chosen):
            part = hashlib.sha256()
            for chunk in file_chunks(path, offset, min(chosen, size - offset)):
                if behind is not None:
                    behind.result()  # at most one chunk waits for the whole-file hash
                behind = hasher.submit(whole.update, chunk)
                part.update(chunk)
            parts.append(part.hexdigest())
        if behind is not None:
            behind.result()
    return FileDigest(size, whole.hexdigest(), chosen, parts)


def file_chunks(path: Path, offset: int, length: int) -> Iterator[bytes]:
    """`length` bytes of a file from `offset`, in chunks of at most 1 MiB."""
    with Path(path).open("rb") as source:
        source.seek(offset)
        remaining = length
        while remaining > 0:
            chunk = source.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                raise InvalidInput(f"{path} became shorter while it was being uploaded")
            remaining -= len(chunk)
            yield chunk


def _put(
    http: httpx.Client,
    url: str,
    path: Path,
    offset: int,
    length: int,
    headers: Mapping[str, str],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
) -> str:
    """PUT one byte range with retries; returns the response's ETag (quotes removed)."""

    def attempt() -> str:
        request = http.build_request(
            "PUT",
            url,
            content=file_chunks(path, offset, length),
            headers={**headers, "Content-Length": str(length)},
        )
        # Presigned URLs carry their own authorisation; S3 refuses a second one in a header,
        # and the worker's bearer token must never travel to a third-party host.
        request.headers.pop("Authorization", None)
        response = http.send(request)
        response.read()
        if response.status_code >= 500 or response.status_code == 429:
            raise _TransientStatusError(response.status_code)
        if response.status_code >= 300:
            raise UploadRefusedError(
                f"upload refused with HTTP {response.status_code}: {response.text[:300]}",
                response.status_code,
            )
        etag: str = response.headers.get("ETag", "")
        return etag.strip().strip('"')

    try:
        return retry_call(attempt, _is_transient, policy, "upload", sleep)
    except (httpx.TransportError, _TransientStatusError) as error:
        raise StoreUnavailableError(
            f"the object store stayed unavailable for {policy.attempts} attempts"
        ) from error


def _without_length(given: Mapping[str, Any], length: int, path: Path) -> dict[str, str]:
    """The signed headers to send, less `Content-Length` (set per request), which must be
    the length about to be sent."""
    headers = {str(k): str(v) for k, v in given.items() if str(k).lower() != "content-length"}
    signed = next((str(v) for k, v in given.items() if str(k).lower() == "content-length"), None)
    if signed is not None and int(signed) != length:
        raise InvalidInput(
            f"{path} has {length} bytes to send but the upload was signed for {signed}"
        )
    return headers


def put_with_instructions(
    http: httpx.Client,
    instructions: SingleUpload | MultipartUpload,
    path: Path,
    base_url: str,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[CompletedPart]:
    """Upload `path` as the server's upload reply says; return the parts for
    `uploads/complete` (empty for a single PUT). Relative URLs are joined to `base_url`."""
    policy = retry or RetryPolicy()
    size = Path(path).stat().st_size
    if isinstance(instructions, SingleUpload):
        headers = _without_length(instructions.headers, size, path)
        url = urljoin(base_url, instructions.url)
        _put(http, url, path, 0, size, headers, policy, sleep)
        return []
    part_size = instructions.part_size
    parts = sorted(instructions.parts, key=lambda p: p.part_number)
    numbers = [p.part_number for p in parts]
    if numbers != list(range(1, len(parts) + 1)):
        raise InvalidInput("upload parts must be numbered 1, 2, 3, ... without gaps")
    if (len(parts) - 1) * part_size >= size or len(parts) * part_size < size:
        raise InvalidInput(f"{path} has {size} bytes, which does not fit {len(parts)} parts")

    def send(part: PartUpload) -> CompletedPart:
        offset = (part.part_number - 1) * part_size
        length = min(part_size, size - offset)
        headers = _without_length(part.headers, length, path)
        url = urljoin(base_url, part.url)
        etag = _put(http, url, path, offset, length, headers, policy, sleep)
        return CompletedPart(part_number=part.part_number, etag=etag, sha256=part.sha256)

    # A few parts in flight at once: one TCP stream rarely fills a long link to the store.
    with ThreadPoolExecutor(max_workers=PARALLEL_PARTS) as pool:
        return list(pool.map(send, parts))


def upload_result(
    http: httpx.Client,
    base_url: str,
    job_id: int,
    lease_token: str,
    path: Path,
    name: str | None = None,
    retry: RetryPolicy | None = None,
    part_size: int | None = None,
) -> FileEntry:
    """Hash the file and its parts, ask the server for upload URLs bound to them, send the
    file, complete a multipart upload; return the file's entry for
    `POST /workers/jobs/{id}/results`. `part_size` defaults to `part_size_for` the file.

    A stale lease token (409) raises Conflict: the worker must then drop the job's results."""
    policy = retry or RetryPolicy()
    name = validate_result_name(name or Path(path).name)
    digest = digest_file(path, part_size)
    root = base_url.rstrip("/")
    root = root if root.endswith("/api/v1") else root + "/api/v1"
    api = f"{root}/workers/jobs/{job_id}"

    def post(url: str, body: UploadRequest | CompleteRequest) -> Any:
        def attempt() -> Any:
            response = http.post(url, json=body.dump())
            if response.status_code >= 500 or response.status_code == 429:
                raise _TransientStatusError(response.status_code)
            if response.status_code == 409:
                raise Conflict(f"the server refused the upload: {response.text[:300]}")
            if response.status_code >= 300:
                raise UploadRefusedError(
                    f"upload request refused with HTTP {response.status_code}: "
                    f"{response.text[:300]}",
                    response.status_code,
                )
            return response.json()

        return retry_call(attempt, _is_transient, policy, "upload request")

    request = UploadRequest(
        lease_token=lease_token,
        name=name,
        size=digest.size,
        sha256=digest.sha256,
        # The server uses these only above its multipart threshold, which it alone knows.
        part_size=digest.part_size,
        part_sha256=digest.part_sha256,
    )
    instructions = parse_upload_reply(post(f"{api}/uploads", request))
    parts = put_with_instructions(http, instructions, path, base_url, policy)
    if isinstance(instructions, MultipartUpload):
        complete = CompleteRequest(
            lease_token=lease_token, name=name, upload_id=instructions.upload_id, parts=parts
        )
        post(f"{api}/uploads/complete", complete)
    return FileEntry(name=name, size=digest.size, sha256=digest.sha256)


def upload_direct(store: S3Store, prefix: str, path: Path, name: str | None = None) -> FileEntry:
    """Upload straight to S3/COS with the worker's own `cos:` keys, under the lease's key
    `prefix` (the leased job's `result_prefix`); return the results entry."""
    name = validate_result_name(name or Path(path).name)
    size, sha256 = sha256_file(path)
    store.put(result_key(prefix, name), path)
    return FileEntry(name=name, size=size, sha256=sha256)
