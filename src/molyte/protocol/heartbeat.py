"""`POST /workers/heartbeat`: who the worker is, what it runs and which leases it holds; the
reply extends them and names the jobs to cancel."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from molyte.domain.states import JobType
from molyte.protocol.base import Hostname, LeaseToken, Reply, Request, ShortName


class RunningJob(Request):
    job_id: int = Field(ge=1, le=2_147_483_647)
    lease_token: LeaseToken


class Heartbeat(Request):
    name: ShortName
    hostname: Hostname = ""
    version: Annotated[str, StringConstraints(max_length=64)] = ""
    capacity: int = Field(default=1, ge=0, le=100_000)
    job_types: list[JobType] = Field(default_factory=list)
    engines: list[ShortName] = Field(default_factory=list, max_length=32)
    partitions: list[ShortName] = Field(default_factory=list, max_length=32)
    cluster: ShortName | None = None  # newer than the first servers: sent only when set
    running: list[RunningJob] = Field(default_factory=list, max_length=100_000)


class HeartbeatReply(Reply):
    # Jobs to stop: cancelled by a user, finished elsewhere, deleted, or leased to another.
    cancel: list[int]
    lease_seconds: float
