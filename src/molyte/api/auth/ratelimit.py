"""Login rate limiting: too many failures for a username or a client in a window -> 429."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from molyte.errors import TooManyRequests


class LoginLimiter:
    """Counts failed logins per key in a sliding window (per server process)."""

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def check(self, *keys: str) -> None:
        """Raise 429 when any key has used up its failures."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                if len(self._recent(key, now)) >= self.max_failures:
                    raise TooManyRequests("Too many failed logins; try again later")

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
