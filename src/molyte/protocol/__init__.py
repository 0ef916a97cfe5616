"""The worker protocol: every body the polling worker and the server exchange, as one set of
typed models imported by both sides (`molyte.api.workers`, `molyte.api.uploads` and
`molyte.worker`). docs/architecture.md, "The worker protocol", lists the calls.

Bodies the worker sends (`Request`) refuse unknown fields, as the server always has; a worker
sends `body.dump()`, which leaves out unset optional fields so that older servers accept it.
Replies (`Reply`) ignore unknown fields, so a newer server may add some. This package imports
`molyte.domain` only: never the server (`molyte.api`, `molyte.db`) nor the worker.
"""

from __future__ import annotations

from molyte.domain.engines import (
    ROUTE_SEPARATOR,
    ROUTES,
    choose_engine,
    engine_route,
    route_engines,
    routes_served,
)
from molyte.protocol.base import (
    FileName,
    Hostname,
    LeaseToken,
    Reply,
    Request,
    Sha256,
    ShortName,
)
from molyte.protocol.heartbeat import Heartbeat, HeartbeatReply, RunningJob
from molyte.protocol.jobs import (
    LIVE_MAX_COLUMNS,
    LIVE_MAX_ROWS,
    ClaimRequest,
    LeasedJob,
    LiveSeries,
    StatusUpdate,
)
from molyte.protocol.stages import WorkerStage
from molyte.protocol.uploads import (
    CompletedPart,
    CompleteReply,
    CompleteRequest,
    FileEntry,
    MultipartUpload,
    PartUpload,
    RegisterReply,
    RegisterRequest,
    SingleUpload,
    UploadReply,
    UploadRequest,
    parse_upload_reply,
)

__all__ = [
    "LIVE_MAX_COLUMNS",
    "LIVE_MAX_ROWS",
    "ROUTES",
    "ROUTE_SEPARATOR",
    "ClaimRequest",
    "CompleteReply",
    "CompleteRequest",
    "CompletedPart",
    "FileEntry",
    "FileName",
    "Heartbeat",
    "HeartbeatReply",
    "Hostname",
    "LeaseToken",
    "LeasedJob",
    "LiveSeries",
    "MultipartUpload",
    "PartUpload",
    "RegisterReply",
    "RegisterRequest",
    "Reply",
    "Request",
    "RunningJob",
    "Sha256",
    "ShortName",
    "SingleUpload",
    "StatusUpdate",
    "UploadReply",
    "UploadRequest",
    "WorkerStage",
    "choose_engine",
    "engine_route",
    "parse_upload_reply",
    "route_engines",
    "routes_served",
]
