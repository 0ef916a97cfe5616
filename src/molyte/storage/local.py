"""`file://DIR`: results on the server's disk, served through signed relative URLs.

Layout under the root (every key is validated, and a key segment can never start with a dot,
so nothing a caller names can leave `objects/`):
    objects/<key>                 the bytes
    meta/<key>                    {"size", "sha256", "inode"} written after the bytes
    multipart/<upload id>/        manifest.json and one file per part until completed
    tmp/                          files being written; renamed into place when complete
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from molyte.errors import InvalidInput, NotFound
from molyte.storage.base import ObjectInfo, PresignedRequest, UploadedPart
from molyte.storage.keys import (
    check_part_number,
    check_sha256_hex,
    filename_of,
    validate_key,
    validate_prefix,
    validate_result_name,
)
from molyte.storage.signing import UrlSigner

CHUNK_BYTES = 1024 * 1024
DEFAULT_URL_PREFIX = "/api/v1/storage"
DEFAULT_MAX_OBJECT_BYTES = 64 * 1024**3
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


def check_upload_id(upload_id: str) -> str:
    """Return a local multipart upload id if well formed, else raise NotFound."""
    if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
        raise NotFound("no such multipart upload")
    return upload_id


def _strip_etag(etag: str) -> str:
    return etag.strip().strip('"')


class ObjectWriter:
    """Receives an object's bytes into a temporary file, hashing and bounding them on the way.

    Nothing is visible under the key until `commit`; `discard` leaves nothing behind.
    """

    def __init__(self, tmp_path: Path, limit: int) -> None:
        self._tmp_path = tmp_path
        self._limit = limit
        self._hash = hashlib.sha256()
        self.size = 0
        self._file: BinaryIO = tmp_path.open("xb")

    def write(self, chunk: bytes) -> None:
        """Append a chunk; InvalidInput (and nothing kept) once it passes the size limit."""
        self.size += len(chunk)
        if self.size > self._limit:
            self.discard()
            raise InvalidInput(f"upload is larger than the {self._limit} bytes allowed")
        self._hash.update(chunk)
        self._file.write(chunk)

    @property
    def sha256(self) -> str:
        """The hex sha256 of the bytes written so far."""
        return self._hash.hexdigest()

    def finish(self, expected_size: int | None, expected_sha256: str | None) -> Path:
        """Close (once) and check the bytes; on a mismatch discard them and raise InvalidInput."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        if expected_size is not None and self.size != expected_size:
            self.discard()
            raise InvalidInput(f"upload has {self.size} bytes, expected {expected_size}")
        if expected_sha256 is not None and self.sha256 != expected_sha256:
            self.discard()
            raise InvalidInput("upload sha256 does not match the signed sha256")
        return self._tmp_path

    def discard(self) -> None:
        """Drop the temporary file."""
        if not self._file.closed:
            self._file.close()
        self._tmp_path.unlink(missing_ok=True)


