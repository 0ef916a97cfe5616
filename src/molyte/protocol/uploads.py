"""A job's result files: `POST /workers/jobs/{id}/uploads` (where to send one file),
`.../uploads/complete` (a multipart upload's parts) and `.../results` (registration)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, TypeAdapter

from molyte.protocol.base import FileName, LeaseToken, Reply, Request, Sha256


class UploadRequest(Request):
    lease_token: LeaseToken
    name: FileName
    size: int = Field(ge=0, le=5 * 1024**4)
    sha256: Sha256
    # Needed above the multipart threshold (which only the server knows): the worker's part
    # size and each part's sha256.
    part_size: int | None = Field(default=None, ge=5 * 1024**2, le=5 * 1024**3)
    part_sha256: list[Sha256] | None = Field(default=None, max_length=10_000)


class SingleUpload(Reply):
    """One presigned PUT for the whole file; `headers` are part of its signature."""

    name: str
    key: str
    multipart: Literal[False]
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    expires_in: int


class PartUpload(Reply):
    """One part's presigned PUT, bound to the part's sha256."""

    part_number: int
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    sha256: str


class MultipartUpload(Reply):
    """A multipart upload in the worker's `part_size`: every part has its own URL."""

    name: str
    key: str
    multipart: Literal[True]
    upload_id: str
    part_size: int
    parts: list[PartUpload]
    expires_in: int


# The reply of `POST .../uploads`, told apart by its `multipart` field.
UploadReply = Annotated[SingleUpload | MultipartUpload, Field(discriminator="multipart")]
_UPLOAD_REPLY: TypeAdapter[SingleUpload | MultipartUpload] = TypeAdapter(UploadReply)


def parse_upload_reply(data: object) -> SingleUpload | MultipartUpload:
    """The reply of `POST .../uploads` (or the store's instructions) as its model."""
    return _UPLOAD_REPLY.validate_python(data)


class CompletedPart(Request):
    part_number: int = Field(ge=1, le=10_000)
    etag: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    sha256: Sha256


class CompleteRequest(Request):
    lease_token: LeaseToken
    name: FileName
    upload_id: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    parts: list[CompletedPart] = Field(min_length=1, max_length=10_000)


class CompleteReply(Reply):
    name: str
    key: str


class FileEntry(Request):
    """An uploaded result file as the worker registers it (checked against the store)."""

    name: FileName
    size: int = Field(ge=0, le=5 * 1024**4)
    sha256: Sha256


class RegisterRequest(Request):
    lease_token: LeaseToken
    files: list[FileEntry] = Field(max_length=1000)
    summary: dict[str, Any] = Field(default_factory=dict)


class RegisterReply(Reply):
    registered: int
    bytes: int
