"""Per-key tables in server memory stay within their size, whatever keys clients send."""

from __future__ import annotations

import pytest

from molyte.api.auth.ratelimit import LoginLimiter
from molyte.api.lru import LRU
from molyte.errors import TooManyRequests


def test_lru_drops_the_least_recently_used() -> None:
    table: LRU[str, int] = LRU(3)
    for n, key in enumerate("abc"):
        table.put(key, n)
    assert table.get("a") == 0  # "a" is now the most recent
    table.put("d", 3)
    assert len(table) == 3
    assert table.get("b") is None
    assert [table.get(k) for k in "acd"] == [0, 2, 3]
    assert table.get("zzz") is None and len(table) == 3  # a look-up adds nothing


def test_login_limiter_holds_at_most_its_capacity() -> None:
    limiter = LoginLimiter(max_failures=3, window_seconds=300, capacity=100)
    for n in range(5_000):
        limiter.check(f"user{n}", f"10.0.{n // 250}.{n % 250}")
        limiter.failed(f"user{n}", f"10.0.{n // 250}.{n % 250}")
    assert limiter.tracked_keys() <= 3 * 100


def test_refused_attempts_add_no_entries() -> None:
    limiter = LoginLimiter(max_failures=2, window_seconds=300, capacity=100)
    for _ in range(2):
        limiter.failed("alice", "10.0.0.1")
    held = limiter.tracked_keys()
    for n in range(50):
        with pytest.raises(TooManyRequests):
            limiter.check("alice", "10.0.0.1")
        limiter.check(f"nobody{n}", "10.0.0.9")
    assert limiter.tracked_keys() == held


def test_account_slowdown_spares_addresses_that_signed_in_before() -> None:
    limiter = LoginLimiter(max_failures=2, window_seconds=300, slowdown_seconds=30)
    limiter.succeeded("alice", "10.0.0.1")
    limiter.failed("alice", "10.0.0.2")
    limiter.failed("alice", "10.0.0.3")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("alice", "10.0.0.4")
    assert "slowed down" in refused.value.message
    assert refused.value.retry_after == 30
    limiter.check("alice", "10.0.0.1")  # the owner's address
