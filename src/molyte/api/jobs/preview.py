"""Previews of job requests (`POST /jobs/validate`): cached by content, rate-limited per user.

A preview parses every SMILES with RDKit and estimates the box; a few large molecules cost
seconds of CPU. The same request (the form asks again on every change) is answered from a
cache keyed by its content; every other one counts against the user's budget per minute.
Both tables are size-capped `LRU`s.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from molyte.api.lru import LRU
from molyte.errors import TooManyRequests

WINDOW_SECONDS = 60.0
CACHE_ENTRIES = 1000  # previews are a few kB each


def content_key(job_type: str, spec: dict[str, Any]) -> str:
    """The same key for the same request, however its JSON was ordered or spaced."""
    text = json.dumps([job_type, spec], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Previews:
    """Built previews by content, and each user's recent builds."""

    def __init__(self, per_minute: int, capacity: int) -> None:
        self.per_minute = per_minute
        self._cache: LRU[str, dict[str, Any]] = LRU(CACHE_ENTRIES)
        self._builds: LRU[str, deque[float]] = LRU(capacity)
        self._lock = threading.Lock()

    def get_or_build(
        self, user: str, key: str, build: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The cached preview for `key`, or `build()` once the user has budget left (else 429)."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        self._charge(user)
        preview = build()
        self._cache.put(key, preview)
        return preview

    def _charge(self, user: str) -> None:
        now = time.monotonic()
        with self._lock:
            builds = self._builds.setdefault(user, lambda: deque(maxlen=self.per_minute))
            while builds and builds[0] <= now - WINDOW_SECONDS:
                builds.popleft()
            if len(builds) >= self.per_minute:
                wait = max(1, math.ceil(builds[0] + WINDOW_SECONDS - now))
                raise TooManyRequests(
                    f"You have checked {self.per_minute} new job requests in the last minute, "
                    f"the most allowed (MOLYTE_VALIDATIONS_PER_MINUTE); try again in {wait} s",
                    retry_after=wait,
                )
            builds.append(now)
