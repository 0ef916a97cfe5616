"""The `ObjectStore` seam: `put`, `get`, `presign_get`, `presign_put`, plus what the server
needs to hand out bound uploads, check what arrived, stream it back and clean up."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    sha256: str | None = None  # lowercase hex, where the store can tell


@dataclass(frozen=True)
class PresignedRequest:
    """A URL and the headers the client must send with it (they are part of the signature)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedPart:
    part_number: int
    etag: str
    sha256: str  # lowercase hex of the part's bytes, as its upload URL was bound to


class ObjectStore(Protocol):
    def put(self, key: str, path: Path) -> None: ...

    def get(self, key: str, dest: Path) -> None: ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def verify(self, key: str, size: int, sha256: str) -> ObjectInfo:
        """Check the object has this size and sha256; delete it and raise InvalidInput if not."""
        ...

    def iter_bytes(self, key: str) -> Iterator[bytes]: ...

    def list_prefix(self, prefix: str) -> list[str]: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def presign_get(self, key: str, expires_seconds: int, filename: str | None = None) -> str: ...

    def presign_put(self, key: str, expires_seconds: int) -> str: ...

    def presign_upload(
        self, key: str, size: int, sha256: str, expires_seconds: int
    ) -> PresignedRequest:
        """A PUT bound to this size and sha256: other bytes are refused."""
        ...

    def create_multipart(self, key: str, sha256: str, part_sha256: Sequence[str]) -> str:
        """Start a multipart upload of an object with this sha256 whose parts have these
        sha256s, so `verify` can check it without reading it; unfinished earlier uploads of the
        same key are aborted. Returns the upload id."""
        ...

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        size: int,
        sha256: str,
        expires_seconds: int,
    ) -> PresignedRequest:
        """A PUT for one part bound to its size and sha256: other bytes are refused."""
        ...

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        """Assemble the parts in part-number order; parts the store does not hold as listed
        (ETag, checksum) -> abort the upload, InvalidInput."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...
