"""Bodies of the workers' upload and registration calls."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from molyte.api.workers.schemas import LeaseToken

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]
FileName = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UploadRequest(Strict):
    lease_token: LeaseToken
    name: FileName
    size: int = Field(ge=0, le=5 * 1024**4)
    sha256: Sha256
    # Needed above the multipart threshold: the worker's part size and each part's sha256.
    part_size: int | None = Field(default=None, ge=5 * 1024**2, le=5 * 1024**3)
    part_sha256: list[Sha256] | None = Field(default=None, max_length=10_000)


class PartIn(Strict):
    part_number: int = Field(ge=1, le=10_000)
    etag: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    sha256: Sha256


class CompleteRequest(Strict):
    lease_token: LeaseToken
    name: FileName
    upload_id: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    parts: list[PartIn] = Field(min_length=1, max_length=10_000)


class FileIn(Strict):
    name: FileName
    size: int = Field(ge=0, le=5 * 1024**4)
    sha256: Sha256


class RegisterRequest(Strict):
    lease_token: LeaseToken
    files: list[FileIn] = Field(max_length=1000)
    summary: dict[str, Any] = Field(default_factory=dict)
