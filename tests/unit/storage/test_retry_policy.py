import random

import pytest

from molyte.errors import ConfigError
from molyte.storage.retry import RetryPolicy, retry_call

POLICY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.01)


def is_connection_error(error: BaseException) -> bool:
    return isinstance(error, ConnectionError)


def test_delays_are_jittered_below_an_exponential_cap() -> None:
    policy = RetryPolicy(attempts=6, base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    for index, cap in enumerate([0.5, 1.0, 2.0, 4.0, 4.0, 4.0]):
        samples = [policy.delay(index, rng) for _ in range(200)]
        assert all(0.0 <= s <= cap for s in samples)
        assert max(samples) > 0.8 * cap  # full jitter spreads over the whole range
        assert len(set(samples)) == 200


def test_transient_failures_are_retried_until_success() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "ok"

    assert retry_call(flaky, is_connection_error, POLICY, "t", waits.append) == "ok"
    assert len(calls) == 3 and len(waits) == 2


def test_the_last_transient_failure_propagates_after_all_attempts() -> None:
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise ConnectionError("still down")

    with pytest.raises(ConnectionError, match="still down"):
        retry_call(down, is_connection_error, POLICY, "t", lambda _: None)
    assert len(calls) == 4


def test_other_failures_are_not_retried() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("bad")

    with pytest.raises(ValueError):
        retry_call(broken, is_connection_error, POLICY, "t", lambda _: None)
    assert len(calls) == 1


def test_policy_needs_an_attempt() -> None:
    with pytest.raises(ConfigError):
        RetryPolicy(attempts=0)
