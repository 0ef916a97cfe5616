"""Python client for scripts and notebooks.

from molyte.client import Client
c = Client.login("https://molyte.example.org", "alice", "password")
job = c.submit("examples/qc-job.json")
c.wait(job["id"])
c.download_results(job["id"], "results/")
"""

from __future__ import annotations

import builtins
import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from molyte.errors import MolyteError

TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
Progress = Callable[[str, int, int], None]  # (file name, bytes so far, total bytes)


class ClientError(MolyteError):
    """The server refused a request; the message is its `detail`."""

    def __init__(self, status: int, detail: Any) -> None:
        self.status_code = status
        self.detail = detail
        super().__init__(f"HTTP {status}: {detail}")


class Client:
    """A signed-in session with a Molyte server."""

    def __init__(
        self, url: str, token: str, *, verify: bool | str = True, timeout: float = 30
    ) -> None:
        self.url = url.rstrip("/")
        self.verify = verify
        self.http = httpx.Client(
            base_url=self.url,
            verify=verify,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
        )

    @classmethod
    def login(cls, url: str, username: str, password: str, *, verify: bool | str = True) -> Client:
        """Sign in with a username and password."""
        r = httpx.post(
            url.rstrip("/") + "/api/v1/auth/login",
            verify=verify,
            timeout=30,
            data={"username": username, "password": password},
        )
        body = _json(r)
        return cls(url, body["access_token"], verify=verify)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return _json(self.http.request(method, "/api/v1" + path, **kwargs))

    def me(self) -> dict[str, Any]:
        return dict(self._call("GET", "/auth/me"))

    def submit(self, job: dict[str, Any] | str | Path) -> dict[str, Any]:
        """Submit a job request (a dict, or the path of a JSON file like examples/md-job.json)."""
        body = job if isinstance(job, dict) else json.loads(Path(job).read_text())
        return dict(self._call("POST", "/jobs", json=body))

    def get(self, job_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/jobs/{job_id}"))

    def list(
        self,
        *,
        state: str | None = None,
        type: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        params = {
            k: v
            for k, v in {
                "state": state,
                "type": type,
                "q": q,
                "limit": limit,
                "offset": offset,
            }.items()
            if v is not None
        }
        return dict(self._call("GET", "/jobs", params=params))

    def cancel(self, job_id: int) -> dict[str, Any]:
        return dict(self._call("POST", f"/jobs/{job_id}/cancel"))

    def results(self, job_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/jobs/{job_id}/results"))

    def wait(
        self,
        job_id: int,
        *,
        timeout: float | None = None,
        poll: float = 2.0,
        on_change: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll until the job is COMPLETED, FAILED or CANCELLED; returns the final job."""
        deadline = None if timeout is None else time.monotonic() + timeout
        last = None
        while True:
            job = self.get(job_id)
            if on_change is not None and job["state"] != last:
                on_change(job)
            last = job["state"]
            if job["state"] in TERMINAL:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {job['state']} after {timeout} s")
            time.sleep(poll)

    def live(self, job_id: int) -> dict[str, Any]:
        """A running job's progress, stage, time left and latest numbers."""
        return dict(self._call("GET", f"/jobs/{job_id}/live"))

    def download_results(
        self, job_id: int, out: str | Path, progress: Progress | None = None
    ) -> builtins.list[Path]:
        """Download every result file into `out`, checking each sha256; returns the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for f in self.results(job_id)["files"]:
            target = out / Path(f["name"]).name
            digest = hashlib.sha256()
            done = 0
            url = urljoin(self.url + "/", f["url"])
            with (
                httpx.stream("GET", url, timeout=300, verify=self.verify) as r,
                target.open("wb") as fh,
            ):
                if r.status_code != 200:
                    raise ClientError(r.status_code, f"download of {f['name']} failed")
                for chunk in r.iter_bytes(1 << 20):
                    fh.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(f["name"], done, int(f["size"]))
            if f["sha256"] and digest.hexdigest() != f["sha256"]:
                target.unlink()
                raise ClientError(502, f"{f['name']}: checksum mismatch after download")
            paths.append(target)
        return paths


def duration_text(seconds: float) -> str:
    """A span of time as people read it: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def progress_text(job: dict[str, Any], now: datetime | None = None) -> str | None:
    """`42.5 %, npt: step 1500 of 2000, about 1 h 05 min left (updated 20 s ago)` for a job
    that reports progress; None otherwise. The time left counts down from the report."""
    if job.get("progress") is None or job.get("state") in TERMINAL:
        return None
    parts = [f"{job['progress']:g} %"]
    if job.get("stage"):
        parts.append(str(job["stage"]))
    updated = datetime.fromisoformat(str(job["updated_at"]).replace("Z", "+00:00"))
    age = ((now or datetime.now(UTC)) - updated).total_seconds()
    if job.get("eta_seconds") is not None:
        parts.append(f"about {duration_text(max(0.0, job['eta_seconds'] - age))} left")
    return ", ".join(parts) + f" (updated {duration_text(age)} ago)"


def _json(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail")
        except ValueError:
            detail = r.text[:300]
        raise ClientError(r.status_code, detail)
    return r.json() if r.content else None
