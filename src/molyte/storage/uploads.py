"""What the server's worker endpoints call: upload instructions, multipart completion,
registration checks and the short-lived links of `GET /jobs/{id}/results`.

Each function takes the store and plain values and returns the JSON body of the contract, so
the endpoints stay thin and the rules live here, next to the stores they depend on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from molyte.errors import InvalidInput
from molyte.storage.base import ObjectStore, UploadedPart
from molyte.storage.keys import (
    check_part_number,
    check_sha256_hex,
    result_key,
    validate_result_name,
)
from molyte.storage.signing import UrlSigner
from molyte.storage.zipstream import presign_zip_url

MIB = 1024 * 1024
DEFAULT_MULTIPART_THRESHOLD = 64 * MIB
DEFAULT_PART_SIZE = 16 * MIB  # what the worker proposes: the fastest on the transfer bench
MIN_PART_SIZE = 5 * MIB  # S3's floor for every part but the last
MAX_PART_SIZE = 5 * 1024**3  # S3's ceiling for one part
MAX_PARTS = 10_000
MAX_OBJECT_BYTES = 5 * 1024**4  # S3's largest object
DEFAULT_UPLOAD_EXPIRES = 3600
DEFAULT_DOWNLOAD_EXPIRES = 900
STORAGE_URL_PREFIX = "/api/v1/storage"


def _check_size(size: Any) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_OBJECT_BYTES:
        raise InvalidInput(f"size must be an integer from 0 to {MAX_OBJECT_BYTES} bytes")
    return size


def part_size_for(size: int, part_size: int = DEFAULT_PART_SIZE) -> int:
    """The part size for a multipart upload of `size` bytes: at least 5 MiB, at most 10000 parts."""
    if part_size < MIN_PART_SIZE:
        raise InvalidInput(f"part size must be at least {MIN_PART_SIZE} bytes")
    return max(part_size, math.ceil(size / MAX_PARTS))


def _check_parts(
    size: int, part_size: int | None, part_sha256: Sequence[str] | None
) -> tuple[int, list[str]]:
    """The part size and part sha256s of a multipart upload, if they fit `size` bytes."""
    if part_size is None or part_sha256 is None:
        raise InvalidInput("a file above the multipart threshold needs part_size and part_sha256")
    if isinstance(part_size, bool) or not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
        raise InvalidInput(f"part_size must be from {MIN_PART_SIZE} to {MAX_PART_SIZE} bytes")
    count = math.ceil(size / part_size)
    if count > MAX_PARTS:
        raise InvalidInput(f"{size} bytes in parts of {part_size} would be over {MAX_PARTS} parts")
    if len(part_sha256) != count:
        raise InvalidInput(f"{size} bytes in parts of {part_size} need {count} part_sha256 values")
    return part_size, [check_sha256_hex(h) for h in part_sha256]


def upload_instructions(
    store: ObjectStore,
    prefix: str,
    name: str,
    size: int,
    sha256: str,
    part_size: int | None = None,
    part_sha256: Sequence[str] | None = None,
    expires_seconds: int = DEFAULT_UPLOAD_EXPIRES,
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
) -> dict[str, Any]:
    """The body of `POST /workers/jobs/{id}/uploads`: one bound PUT, or above the threshold a
    multipart upload in the worker's `part_size` with each part URL bound to its sha256.
    `prefix`: the lease's key prefix (`keys.lease_prefix`)."""
    key = result_key(prefix, name)
    _check_size(size)
    sha = check_sha256_hex(sha256)
    if size <= multipart_threshold:
        request = store.presign_upload(key, size, sha, expires_seconds)
        return {
            "name": name,
            "key": key,
            "multipart": False,
            "url": request.url,
            "headers": dict(request.headers),
            "expires_in": expires_seconds,
        }
    chosen, hashes = _check_parts(size, part_size, part_sha256)
    upload_id = store.create_multipart(key, sha, hashes)
    parts = []
    for number, part_sha in enumerate(hashes, start=1):
        length = min(chosen, size - (number - 1) * chosen)
        request = store.presign_part(key, upload_id, number, length, part_sha, expires_seconds)
        parts.append(
            {
                "part_number": number,
                "url": request.url,
                "headers": dict(request.headers),
                "sha256": part_sha,
            }
        )
    return {
        "name": name,
        "key": key,
        "multipart": True,
        "upload_id": upload_id,
        "part_size": chosen,
        "parts": parts,
        "expires_in": expires_seconds,
    }


def complete_upload(
    store: ObjectStore,
    prefix: str,
    name: str,
    upload_id: str,
    parts: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The body of `POST /workers/jobs/{id}/uploads/complete`: assemble
    `[{part_number, etag, sha256}]`."""
    key = result_key(prefix, name)
    if not isinstance(upload_id, str) or not upload_id:
        raise InvalidInput("upload_id must be a non-empty string")
    try:
        uploaded = [
            UploadedPart(
                check_part_number(int(p["part_number"])),
                str(p["etag"]),
                check_sha256_hex(str(p["sha256"])),
            )
            for p in parts
        ]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("each part needs an integer part_number, an etag and a sha256") from None
    store.complete_multipart(key, upload_id, uploaded)
    return {"name": name, "key": key}


def verify_results(
    store: ObjectStore, prefix: str, files: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Check each `{name, size, sha256}` arrived intact under the lease's `prefix` (else
    InvalidInput); return with keys."""
    names = [validate_result_name(str(f.get("name", ""))) for f in files]
    if len(set(names)) != len(names):
        raise InvalidInput("result names must be unique")
    checked = []
    for entry, name in zip(files, names, strict=True):
        key = result_key(prefix, name)
        info = store.verify(key, _check_size(entry.get("size")), str(entry.get("sha256", "")))
        checked.append({"name": name, "key": key, "size": info.size, "sha256": info.sha256})
    return checked


def result_links(
    store: ObjectStore,
    signer: UrlSigner,
    zip_prefix: str,
    files: Sequence[Mapping[str, Any]],
    expires_seconds: int = DEFAULT_DOWNLOAD_EXPIRES,
    url_prefix: str = STORAGE_URL_PREFIX,
    zip_name: str = "results.zip",
) -> dict[str, Any]:
    """`files` (`{name, size, sha256, key}`: registered files only) with a short-lived `url`
    each, and `zip_url` for all of them as one zip (`zip_prefix`: `keys.result_prefix`)."""
    linked = []
    for entry in files:
        name = validate_result_name(str(entry["name"]))
        url = store.presign_get(str(entry["key"]), expires_seconds, filename=name)
        linked.append({"name": name, "size": entry["size"], "sha256": entry["sha256"], "url": url})
    zip_url = presign_zip_url(signer, url_prefix, zip_prefix, expires_seconds, zip_name)
    return {"files": linked, "zip_url": zip_url}
