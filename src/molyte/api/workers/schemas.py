"""The admin's view of a worker (`GET /admin/workers`). The bodies the worker itself sends and
receives are the worker protocol's, in `molyte.protocol`."""

from __future__ import annotations

from pydantic import BaseModel


class WorkerOut(BaseModel):
    name: str
    hostname: str
    version: str
    state: str
    last_heartbeat: str | None
    running: int
    capacity: int
    job_types: list[str]
    engines: list[str]
    partitions: list[str]
    cluster: str | None
