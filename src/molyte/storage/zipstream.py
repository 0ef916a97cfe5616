"""A zip of a job's results, streamed as it is built, and the signed URL the server hands out.

The server returns `zip_url` from `GET /jobs/{id}/results`; the storage router answers it by
streaming a zip of every object under the job's prefix, read chunk by chunk from whichever
store holds them. Nothing is written to disk, and the first bytes leave before the last file is
read, so a zip of several GiB costs no more memory than one chunk.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from urllib.parse import quote, urlencode

from molyte.storage.base import ObjectStore
from molyte.storage.keys import validate_prefix, validate_result_name
from molyte.storage.signing import UrlSigner


class _Spool:
    """A write-only, unseekable sink: zipfile then writes data descriptors instead of seeking."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def iter_zip(store: ObjectStore, entries: Sequence[tuple[str, str]]) -> Iterator[bytes]:
    """Zip bytes for `(key, name in the archive)` pairs, produced while the objects are read."""
    spool = _Spool()
    # Level 1 deflate: logs and trajectories shrink severalfold at little CPU cost.
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for key, name in entries:
            with archive.open(validate_result_name(name), "w", force_zip64=True) as member:
                for chunk in store.iter_bytes(key):
                    member.write(chunk)
                    data = spool.drain()
                    if data:
                        yield data
            yield spool.drain()
    yield spool.drain()


def presign_zip_url(
    signer: UrlSigner, url_prefix: str, prefix: str, expires_seconds: int, filename: str
) -> str:
    """A relative, signed GET URL for the zip of every object under `prefix` (any store)."""
    validate_prefix(prefix)
    name = validate_result_name(filename)
    expires = signer.expiry(expires_seconds)
    signature = signer.sign("GET", ["zip", prefix, name], expires)
    params = {"filename": name, "expires": str(expires), "signature": signature}
    return f"{url_prefix.rstrip('/')}/zip/{quote(prefix)}?{urlencode(params)}"
