"""Login throttling, kept in server memory (per process) with a fixed size.

Three counts of failed sign-ins over a sliding window:
- per (account, address): the owner's own address is throttled only by its own mistakes;
- per address: one address trying many accounts (password spraying);
- per account, from all addresses together: past `max_failures` the account is slowed down,
  not locked: an address must wait `slowdown`, then 2x, 4x ... that (up to `max_delay`) after
  the account's last failure before it may try again. An address that signed in to the
  account before is not slowed down, so an attacker spread over many addresses cannot lock
  the owner out.

Every table is an `LRU` of at most `capacity` keys; attempts refused with 429 add nothing.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import TypeVar

from molyte.api.lru import LRU
from molyte.errors import TooManyRequests

ADDRESS_FACTOR = 5  # an address may fail on several accounts (a lab behind one NAT)
KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600.0  # how long a successful sign-in vouches for an address
_K = TypeVar("_K")


class LoginLimiter:
    """Counts failed logins per (account, address), per address and per account."""

    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        slowdown_seconds: float = 1.0,
        max_delay_seconds: float = 60.0,
        capacity: int = 10_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.slowdown = slowdown_seconds
        self.max_delay = max_delay_seconds
        self.address_max = max_failures * ADDRESS_FACTOR
        self._pairs: LRU[tuple[str, str], deque[float]] = LRU(capacity)
        self._addresses: LRU[str, deque[float]] = LRU(capacity)
        self._accounts: LRU[str, deque[float]] = LRU(capacity)
        self._known: LRU[tuple[str, str], float] = LRU(capacity)
        self._lock = threading.Lock()

    def _recent(self, table: LRU[_K, deque[float]], key: _K, now: float) -> deque[float]:
        """The failures of `key` inside the window (an empty deque if it has none)."""
        failures = table.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            table.pop(key)  # expired entries leave at once
        return failures

    def _wait(self, failures: deque[float], now: float) -> float:
        """Seconds until the oldest failure leaves the window."""
        return failures[0] + self.window - now

    def check(self, account: str, address: str) -> None:
        """Raise 429 (with the seconds to wait) when this attempt must not be tried now."""
        now = time.monotonic()
        with self._lock:
            pair = self._recent(self._pairs, (account, address), now)
            if len(pair) >= self.max_failures:
                raise _refuse("for this account from your address", self._wait(pair, now))
            by_address = self._recent(self._addresses, address, now)
            if len(by_address) >= self.address_max:
                raise _refuse("from your address", self._wait(by_address, now))
            if self._is_known(account, address, now):
                return
            by_account = self._recent(self._accounts, account, now)
            extra = len(by_account) - self.max_failures
            if extra >= 0:
                delay = min(self.max_delay, self.slowdown * 2.0 ** min(extra, 32))
                wait = by_account[-1] + delay - now
                if wait > 0:
                    raise _refuse("for this account; it is slowed down", wait)

    def failed(self, account: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._pairs.setdefault((account, address), lambda: deque(maxlen=self.max_failures))
            self._addresses.setdefault(address, lambda: deque(maxlen=self.address_max))
            self._accounts.setdefault(account, lambda: deque(maxlen=self.max_failures + 8))
            for failures in (
                self._pairs.get((account, address)),
                self._addresses.get(address),
                self._accounts.get(account),
            ):
                assert failures is not None
                failures.append(now)

    def succeeded(self, account: str, address: str) -> None:
        """Forget this address's failures on the account and vouch for the address."""
        with self._lock:
            self._pairs.pop((account, address))
            self._known.put((account, address), time.monotonic())

    def _is_known(self, account: str, address: str, now: float) -> bool:
        since = self._known.get((account, address))
        return since is not None and now - since < KNOWN_ADDRESS_SECONDS

    def tracked_keys(self) -> int:
        """Entries held in all tables (for tests and the memory bound)."""
        return sum(len(t) for t in (self._pairs, self._addresses, self._accounts, self._known))


def _refuse(scope: str, wait: float) -> TooManyRequests:
    seconds = max(1, math.ceil(wait))
    return TooManyRequests(
        f"Too many failed sign-ins {scope}; try again in {seconds} s", retry_after=seconds
    )
