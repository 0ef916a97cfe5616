"""A size-capped table for per-key state kept in server memory (rate limits, caches).

Every in-memory table keyed by something a client chooses (a username, an address, a token, a
spec) is one of these: past `capacity` entries the least recently used one is dropped, so no
stream of distinct keys can grow the process without bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A thread-safe mapping that keeps at most `capacity` entries, dropping the least recently
    used first."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        """The value for `key` (marking it recently used), or None; never adds an entry."""
        with self.lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self.lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def setdefault(self, key: K, factory: Callable[[], V]) -> V:
        """The value for `key`, adding `factory()` first if there is none."""
        with self.lock:
            value = self.get(key)
            if value is None:
                value = factory()
                self.put(key, value)
            return value

    def pop(self, key: K) -> V | None:
        with self.lock:
            return self._items.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self._items.clear()
