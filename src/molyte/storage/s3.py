"""`s3://BUCKET?endpoint=URL&region=R`: AWS S3, Tencent COS, MinIO or any S3-compatible server.

Integrity: a bound upload URL signs `Content-Length` and `x-amz-checksum-sha256`, and each part
URL of a multipart upload signs its part's length and sha256, so AWS and MinIO refuse other
bytes at upload time. A multipart upload is created with `ChecksumAlgorithm=SHA256`, so the
service records a checksum of the part checksums ("composite"), computed from the bytes it
holds; the declared sha256 and the expected composite are kept as object metadata. `verify`
compares what the service recorded (a full-object sha256, or the composite and the metadata)
and only reads the object back when the service recorded no checksum: not every S3-compatible
server checks or records these headers (moto records none for a single PUT; COS, as far as its
documentation says, neither checks nor records them). A mismatch deletes the object.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

import boto3
from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

from molyte.errors import ConfigError, InvalidInput, NotFound
from molyte.storage.base import ObjectInfo, PresignedRequest, UploadedPart
from molyte.storage.keys import (
    check_part_number,
    check_sha256_hex,
    content_disposition,
    filename_of,
    validate_key,
    validate_prefix,
)
from molyte.storage.retry import RetryPolicy, StoreError, StoreUnavailableError, retry_call

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024
# Object metadata set at CreateMultipartUpload (the service returns it as x-amz-meta-*).
SHA256_METADATA = "molyte-sha256"
PARTS_METADATA = "molyte-parts-sha256"
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchUpload"})
# Hosts that serve buckets as virtual hosts; any other endpoint (MinIO, moto) gets path style.
_VIRTUAL_HOST_SUFFIXES = (".amazonaws.com", ".myqcloud.com")


def cos_endpoint(region: str) -> str:
    """The S3-compatible endpoint of Tencent COS in `region`."""
    if not region or not all(c.isalnum() or c == "-" for c in region):
        raise ConfigError(f"COS region {region!r} is not a valid region name")
    return f"https://cos.{region}.myqcloud.com"


def addressing_style(endpoint_url: str | None) -> Literal["virtual", "path"]:
    """`virtual` for AWS and COS hosts, `path` for custom endpoints (MinIO, moto, ...)."""
    if endpoint_url is None:
        return "virtual"
    host = urlsplit(endpoint_url).hostname or ""
    return "virtual" if host.endswith(_VIRTUAL_HOST_SUFFIXES) else "path"


def sha256_hex_to_base64(sha256: str) -> str:
    """The base64 form S3 uses for `x-amz-checksum-sha256`."""
    return base64.b64encode(bytes.fromhex(check_sha256_hex(sha256))).decode("ascii")


def sha256_base64_to_hex(value: str) -> str | None:
    """The hex form of an S3 full-object SHA256 checksum, or None for composite/invalid ones."""
    if "-" in value:  # "<checksum>-<parts>" is a checksum of part checksums
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def composite_sha256(part_sha256: Sequence[str]) -> str:
    """The checksum S3 records for a multipart upload with SHA256 part checksums: base64 of the
    sha256 of the concatenated part digests, then `-<number of parts>`."""
    joined = b"".join(bytes.fromhex(check_sha256_hex(h)) for h in part_sha256)
    digest = base64.b64encode(hashlib.sha256(joined).digest()).decode("ascii")
    return f"{digest}-{len(part_sha256)}"


def is_transient(error: BaseException) -> bool:
    """Whether a boto error is an outage worth retrying (connection trouble, 5xx, throttling)."""
    if isinstance(error, S3UploadFailedError) and error.__cause__ is not None:
        return is_transient(error.__cause__)  # upload_file wraps the ClientError
    if isinstance(error, ConnectionError | HTTPClientError | RetriesExceededError):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        return status >= 500 or status == 429 or code in {"SlowDown", "RequestTimeout"}
    return False


def _full_sha256(head: Mapping[str, Any]) -> str | None:
    """The full-object sha256 in a head response, if the service recorded one. Objects with
    part metadata are multipart: their checksum is a composite (which moto does not mark)."""
    recorded = head.get("ChecksumSHA256")
    if not recorded or PARTS_METADATA in (head.get("Metadata") or {}):
        return None
    return sha256_base64_to_hex(recorded)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def cos_keys_from_env() -> tuple[str | None, str | None]:
    """Tencent's SecretId/SecretKey from `MOLYTE_COS_SECRET_ID`/`MOLYTE_COS_SECRET_KEY`, the names
    the worker's YAML uses, when the standard `AWS_*` variables are not set; else (None, None),
    and boto3 reads `AWS_*` and its profiles itself."""
    if os.environ.get("AWS_ACCESS_KEY_ID"):
        return None, None
    key_id = os.environ.get("MOLYTE_COS_SECRET_ID")
    key = os.environ.get("MOLYTE_COS_SECRET_KEY")
    if bool(key_id) != bool(key):
        raise ConfigError("set both MOLYTE_COS_SECRET_ID and MOLYTE_COS_SECRET_KEY, or neither")
    return (key_id, key) if key_id and key else (None, None)


class S3Store:
    """Objects in one bucket of an S3-compatible service."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not bucket:
            raise ConfigError("an S3 store needs a bucket name")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.retry = retry or RetryPolicy()
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style(endpoint_url)},
            retries={"max_attempts": 4, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            # botocore >= 1.36 adds CRC checksums to every upload by default, which several
            # S3-compatible services (COS among them) reject; send them only when required.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # Without explicit keys boto3 reads the standard AWS_* variables and profiles.
        self.client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        """Build from `s3://BUCKET?endpoint=URL&region=R` (both query parameters optional)."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.path not in ("", "/"):
            raise ConfigError(
                f"storage URL {url!r} is not of the form s3://BUCKET?endpoint=&region="
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint", "region"}
        if unknown:
            raise ConfigError(f"storage URL has unknown parameters: {', '.join(sorted(unknown))}")
        key_id, key = cos_keys_from_env()
        return cls(
            parts.netloc,
            endpoint_url=query.get("endpoint"),
            region=query.get("region"),
            access_key_id=key_id,
            secret_access_key=key,
        )

    @classmethod
    def from_cos(cls, secret_id: str, secret_key: str, region: str, bucket: str) -> S3Store:
        """Build from a worker config's `cos:` section (Tencent COS through its S3 API)."""
        if not secret_id or not secret_key:
            raise ConfigError("the cos section needs secret_id and secret_key")
        return cls(
            bucket,
            endpoint_url=cos_endpoint(region),
            region=region,
            access_key_id=secret_id,
            secret_access_key=secret_key,
        )

    def _call(self, what: str, action: Any) -> Any:
        """Run a boto call with retries on top of botocore's; outages -> StoreUnavailableError."""
        try:
            return retry_call(action, is_transient, self.retry, what)
        except (ConnectionError, HTTPClientError, RetriesExceededError) as error:
            raise StoreUnavailableError(f"object store unreachable during {what}") from error
        except S3UploadFailedError as error:
            if is_transient(error):
                raise StoreUnavailableError(f"object store failed during {what}") from error
            raise StoreError(f"object store refused {what}") from error
        except ClientError as error:
            if is_transient(error):
                raise StoreUnavailableError(f"object store failed during {what}") from error
            code = _error_code(error)
            if code in _NOT_FOUND_CODES:
                raise NotFound(f"{what}: not found in the object store") from error
            raise StoreError(f"object store refused {what} ({code})") from error
        except BotoCoreError as error:
            raise StoreUnavailableError(f"object store error during {what}") from error

    # -- objects -------------------------------------------------------------------------

    def put(self, key: str, path: Path) -> None:
        """Upload a local file (multipart above 64 MiB; a failed multipart upload is aborted)."""
        validate_key(key)
        transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_CHUNK
        )
        self._call(
            "put",
            lambda: self.client.upload_file(str(path), self.bucket, key, Config=transfer),
        )

    def get(self, key: str, dest: Path) -> None:
        """Download to `dest` (through a temporary name beside it)."""
        validate_key(key)
        dest = Path(dest)
        partial = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
        try:
            self._call("get", lambda: self.client.download_file(self.bucket, key, str(partial)))
            os.replace(partial, dest)
        finally:
            partial.unlink(missing_ok=True)

    def _head(self, key: str) -> dict[str, Any] | None:
        validate_key(key)
        try:
            response: dict[str, Any] = self._call(
                "head",
                lambda: self.client.head_object(
                    Bucket=self.bucket, Key=key, ChecksumMode="ENABLED"
                ),
            )
        except NotFound:
            return None
        return response

    def head(self, key: str) -> ObjectInfo | None:
        """Size, and the full-object sha256 the service recorded if any; None if absent."""
        response = self._head(key)
        if response is None:
            return None
        return ObjectInfo(size=int(response["ContentLength"]), sha256=_full_sha256(response))

    def verify(self, key: str, size: int, sha256: str) -> ObjectInfo:
        """Check size and sha256 by the checksum the service recorded (reading the object back
        only if it recorded none); on a mismatch delete the object, InvalidInput."""
        expected = check_sha256_hex(sha256)
        response = self._head(key)
        if response is None:
            raise InvalidInput(f"result {filename_of(key)!r} was not uploaded")
        if int(response["ContentLength"]) != size or not self._holds(key, response, expected):
            self._call("delete", lambda: self.client.delete_object(Bucket=self.bucket, Key=key))
            raise InvalidInput(
                f"result {filename_of(key)!r} does not match its declared size and sha256"
            )
        return ObjectInfo(size=size, sha256=expected)

    def _holds(self, key: str, response: dict[str, Any], expected: str) -> bool:
        """Whether the object's bytes hash to `expected`, judged from a head response."""
        recorded = response.get("ChecksumSHA256")
        metadata = response.get("Metadata") or {}
        if recorded and PARTS_METADATA in metadata:
            # A multipart object: the service computed its checksum of part checksums from the
            # parts it holds; the metadata says which one the parts of the declared file give.
            # (AWS adds "-<parts>" to a composite checksum; moto leaves it off.)
            composite = str(metadata[PARTS_METADATA])
            same = recorded.split("-")[0] == composite.split("-")[0]
            return same and metadata.get(SHA256_METADATA) == expected
        full = _full_sha256(response)
        if full is not None:
            return full == expected
        digest = hashlib.sha256()  # the service keeps no checksum: read the bytes back
        for chunk in self.iter_bytes(key):
            digest.update(chunk)
        return digest.hexdigest() == expected

    def iter_bytes(self, key: str) -> Iterator[bytes]:
        """The object's bytes in 1 MiB chunks."""
        validate_key(key)
        response = self._call("get", lambda: self.client.get_object(Bucket=self.bucket, Key=key))
        body = response["Body"]
        try:
            yield from body.iter_chunks(chunk_size=1024 * 1024)
        finally:
            body.close()

    def list_prefix(self, prefix: str) -> list[str]:
        """Keys starting with `prefix`, sorted."""
        validate_prefix(prefix)

        def listing() -> list[str]:
            paginator = self.client.get_paginator("list_objects_v2")
            keys: list[str] = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", []))
            return sorted(keys)

        result: list[str] = self._call("list", listing)
        return result

    def delete_prefix(self, prefix: str) -> int:
        """Delete objects and abort unfinished multipart uploads under `prefix`."""
        keys = self.list_prefix(prefix)
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self._call(
                "delete",
                lambda batch=batch: self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                ),
            )
        uploads = self._call(
            "list uploads",
            lambda: self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix),
        )
        for upload in uploads.get("Uploads", []):
            self.abort_multipart(upload["Key"], upload["UploadId"])
        return len(keys)

    # -- presigned URLs ------------------------------------------------------------------

    def _presign(self, operation: str, params: dict[str, Any], expires_seconds: int) -> str:
        if expires_seconds <= 0:
            raise ConfigError("a presigned URL must expire a positive number of seconds from now")
        url: str = self.client.generate_presigned_url(
            operation, Params={"Bucket": self.bucket, **params}, ExpiresIn=expires_seconds
        )
        return url

    def presign_get(self, key: str, expires_seconds: int, filename: str | None = None) -> str:
        """A presigned GET that downloads as `filename` (default: the key's last part)."""
        validate_key(key)
        disposition = content_disposition(filename or filename_of(key))
        params = {"Key": key, "ResponseContentDisposition": disposition}
        return self._presign("get_object", params, expires_seconds)

    def presign_put(self, key: str, expires_seconds: int) -> str:
        """A presigned PUT for any bytes."""
        return self._presign("put_object", {"Key": validate_key(key)}, expires_seconds)

    def presign_upload(
        self, key: str, size: int, sha256: str, expires_seconds: int
    ) -> PresignedRequest:
        """A presigned PUT with `Content-Length` and `x-amz-checksum-sha256` signed in."""
        if isinstance(size, bool) or size < 0:
            raise InvalidInput("size must be a non-negative number of bytes")
        checksum = sha256_hex_to_base64(sha256)
        params = {"Key": validate_key(key), "ContentLength": size, "ChecksumSHA256": checksum}
        url = self._presign("put_object", params, expires_seconds)
        headers = {"Content-Length": str(size), "x-amz-checksum-sha256": checksum}
        return PresignedRequest(url=url, headers=headers)

    # -- multipart -----------------------------------------------------------------------

    def create_multipart(self, key: str, sha256: str, part_sha256: Sequence[str]) -> str:
        """Start a multipart upload with SHA256 part checksums, the declared sha256 and the
        expected composite checksum as metadata; abort unfinished uploads of the same key
        (left by a worker that gave up or asked again). Returns the upload id."""
        validate_key(key)
        metadata = {
            SHA256_METADATA: check_sha256_hex(sha256),
            PARTS_METADATA: composite_sha256(part_sha256),
        }
        self._abort_unfinished(key)
        response = self._call(
            "create multipart",
            lambda: self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ChecksumAlgorithm="SHA256", Metadata=metadata
            ),
        )
        upload_id: str = response["UploadId"]
        return upload_id

    def _abort_unfinished(self, key: str) -> None:
        response = self._call(
            "list uploads",
            lambda: self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=key),
        )
        for upload in response.get("Uploads", []):
            if upload["Key"] == key:
                self.abort_multipart(key, upload["UploadId"])

    def presign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        size: int,
        sha256: str,
        expires_seconds: int,
    ) -> PresignedRequest:
        """A presigned PUT for one part with its `Content-Length` and `x-amz-checksum-sha256`
        signed in (S3 needs every part but the last to be >= 5 MiB)."""
        checksum = sha256_hex_to_base64(sha256)
        params = {
            "Key": validate_key(key),
            "UploadId": upload_id,
            "PartNumber": check_part_number(part_number),
            "ContentLength": size,
            "ChecksumSHA256": checksum,
        }
        url = self._presign("upload_part", params, expires_seconds)
        headers = {"Content-Length": str(size), "x-amz-checksum-sha256": checksum}
        return PresignedRequest(url=url, headers=headers)

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        """Complete the upload (each part with its ETag and SHA256 checksum, which AWS checks);
        if the service refuses the parts, abort it, InvalidInput."""
        validate_key(key)
        numbers = [p.part_number for p in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise InvalidInput("parts must be listed once each in ascending part-number order")
        listed = [
            {
                "PartNumber": check_part_number(p.part_number),
                "ETag": f'"{p.etag.strip().strip(chr(34))}"',
                "ChecksumSHA256": sha256_hex_to_base64(p.sha256),
            }
            for p in parts
        ]
        try:
            self._call(
                "complete multipart",
                lambda: self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": listed},  # type: ignore[typeddict-item]
                ),
            )
        except StoreUnavailableError:
            raise
        except StoreError as error:
            self.abort_multipart(key, upload_id)
            cause = error.__cause__
            code = _error_code(cause) if isinstance(cause, ClientError) else "refused"
            raise InvalidInput(
                f"the object store refused the parts ({code}); upload again"
            ) from error

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Abort an unfinished upload so its parts stop taking space (absent: nothing to do)."""
        validate_key(key)
        try:
            self._call(
                "abort multipart",
                lambda: self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id
                ),
            )
        except NotFound:
            return
