"""ASGI middleware: request size limit, security headers, HTTP latency metrics."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from molyte.api.ops.metrics import Metrics

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class BodyTooLarge(Exception):
    pass


class LimitsAndMetrics:
    """Refuse oversized request bodies (413), add security headers, time every request."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        max_body: int,
        csp: str,
        unlimited_prefixes: tuple[str, ...] = ("/api/v1/storage/",),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.csp = csp.encode()
        self.unlimited = unlimited_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        started = time.perf_counter()
        status_holder = {"status": 500}
        limited = not path.startswith(self.unlimited)

        if limited:
            for name, value in scope.get("headers", []):
                if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                    await _reply_413(send)
                    return

        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if limited and message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge()
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if not path.startswith("/api/"):
                    headers.append((b"content-security-policy", self.csp))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive_limited, send_with_headers)
        except BodyTooLarge:
            await _reply_413(send)
            status_holder["status"] = 413
        finally:
            route: Any = scope.get("route")
            label = getattr(route, "path", None) or (
                "/static" if not path.startswith("/api/") else "unmatched"
            )
            method = scope.get("method", "")
            # Any token is a valid method to the HTTP parser: each new one would add a series.
            method = method if method in KNOWN_METHODS else "other"
            self.metrics.http_latency.labels(method, label, str(status_holder["status"])).observe(
                time.perf_counter() - started
            )


async def _reply_413(send: Send) -> None:
    body = b'{"detail":"Request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
