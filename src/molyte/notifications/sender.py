"""Deliver notifications off the request path: a daemon thread per channel behind a bounded
queue (a hanging mail server does not hold up webhooks), a few tries with timeouts each.
A failure is logged (host and error class, never a secret) and counted; it never reaches the
request or the sweep that caused it. Delivery is best effort: what is still queued when the
process dies is lost."""

from __future__ import annotations

import contextlib
import logging
import queue
import smtplib
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import partial
from urllib.parse import urlsplit

import httpx

from molyte import __version__
from molyte.config import ServerSettings
from molyte.notifications.messages import (
    NOTIFIED_STATES,
    JobFinished,
    WorkerOffline,
    job_email,
    webhook_body,
    webhook_headers,
)

log = logging.getLogger(__name__)

Outcome = Callable[[str, bool], None]  # (channel, delivered): for the metrics


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str
    password: str
    sender: str
    starttls: bool


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str


class Refused(Exception):
    """The receiver answered no; `permanent` when another try would not change that."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class _Delivery:
    channel: str  # "email" or "webhook"
    what: str  # for the log: "job 42 job.failed", never an address or a secret
    target: str  # the receiving host, for the log
    send: Callable[[], None]


_STOP = _Delivery("", "", "", lambda: None)


class NotificationSender:
    """Queues e-mails and webhook calls and sends them from a background thread."""

    def __init__(
        self,
        *,
        smtp: SmtpConfig | None,
        webhook: WebhookConfig | None,
        public_url: str,
        on_outcome: Outcome,
        timeout: float = 10.0,
        retry_delays: Sequence[float] = (1.0, 5.0),
        queue_size: int = 1000,
    ) -> None:
        self.smtp = smtp
        self.webhook = webhook
        self.public_url = public_url
        self.on_outcome = on_outcome
        self.timeout = timeout
        self.retry_delays = tuple(retry_delays)
        self._queues: dict[str, queue.Queue[_Delivery]] = {}
        for channel, config in (("email", smtp), ("webhook", webhook)):
            if config is not None:
                self._queues[channel] = queue.Queue(maxsize=queue_size)
        self._threads: list[threading.Thread] = []

    @classmethod
    def from_settings(cls, settings: ServerSettings, on_outcome: Outcome) -> NotificationSender:
        smtp = None
        if settings.smtp_host:
            smtp = SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                sender=settings.smtp_from,
                starttls=settings.smtp_starttls,
            )
        webhook = None
        if settings.webhook_url:
            webhook = WebhookConfig(settings.webhook_url, settings.webhook_secret)
        return cls(
            smtp=smtp, webhook=webhook, public_url=settings.public_url, on_outcome=on_outcome
        )

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        for channel, pending in self._queues.items():
            thread = threading.Thread(
                target=self._run, args=(pending,), name=f"notify-{channel}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def close(self, timeout: float = 3.0) -> None:
        """Send what is queued for up to `timeout` seconds, then stop."""
        deadline = time.monotonic() + timeout
        for pending in self._queues.values():
            with contextlib.suppress(queue.Full):
                pending.put(_STOP, timeout=timeout)
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    # -- producers (called after commit; they only queue) ------------------------------------
    def job_finished(self, jobs: Iterable[JobFinished]) -> None:
        for job in jobs:
            if job.state not in NOTIFIED_STATES:
                continue
            what = f"job {job.job_id} {job.event}"
            if self.smtp is not None and job.owner_email:
                msg = job_email(job, self.smtp.sender, self.public_url)
                send = partial(self._send_email, msg)
                self._enqueue(_Delivery("email", what, self.smtp.host, send))
            self._webhook(job, what)

    def worker_offline(self, workers: Iterable[WorkerOffline]) -> None:
        for worker in workers:
            self._webhook(worker, f"worker {worker.name} {worker.event}")

    def _webhook(self, event: JobFinished | WorkerOffline, what: str) -> None:
        if self.webhook is None:
            return
        body = webhook_body(event, self.public_url, datetime.now(UTC), uuid.uuid4().hex)
        headers = webhook_headers(event.event, body, self.webhook.secret)
        target = urlsplit(self.webhook.url).hostname or ""
        self._enqueue(_Delivery("webhook", what, target, partial(self._post, body, headers)))

    def _enqueue(self, delivery: _Delivery) -> None:
        try:
            self._queues[delivery.channel].put_nowait(delivery)
        except queue.Full:
            log.warning("notification queue is full; dropped %s", delivery.what)
            self.on_outcome(delivery.channel, False)

    # -- the sending thread ----------------------------------------------------------------
    def _run(self, pending: queue.Queue[_Delivery]) -> None:
        while True:
            delivery = pending.get()
            if delivery is _STOP:
                return
            self.on_outcome(delivery.channel, self._deliver(delivery))

    def _deliver(self, delivery: _Delivery) -> bool:
        tries = len(self.retry_delays) + 1
        for attempt in range(1, tries + 1):
            try:
                delivery.send()
                return True
            except Exception as exc:
                permanent = isinstance(exc, Refused) and exc.permanent
                log.warning(
                    "%s notification for %s to %s failed (try %d of %d): %s",
                    delivery.channel,
                    delivery.what,
                    delivery.target,
                    attempt,
                    tries,
                    _describe(exc),
                    extra={"action": "notify"},
                )
                if permanent or attempt == tries:
                    return False
                time.sleep(self.retry_delays[attempt - 1])
        return False

    def _send_email(self, msg: EmailMessage) -> None:
        smtp = self.smtp
        assert smtp is not None
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout) as client:
                if smtp.starttls:
                    client.starttls(context=ssl.create_default_context())
                if smtp.username:
                    client.login(smtp.username, smtp.password)
                client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Refused("recipient refused", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:  # its text may echo the user name
            permanent = 500 <= exc.smtp_code < 600
            raise Refused(f"SMTP {exc.smtp_code}", permanent=permanent) from exc

    def _post(self, body: bytes, headers: dict[str, str]) -> None:
        hook = self.webhook
        assert hook is not None
        headers = {**headers, "User-Agent": f"molyte/{__version__}"}
        response = httpx.post(
            hook.url, content=body, headers=headers, timeout=self.timeout, follow_redirects=False
        )
        status = response.status_code
        if not 200 <= status < 300:
            permanent = status not in (408, 429) and status < 500
            raise Refused(f"HTTP {status}", permanent=permanent)


def _describe(exc: BaseException) -> str:
    """An error for the log: our own messages as they are, others by class only (an httpx
    error's text may hold the webhook URL, whose path is often its secret)."""
    return str(exc) if isinstance(exc, Refused) else type(exc).__name__
