"""`MemoryStore` (`memory://`): an in-process store for unit tests of the code that uses a store.

It keeps the same rules as the real stores (validated keys, sha256 recorded on write, multipart
ETags checked on completion). Its URLs use the `memory://` scheme: nothing can fetch them, which
is the point of a fake; tests move bytes with `put_bytes` and `get_bytes`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from molyte.errors import InvalidInput, NotFound
from molyte.storage.base import ObjectInfo, PresignedRequest, UploadedPart
from molyte.storage.keys import (
    check_part_number,
    check_sha256_hex,
    filename_of,
    validate_key,
    validate_prefix,
)

_CHUNK_BYTES = 1024 * 1024


@dataclass
class _Upload:
    key: str
    parts: dict[int, bytes] = field(default_factory=dict)


class MemoryStore:
    """Objects held in a dict; thread-safe."""

    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}
        self._uploads: dict[str, _Upload] = {}
        self._lock = threading.Lock()

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        """Store `data` under `key`."""
        validate_key(key)
        with self._lock:
            self._objects[key] = bytes(data)
        return ObjectInfo(size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def get_bytes(self, key: str) -> bytes:
        """The bytes under `key`, or NotFound."""
        with self._lock:
            try:
                return self._objects[validate_key(key)]
            except KeyError:
                raise NotFound(f"no object {key!r}") from None

    def put(self, key: str, path: Path) -> None:
        """Store a local file's bytes."""
        self.put_bytes(key, Path(path).read_bytes())

    def get(self, key: str, dest: Path) -> None:
        """Write the object to `dest`."""
        Path(dest).write_bytes(self.get_bytes(key))

    def head(self, key: str) -> ObjectInfo | None:
        """Size and sha256, or None."""
        with self._lock:
            data = self._objects.get(validate_key(key))
        if data is None:
            return None
        return ObjectInfo(size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def verify(self, key: str, size: int, sha256: str) -> ObjectInfo:
        """Check size and sha256; delete the object and raise InvalidInput on a mismatch."""
        expected = check_sha256_hex(sha256)
        info = self.head(key)
        if info is None:
            raise InvalidInput(f"result {filename_of(key)!r} was not uploaded")
        if info.size != size or info.sha256 != expected:
            with self._lock:
                self._objects.pop(key, None)
            raise InvalidInput(
                f"result {filename_of(key)!r} does not match its declared size and sha256"
            )
        return info

    def iter_bytes(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks."""
        data = self.get_bytes(key)
        for start in range(0, len(data), _CHUNK_BYTES):
            yield data[start : start + _CHUNK_BYTES]

    def list_prefix(self, prefix: str) -> list[str]:
        """Keys starting with `prefix`, sorted."""
        validate_prefix(prefix)
        with self._lock:
            return sorted(k for k in self._objects if k.startswith(prefix))

    def delete_prefix(self, prefix: str) -> int:
        """Delete objects and unfinished uploads under `prefix`; return how many objects."""
        keys = self.list_prefix(prefix)
        with self._lock:
            for key in keys:
                self._objects.pop(key, None)
            for upload_id in [u for u, up in self._uploads.items() if up.key.startswith(prefix)]:
                del self._uploads[upload_id]
        return len(keys)

    @staticmethod
    def _url(method: str, key: str, expires_seconds: int, **extra: str) -> str:
        params = {"method": method, "expires": str(int(time.time()) + expires_seconds), **extra}
        return f"memory://{quote(validate_key(key))}?{urlencode(params)}"

    def presign_get(self, key: str, expires_seconds: int, filename: str | None = None) -> str:
        """An opaque `memory://` GET URL."""
        return self._url("GET", key, expires_seconds, filename=filename or filename_of(key))

    def presign_put(self, key: str, expires_seconds: int) -> str:
        """An opaque `memory://` PUT URL."""
        return self._url("PUT", key, expires_seconds)

    def presign_upload(
        self, key: str, size: int, sha256: str, expires_seconds: int
    ) -> PresignedRequest:
        """An opaque `memory://` PUT URL carrying the size and sha256."""
        sha = check_sha256_hex(sha256)
        url = self._url("PUT", key, expires_seconds, size=str(size), sha256=sha)
        return PresignedRequest(url=url, headers={"Content-Length": str(size)})

    def create_multipart(self, key: str, sha256: str, part_sha256: Sequence[str]) -> str:
        """Start a multipart upload (dropping unfinished ones of the same key)."""
        validate_key(key)
        check_sha256_hex(sha256)
        upload_id = secrets.token_hex(16)
        with self._lock:
            for stale in [u for u, up in self._uploads.items() if up.key == key]:
                del self._uploads[stale]
            self._uploads[upload_id] = _Upload(key=key)
        return upload_id

    def _upload(self, key: str, upload_id: str) -> _Upload:
        upload = self._uploads.get(upload_id)
        if upload is None:
            raise NotFound("no such multipart upload")
        if upload.key != key:
            raise InvalidInput("the multipart upload belongs to another key")
        return upload

    def put_part(self, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        """Store one part (what a client PUT to the part URL would do); returns its ETag."""
        with self._lock:
            self._upload(key, upload_id).parts[check_part_number(part_number)] = bytes(data)
        return hashlib.sha256(data).hexdigest()

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        size: int,
        sha256: str,
        expires_seconds: int,
    ) -> PresignedRequest:
        """An opaque `memory://` URL for one part, carrying its size and sha256."""
        with self._lock:
            self._upload(key, upload_id)
        url = self._url(
            "PUT",
            key,
            expires_seconds,
            upload_id=upload_id,
            part_number=str(check_part_number(part_number)),
            size=str(size),
            sha256=check_sha256_hex(sha256),
        )
        return PresignedRequest(url=url, headers={"Content-Length": str(size)})

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        """Join the listed parts into the object; a missing or mismatched part aborts it."""
        numbers = [p.part_number for p in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise InvalidInput("parts must be listed once each in ascending part-number order")
        with self._lock:
            upload = self._upload(key, upload_id)
            chunks = []
            for part in parts:
                data = upload.parts.get(part.part_number)
                etag = part.etag.strip().strip('"')
                if data is None or not hashlib.sha256(data).hexdigest() == etag == part.sha256:
                    del self._uploads[upload_id]
                    raise InvalidInput(f"part {part.part_number} is missing or does not match")
                chunks.append(data)
            self._objects[key] = b"".join(chunks)
            del self._uploads[upload_id]

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload."""
        with self._lock:
            self._upload(key, upload_id)
            del self._uploads[upload_id]
