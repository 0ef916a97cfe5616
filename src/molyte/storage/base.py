"""The `ObjectStore` seam: `put`, `get`, `presign_get`, `presign_put`, plus what the server
needs to check and clean up (head, delete, multipart)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    sha256: str | None = None  # where the store can tell


class ObjectStore(Protocol):
    def put(self, key: str, path: Path) -> None: ...

    def get(self, key: str, dest: Path) -> None: ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def presign_get(self, key: str, expires_seconds: int, filename: str | None = None) -> str: ...

    def presign_put(self, key: str, expires_seconds: int) -> str: ...
