"""What a notification says: the e-mail to a job's owner and the webhook's JSON body. Pure."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

SIGNATURE_HEADER = "X-Molyte-Signature-256"
EVENT_HEADER = "X-Molyte-Event"
NOTIFIED_STATES = ("COMPLETED", "FAILED")  # a cancellation is the owner's own doing


@dataclass(frozen=True)
class JobFinished:
    """A job that reached a terminal state, as committed."""

    job_id: int
    job_type: str
    name: str
    state: str
    failure_reason: str | None
    owner: str
    owner_email: str | None
    worker: str | None
    attempts: int
    finished_at: datetime

    @property
    def event(self) -> str:
        return f"job.{self.state.lower()}"


@dataclass(frozen=True)
class WorkerOffline:
    """A worker the sweeper has just marked offline."""

    name: str
    hostname: str
    last_heartbeat: datetime | None

    event = "worker.offline"


def job_link(public_url: str, job_id: int) -> str | None:
    """The job's page in the UI, if the server knows its public address."""
    return f"{public_url.rstrip('/')}/jobs/{job_id}" if public_url else None


def _one_line(text: str, limit: int = 100) -> str:
    """A user-typed name made safe for a mail header: no line breaks, bounded length."""
    return re.sub(r"\s+", " ", text).strip()[:limit]


def job_email(job: JobFinished, sender: str, public_url: str) -> EmailMessage:
    """The plain-text e-mail that tells the owner how the job ended."""
    if job.owner_email is None:
        raise ValueError("the job's owner has no e-mail address")
    name = _one_line(job.name)
    outcome = "completed" if job.state == "COMPLETED" else f"failed ({job.failure_reason})"
    msg = EmailMessage()
    msg["Subject"] = f'[Molyte] Job {job.job_id} "{name}" {outcome}'
    msg["From"] = sender
    msg["To"] = job.owner_email
    lines = [
        f"Hello {job.owner},",
        "",
        f'your {job.job_type} job {job.job_id} "{name}" has {outcome}.',
        "",
        f"State:          {job.state}",
    ]
    if job.failure_reason:
        lines.append(f"Failure reason: {job.failure_reason}")
    lines += [
        f"Attempts:       {job.attempts}",
        f"Finished:       {job.finished_at.isoformat(timespec='seconds')}",
    ]
    link = job_link(public_url, job.job_id)
    if link:
        lines += ["", f"Details and results: {link}"]
    lines += ["", "-- ", "Molyte"]
    msg.set_content("\n".join(lines) + "\n")
    return msg


def webhook_body(
    event: JobFinished | WorkerOffline, public_url: str, now: datetime, delivery_id: str
) -> bytes:
    """The JSON body POSTed to the webhook; `id` lets a receiver drop a retried duplicate."""
    payload: dict[str, Any] = {
        "id": delivery_id,
        "event": event.event,
        "time": now.isoformat(),
    }
    if isinstance(event, JobFinished):
        payload["job"] = {
            "id": event.job_id,
            "type": event.job_type,
            "name": event.name,
            "state": event.state,
            "failure_reason": event.failure_reason,
            "owner": event.owner,
            "worker": event.worker,
            "attempts": event.attempts,
            "finished_at": event.finished_at.isoformat(),
            "url": job_link(public_url, event.job_id),
        }
    else:
        payload["worker"] = {
            "name": event.name,
            "hostname": event.hostname,
            "last_heartbeat": event.last_heartbeat.isoformat() if event.last_heartbeat else None,
        }
    return json.dumps(payload, sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    """The value of the signature header: HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_headers(event: str, body: bytes, secret: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", EVENT_HEADER: event}
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    return headers
