"""Real notification receivers on loopback: an SMTP server (aiosmtpd) and a webhook endpoint."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from support import free_port


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class SmtpReceiver:
    """An SMTP server on 127.0.0.1 that keeps every message; with `login`, AUTH is required."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.mails: list[Mail] = []
        self.logins: list[tuple[str, str]] = []
        self._login = login
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if login is not None:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,  # loopback only; the tests do not set up TLS
            }
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        pair = (data.login.decode(), data.password.decode())
        self.logins.append(pair)
        return AuthResult(success=pair == self._login, handled=False)  # False: reply 535

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers with `statuses` in
    turn (then 200), each after `delay` seconds and once `gate` is open; `answered` counts the
    answers sent."""

    def __init__(self, statuses: list[int] | None = None, delay: float = 0.0) -> None:
        self.hooks: list[Hook] = []
        self.statuses = list(statuses or [])
        self.gate = threading.Event()
        self.gate.set()
        self.answered = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    receiver.hooks.append(Hook(self.path, dict(self.headers.items()), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                time.sleep(delay)
                receiver.gate.wait(timeout=30)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with lock:
                    receiver.answered += 1

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/molyte"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def events(self, name: str) -> list[Hook]:
        return [h for h in self.hooks if h.json["event"] == name]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the timeout")
        time.sleep(0.02)
