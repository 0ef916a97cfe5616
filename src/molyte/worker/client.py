"""The worker's HTTP client for the worker API. Outbound HTTPS only.

Every body is a `molyte.protocol` model, sent as `body.dump()` (unset optional fields left out,
so older servers accept it); every reply is read into its protocol model.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from molyte import __version__
from molyte.errors import MolyteError
from molyte.protocol import (
    ClaimRequest,
    Heartbeat,
    HeartbeatReply,
    LeasedJob,
    RegisterRequest,
    Reply,
    StatusUpdate,
)
from molyte.worker.config import API_PREFIX, server_root

log = logging.getLogger(__name__)


class ServerUnavailable(MolyteError):
    """The server could not be reached or answered with an error; try again later."""

    status_code = 503


class LeaseLost(MolyteError):
    """The server says this job is no longer ours (stale lease token or finished)."""

    status_code = 409


class WorkerMisconfigured(MolyteError):
    """A reply that only a change of the worker's configuration can fix (a wrong
    `api.base_url`, a refused token, a name the token may not use): the worker stops."""

    status_code = 400


class RequestRefused(MolyteError):
    """The server refused one request about one job (4xx): that call is given up, the worker
    goes on."""

    status_code = 400


# What to change, by reply; the one log line says what was called and what came back too.
_HINTS = {
    401: "the server does not accept api.worker_token (unknown or revoked): "
    "set a valid token (molyte worker-token create NAME)",
    403: "this token may not do this: use a worker token, and the worker.name bound to it",
    404: "check api.base_url: it must be the Molyte server's address "
    "(https://HOST or https://HOST/api/v1)",
    405: "check api.base_url: it must be the Molyte server's address "
    "(https://HOST or https://HOST/api/v1)",
}
_JOB_GONE = "Job not found"
R = TypeVar("R", bound=Reply)


class WorkerClient:
    """Calls of the worker API; every reply that is not the expected answer becomes one of
    the exceptions above, whose message is one line: the call, the reply, what to change."""

    def __init__(
        self, base_url: str, token: str, *, verify: bool | str = True, timeout: float = 30
    ) -> None:
        self.base_url = server_root(base_url)
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"molyte-worker/{__version__}",
            },
            verify=verify,
            timeout=httpx.Timeout(timeout, read=timeout + 65),  # claims may be held up to 60 s
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        call = f"{method} {self.base_url}{API_PREFIX}{path}"
        try:
            r = self.http.request(method, API_PREFIX + path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"{call}: {exc.__class__.__name__}: {exc}") from exc
        status = r.status_code
        detail = _detail(r) if status >= 400 else ""
        if status == 409 or (status == 404 and detail == _JOB_GONE and "/jobs/" in path):
            raise LeaseLost(detail)
        if status >= 500 or status in (408, 429):
            raise ServerUnavailable(f"{call}: HTTP {status}; trying again later")
        if status in _HINTS:
            raise WorkerMisconfigured(f"{call} answered HTTP {status} {detail!r}: {_HINTS[status]}")
        if status >= 400:
            reply = f"{call} answered HTTP {status} {detail!r}"
            if "/jobs/" in path:
                raise RequestRefused(reply)
            raise WorkerMisconfigured(
                f"{reply}: the server refused this worker's settings (worker: and scheduler: "
                "sections), or it runs another version of Molyte than this worker"
            )
        if not r.content:
            return None
        try:
            return r.json()
        except ValueError:
            raise WorkerMisconfigured(
                f"{call} answered HTTP {status} with {r.headers.get('content-type', 'no type')}"
                f", not JSON: {_HINTS[404]}"
            ) from None

    def me(self) -> dict[str, Any]:
        return dict(self._call("GET", "/auth/me"))

    def heartbeat(self, body: Heartbeat) -> HeartbeatReply:
        path = "/workers/heartbeat"
        return self._reply(HeartbeatReply, path, self._call("POST", path, json=body.dump()))

    def claim(self, body: ClaimRequest) -> list[LeasedJob]:
        """Lease jobs (a long poll while `body.wait_seconds`)."""
        path = "/workers/jobs/claim"
        reply = self._call("POST", path, json=body.dump())
        if not isinstance(reply, list):
            raise WorkerMisconfigured(f"POST {path} answered {type(reply).__name__}, not a list")
        return [self._reply(LeasedJob, path, job) for job in reply]

    def status(self, job_id: int, update: StatusUpdate) -> None:
        """Report a job's state under its lease (the reply, the job, is not needed)."""
        self._call("PUT", f"/workers/jobs/{job_id}/status", json=update.dump())

    def register_results(self, job_id: int, body: RegisterRequest) -> None:
        self._call("POST", f"/workers/jobs/{job_id}/results", json=body.dump())

    def _reply(self, model: type[R], path: str, data: Any) -> R:
        """A reply read into its model; one that does not fit comes from another version of
        Molyte (or from something that is not a Molyte server)."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise WorkerMisconfigured(
                f"{self.base_url}{API_PREFIX}{path} answered with a {model.__name__} this "
                f"worker does not understand ({exc.error_count()} errors, first: "
                f"{exc.errors()[0]['msg']}): the server runs another version of Molyte"
            ) from None


def refused_here(exc: ValidationError) -> str:
    """One log line for a body this worker could not build: the server would refuse it (422)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return f"{exc.title} not sent ({exc.error_count()} errors), {where}: {first['msg']}"


def _detail(r: httpx.Response) -> str:
    """The error's `detail` from a JSON reply, else the start of the body."""
    try:
        body = r.json()
    except ValueError:
        return r.text[:200]
    return str(body.get("detail") if isinstance(body, dict) else body)[:300]
