"""The worker's HTTP client for the worker API. Outbound HTTPS only."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from molyte import __version__
from molyte.errors import MolyteError

log = logging.getLogger(__name__)


class ServerUnavailable(MolyteError):
    """The server could not be reached or answered with an error; try again later."""

    status_code = 503


class LeaseLost(MolyteError):
    """The server says this job is no longer ours (stale lease token or finished)."""

    status_code = 409


class CredentialsRefused(MolyteError):
    """The server refused the worker token (401) or its role (403)."""

    status_code = 401


class WorkerClient:
    """Calls of the worker API; every error becomes one of the three exceptions above."""

    def __init__(
        self, base_url: str, token: str, *, verify: bool | str = True, timeout: float = 30
    ) -> None:
        self.base_url = base_url.rstrip("/")
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
        try:
            r = self.http.request(method, "/api/v1" + path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"{method} {path}: {exc.__class__.__name__}: {exc}") from exc
        if r.status_code == 409:
            raise LeaseLost(_detail(r))
        if r.status_code in (401, 403):
            raise CredentialsRefused(f"{r.status_code} {_detail(r)}")
        if r.status_code >= 500 or r.status_code == 429:
            raise ServerUnavailable(f"{method} {path}: HTTP {r.status_code}")
        if r.status_code >= 400:
            raise MolyteError(f"{method} {path}: HTTP {r.status_code}: {_detail(r)}")
        return r.json() if r.content else None

    def me(self) -> dict[str, Any]:
        return dict(self._call("GET", "/auth/me"))

    def heartbeat(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/workers/heartbeat", json=body))

    def claim(
        self,
        *,
        worker_name: str,
        job_types: list[str],
        engines: list[str],
        partitions: list[str] | None,
        limit: int,
        wait_seconds: float,
        cluster: str | None = None,
    ) -> list[dict[str, Any]]:
        body: dict[str, Any] = {
            "worker_name": worker_name,
            "job_types": job_types,
            "engines": engines,
            "partitions": partitions,
            "limit": limit,
            "wait_seconds": wait_seconds,
        }
        if cluster is not None:  # sent only when set: older servers refuse unknown fields
            body["cluster"] = cluster
        return list(self._call("POST", "/workers/jobs/claim", json=body))

    def status(self, job_id: int, lease_token: str, state: str, **fields: Any) -> dict[str, Any]:
        body = {
            "lease_token": lease_token,
            "state": state,
            **{k: v for k, v in fields.items() if v is not None},
        }
        return dict(self._call("PUT", f"/workers/jobs/{job_id}/status", json=body))

    def register_results(
        self, job_id: int, lease_token: str, files: list[dict[str, Any]], summary: dict[str, Any]
    ) -> dict[str, Any]:
        body = {"lease_token": lease_token, "files": files, "summary": summary}
        return dict(self._call("POST", f"/workers/jobs/{job_id}/results", json=body))


def _detail(r: httpx.Response) -> str:
    try:
        detail = r.json().get("detail")
    except ValueError:
        return r.text[:200]
    return str(detail)