class LocalStore:
    """Objects on local disk; URLs are relative to the API server and HMAC-signed."""

    def __init__(
        self,
        root: Path,
        signer: UrlSigner,
        url_prefix: str = DEFAULT_URL_PREFIX,
        max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    ) -> None:
        self.root = Path(root).resolve()
        self.signer = signer
        self.url_prefix = url_prefix.rstrip("/")
        self.max_object_bytes = max_object_bytes
        for sub in ("objects", "meta", "multipart", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # -- paths ---------------------------------------------------------------------------

    def _object_path(self, key: str) -> Path:
        return self.root / "objects" / validate_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / "meta" / validate_key(key)

    def _upload_dir(self, upload_id: str) -> Path:
        return self.root / "multipart" / check_upload_id(upload_id)

    def _tmp_file(self) -> Path:
        return self.root / "tmp" / secrets.token_hex(16)

    def object_path(self, key: str) -> Path:
        """The file holding `key`, or NotFound."""
        path = self._object_path(key)
        if not path.is_file():
            raise NotFound(f"no object {key!r}")
        return path

    # -- writing -------------------------------------------------------------------------

    def open_writer(self, limit: int | None = None) -> ObjectWriter:
        """A writer for a new object of at most `limit` bytes (default: the store's maximum)."""
        bound = self.max_object_bytes if limit is None else min(limit, self.max_object_bytes)
        return ObjectWriter(self._tmp_file(), bound)

    def commit(self, key: str, writer: ObjectWriter) -> ObjectInfo:
        """Move a finished writer's file under `key` and record its size and sha256."""
        target = self._object_path(key)
        tmp_path = writer.finish(None, None)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            inode = tmp_path.stat().st_ino
            os.replace(tmp_path, target)
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            tmp_path.unlink(missing_ok=True)
            raise InvalidInput(f"object key {key!r} collides with another key's path") from None
        info = ObjectInfo(size=writer.size, sha256=writer.sha256)
        self._write_meta(key, info, inode)
        return info

    def _write_meta(self, key: str, info: ObjectInfo, inode: int) -> None:
        meta_path = self._meta_path(key)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        tmp_path = self._tmp_file()
        tmp_path.write_text(json.dumps({"size": info.size, "sha256": info.sha256, "inode": inode}))
        os.replace(tmp_path, meta_path)

    def write_stream(
        self,
        key: str,
        chunks: Iterator[bytes],
        expected_size: int | None = None,
        expected_sha256: str | None = None,
    ) -> ObjectInfo:
        """Store the chunks under `key` only if they have the expected size and sha256."""
        validate_key(key)
        writer = self.open_writer(expected_size)
        try:
            for chunk in chunks:
                writer.write(chunk)
            writer.finish(expected_size, expected_sha256)
        except BaseException:
            writer.discard()
            raise
        return self.commit(key, writer)

    def put(self, key: str, path: Path) -> None:
        """Copy a local file into the store."""
        with Path(path).open("rb") as source:
            self.write_stream(key, iter(lambda: source.read(CHUNK_BYTES), b""))

    # -- reading -------------------------------------------------------------------------

    def get(self, key: str, dest: Path) -> None:
        """Copy the object to `dest` (written beside it, then renamed)."""
        source = self.object_path(key)
        dest = Path(dest)
        partial = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
        shutil.copyfile(source, partial)
        os.replace(partial, dest)

    def head(self, key: str) -> ObjectInfo | None:
        """Size and sha256 of the object, or None if it does not exist."""
        path = self._object_path(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        sha256: str | None = None
        try:
            meta = json.loads(self._meta_path(key).read_text())
            # The inode ties the record to this exact file: a crash between writing a new
            # object and its record leaves an old record that must not vouch for new bytes.
            if meta.get("inode") == stat.st_ino and meta.get("size") == stat.st_size:
                sha256 = meta.get("sha256")
        except (FileNotFoundError, NotADirectoryError, ValueError):
            sha256 = None
        return ObjectInfo(size=stat.st_size, sha256=sha256)

    def verify(self, key: str, size: int, sha256: str) -> ObjectInfo:
        """Check size and sha256 (hashing the file if no record vouches for it)."""
        expected = check_sha256_hex(sha256)
        info = self.head(key)
        if info is None:
            raise InvalidInput(f"result {filename_of(key)!r} was not uploaded")
        if info.sha256 is None:
            digest = hashlib.sha256()
            for chunk in self.iter_bytes(key):
                digest.update(chunk)
            info = ObjectInfo(size=info.size, sha256=digest.hexdigest())
        if info.size != size or info.sha256 != expected:
            self._delete(key)
            raise InvalidInput(
                f"result {filename_of(key)!r} does not match its declared size and sha256"
            )
        return info

    def iter_bytes(self, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks."""
        with self.object_path(key).open("rb") as source:
            yield from iter(lambda: source.read(CHUNK_BYTES), b"")

    def list_prefix(self, prefix: str) -> list[str]:
        """All keys starting with `prefix`, sorted."""
        validate_prefix(prefix)
        objects = self.root / "objects"
        keys = [p.relative_to(objects).as_posix() for p in objects.rglob("*") if p.is_file()]
        return sorted(k for k in keys if k.startswith(prefix))

    # -- deleting ------------------------------------------------------------------------

    def _delete(self, key: str) -> None:
        self._object_path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)
        for base in ("objects", "meta"):
            self._prune_dirs(self.root / base / key, self.root / base)

    @staticmethod
    def _prune_dirs(path: Path, stop: Path) -> None:
        parent = path.parent
        while parent != stop:
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object (and unfinished upload) under `prefix`; return how many objects."""
        keys = self.list_prefix(prefix)
        for key in keys:
            self._delete(key)
        for upload_dir in (self.root / "multipart").iterdir():
            manifest = upload_dir / "manifest.json"
            if manifest.is_file() and json.loads(manifest.read_text())["key"].startswith(prefix):
                shutil.rmtree(upload_dir, ignore_errors=True)
        return len(keys)

    # -- signed URLs ---------------------------------------------------------------------

    def _url(self, path: str, params: dict[str, str]) -> str:
        return f"{self.url_prefix}{path}?{urlencode(params)}"

    def presign_get(self, key: str, expires_seconds: int, filename: str | None = None) -> str:
        """A relative GET URL; the download is named `filename` (default: the key's last part)."""
        validate_key(key)
        name = validate_result_name(filename if filename is not None else filename_of(key))
        expires = self.signer.expiry(expires_seconds)
        signature = self.signer.sign("GET", ["object", key, name], expires)
        params = {"filename": name, "expires": str(expires), "signature": signature}
        return self._url(f"/objects/{quote(key)}", params)

    def _put_url(self, key: str, expires_seconds: int, size: str, sha256: str) -> str:
        validate_key(key)
        expires = self.signer.expiry(expires_seconds)
        signature = self.signer.sign("PUT", ["object", key, size, sha256], expires)
        params = {"expires": str(expires)}
        if size:
            params["size"] = size
        if sha256:
            params["sha256"] = sha256
        params["signature"] = signature
        return self._url(f"/objects/{quote(key)}", params)

    def presign_put(self, key: str, expires_seconds: int) -> str:
        """A relative PUT URL for any bytes up to the store's size limit."""
        return self._put_url(key, expires_seconds, "", "")

    def presign_upload(
        self, key: str, size: int, sha256: str, expires_seconds: int
    ) -> PresignedRequest:
        """A relative PUT URL that accepts exactly `size` bytes with this sha256."""
        if isinstance(size, bool) or size < 0 or size > self.max_object_bytes:
            raise InvalidInput(f"size must be between 0 and {self.max_object_bytes} bytes")
        url = self._put_url(key, expires_seconds, str(size), check_sha256_hex(sha256))
        return PresignedRequest(url=url, headers={"Content-Length": str(size)})

    # -- multipart -----------------------------------------------------------------------

    def create_multipart(self, key: str, sha256: str, part_sha256: Sequence[str]) -> str:
        """Start a multipart upload for `key`, aborting unfinished earlier ones of the same key;
        returns its id. The checksums are not kept: this store hashes every byte on arrival."""
        validate_key(key)
        check_sha256_hex(sha256)
        for upload_dir in (self.root / "multipart").iterdir():
            manifest = upload_dir / "manifest.json"
            if manifest.is_file() and json.loads(manifest.read_text())["key"] == key:
                shutil.rmtree(upload_dir, ignore_errors=True)
        upload_id = secrets.token_hex(16)
        upload_dir = self._upload_dir(upload_id)
        upload_dir.mkdir()
        (upload_dir / "manifest.json").write_text(json.dumps({"key": key}))
        return upload_id

    def upload_key(self, upload_id: str) -> str:
        """The key a multipart upload was started for, or NotFound."""
        manifest = self._upload_dir(upload_id) / "manifest.json"
        try:
            key: str = json.loads(manifest.read_text())["key"]
        except FileNotFoundError:
            raise NotFound("no such multipart upload") from None
        return key

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        size: int,
        sha256: str,
        expires_seconds: int,
    ) -> PresignedRequest:
        """A relative PUT URL for one part, accepting exactly `size` bytes with this sha256."""
        if self.upload_key(upload_id) != key:
            raise InvalidInput("the multipart upload belongs to another key")
        check_part_number(part_number)
        if isinstance(size, bool) or not 0 < size <= self.max_object_bytes:
            raise InvalidInput(f"part size must be between 1 and {self.max_object_bytes} bytes")
        sha = check_sha256_hex(sha256)
        expires = self.signer.expiry(expires_seconds)
        fields = ["part", upload_id, str(part_number), str(size), sha]
        signature = self.signer.sign("PUT", fields, expires)
        params = {"expires": str(expires), "size": str(size), "sha256": sha, "signature": signature}
        url = self._url(f"/multipart/{upload_id}/{part_number}", params)
        return PresignedRequest(url=url, headers={"Content-Length": str(size)})

    def commit_part(self, upload_id: str, part_number: int, writer: ObjectWriter) -> str:
        """Keep a finished part (replacing an earlier upload of it); returns its ETag."""
        upload_dir = self._upload_dir(upload_id)
        tmp_path = writer.finish(None, None)
        if not upload_dir.is_dir():
            writer.discard()
            raise NotFound("no such multipart upload")
        os.replace(tmp_path, upload_dir / f"part-{check_part_number(part_number):05d}")
        return writer.sha256

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        """Concatenate the listed parts into `key` and drop the upload; if a part is missing or
        its ETag or sha256 does not match, abort the upload, InvalidInput."""
        if self.upload_key(upload_id) != key:
            raise InvalidInput("the multipart upload belongs to another key")
        numbers = [p.part_number for p in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise InvalidInput("parts must be listed once each in ascending part-number order")
        upload_dir = self._upload_dir(upload_id)
        writer = self.open_writer()
        try:
            for part in parts:
                part_path = upload_dir / f"part-{check_part_number(part.part_number):05d}"
                if not part_path.is_file():
                    raise InvalidInput(f"part {part.part_number} was not uploaded")
                digest = hashlib.sha256()
                with part_path.open("rb") as source:
                    for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
                        digest.update(chunk)
                        writer.write(chunk)
                if (
                    digest.hexdigest() != _strip_etag(part.etag)
                    or digest.hexdigest() != part.sha256
                ):
                    raise InvalidInput(f"part {part.part_number} ETag or sha256 does not match")
            writer.finish(None, None)
        except InvalidInput:
            writer.discard()
            shutil.rmtree(upload_dir, ignore_errors=True)
            raise
        except BaseException:
            writer.discard()
            raise
        self.commit(key, writer)
        shutil.rmtree(upload_dir, ignore_errors=True)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an unfinished multipart upload and its parts."""
        if self.upload_key(upload_id) != key:
            raise InvalidInput("the multipart upload belongs to another key")
        shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)
