"""HMAC-SHA256 signatures for the server's own short-lived storage URLs.

A signature covers the HTTP method, what the URL names (a key, or an upload id and part) and
every constraint the URL carries (expiry, size, sha256, download name), so that changing,
adding or removing any of them invalidates it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

from molyte.errors import ConfigError, Forbidden

_PURPOSE = b"molyte/storage-url/v1"


class UrlSigner:
    """Signs and checks `(method, fields..., expires)` with a key derived from the secret."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ConfigError("storage URL signing needs a non-empty secret key")
        # A derived key, so a signature can never be replayed as another use of the secret.
        self._key = hmac.new(secret_key.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()

    def sign(self, method: str, fields: Sequence[str], expires: int) -> str:
        """The hex signature of a method, its fields and an expiry (unix seconds)."""
        message = "\n".join([method.upper(), *fields, str(int(expires))])
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def expiry(self, expires_seconds: int, now: float | None = None) -> int:
        """The unix time `expires_seconds` from now."""
        if expires_seconds <= 0:
            raise ConfigError("a signed URL must expire a positive number of seconds from now")
        return int(time.time() if now is None else now) + int(expires_seconds)

    def check(
        self,
        method: str,
        fields: Sequence[str],
        expires: str | None,
        signature: str | None,
        now: float | None = None,
    ) -> None:
        """Raise Forbidden unless the signature matches and has not expired."""
        if not expires or not signature:
            raise Forbidden("the storage URL is missing its expiry or signature")
        try:
            expires_at = int(expires)
        except ValueError:
            raise Forbidden("the storage URL has a malformed expiry") from None
        expected = self.sign(method, fields, expires_at)
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8")):
            raise Forbidden("the storage URL signature does not match")
        if (time.time() if now is None else now) > expires_at:
            raise Forbidden("the storage URL has expired")
