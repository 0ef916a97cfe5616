"""`store_from_url`: the store named by `MOLYTE_STORAGE_URL` (`file://`, `memory://`, `s3://`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from molyte.errors import ConfigError
from molyte.storage.base import ObjectStore
from molyte.storage.local import LocalStore
from molyte.storage.s3 import S3Store
from molyte.storage.signing import UrlSigner


def _local(url: str, secret_key: str, base_dir: Path) -> ObjectStore:
    # file:///abs/dir is absolute; file://dir (or file://) is relative to the data directory.
    path = url[len("file://") :]
    if "?" in path or "#" in path:
        raise ConfigError(f"storage URL {url!r} takes no query or fragment")
    root = Path(path) if path.startswith("/") else Path(base_dir) / (path or "results")
    return LocalStore(root, UrlSigner(secret_key))


def _memory(url: str, secret_key: str, base_dir: Path) -> ObjectStore:
    # A test double (its URLs cannot be fetched), kept reachable by name for tests; imported
    # here only, so production code never loads the fakes otherwise.
    from molyte.fakes.storage import MemoryStore

    return MemoryStore()


def _s3(url: str, secret_key: str, base_dir: Path) -> ObjectStore:
    return S3Store.from_url(url)


_STORES: dict[str, Callable[[str, str, Path], ObjectStore]] = {
    "file": _local,
    "memory": _memory,
    "s3": _s3,
}


def store_from_url(url: str, secret_key: str, base_dir: Path) -> ObjectStore:
    """The object store for `url`: `file://DIR`, `memory://` or `s3://BUCKET?endpoint=&region=`."""
    scheme = urlsplit(url).scheme
    factory = _STORES.get(scheme)
    if factory is None:
        known = ", ".join(f"{name}://" for name in _STORES)
        raise ConfigError(f"MOLYTE_STORAGE_URL {url!r} has an unknown scheme; use one of {known}")
    return factory(url, secret_key, base_dir)
