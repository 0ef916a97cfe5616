"""Refuse text that no database column can hold, whatever endpoint it is sent to.

PostgreSQL's text types cannot store U+0000, and a string with an unpaired UTF-16 surrogate
(JSON's "\\ud800") cannot be encoded to UTF-8: either would reach the driver and end the
request with a 500. One ASGI layer checks every text a request carries (path, query
parameters, JSON and form bodies, keys included) and answers 422 naming the field, in the
shape of FastAPI's own validation errors, so a new endpoint is covered without a change here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MESSAGE = "Text may not contain NUL characters (U+0000) or unpaired surrogates"
NOT_UTF8 = "The body is not UTF-8 text"
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
# Cheap tests on the raw body: only a body that could hold a bad character is parsed again.
_JSON_SUSPECT = re.compile(rb"\x00|\\u0000|\\u[dD][89a-fA-F]")
_FORM_SUSPECT = re.compile(rb"\x00|%00")
Loc = tuple[str | int, ...]


def bad_text(value: str) -> bool:
    """Whether `value` holds a NUL or a lone surrogate."""
    return _BAD_CHAR.search(value) is not None


def _walk(value: Any, loc: Loc) -> Iterator[Loc]:
    """The locations of bad strings in parsed JSON (dict keys count as their own field)."""
    if isinstance(value, str):
        if bad_text(value):
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if bad_text(key):
                yield (*loc, key.encode("unicode_escape").decode())
            else:
                yield from _walk(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*loc, index))


def _pairs(raw: bytes, where: str) -> Iterator[Loc]:
    """Bad names or values in `a=1&b=2` (query strings and url-encoded forms)."""
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, errors="replace"):
        if bad_text(name) or bad_text(value):
            yield (where, name.encode("unicode_escape").decode())


def bad_fields(scope: Scope, body: bytes) -> list[Loc]:
    """Where the request carries text that cannot be stored; empty when it is clean."""
    found: list[Loc] = []
    if bad_text(scope["path"]):
        found.append(("path",))
    found += _pairs(scope.get("query_string", b""), "query")
    content_type = dict(scope.get("headers", [])).get(b"content-type", b"").lower()
    if b"json" in content_type:
        if not body.isascii() and not _is_utf8(body):
            # FastAPI would quote the undecodable bytes back in its error and fail doing so.
            return [*found, ("body",)]
        if _JSON_SUSPECT.search(body):
            try:
                parsed = json.loads(body)
            except ValueError:
                return found  # not JSON: the endpoint's own validation says so
            found += _walk(parsed, ("body",))
    elif b"x-www-form-urlencoded" in content_type and _FORM_SUSPECT.search(body):
        found += _pairs(body, "body")
    return found


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class TextGuard:
    """Answer 422 when a request's text holds NUL or a lone surrogate (see the module)."""

    def __init__(self, app: ASGIApp, skip_body_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        # Bodies under these paths are files (uploads), not text fields.
        self.skip_body = skip_body_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        body = b""
        if scope["method"] in ("POST", "PUT", "PATCH") and not scope["path"].startswith(
            self.skip_body
        ):
            while True:
                message = await receive()
                received.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
        problems = bad_fields(scope, body)
        if problems:
            await _reply_422(send, problems)
            return

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)


async def _reply_422(send: Send, problems: list[Loc]) -> None:
    detail = [
        {"type": "bad_text", "loc": list(loc), "msg": NOT_UTF8 if loc == ("body",) else MESSAGE}
        for loc in problems
    ]
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
