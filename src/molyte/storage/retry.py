"""Bounded retries with exponential backoff and full jitter, for store outages and 5xx."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from molyte.errors import ConfigError, MolyteError

T = TypeVar("T")
logger = logging.getLogger(__name__)


class StoreError(MolyteError):
    """The object store refused the request."""

    status_code = 502


class StoreUnavailableError(StoreError):
    """The object store is unavailable; try again later."""

    status_code = 503


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries in all; the wait before try n+1 is uniform in [0, min(cap, base*2^n)]."""

    attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ConfigError("a retry policy needs at least one attempt and non-negative delays")

    def delay(self, retry_index: int, rng: random.Random | None = None) -> float:
        """The jittered wait before retry number `retry_index` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2**retry_index))
        return (rng or random).uniform(0.0, ceiling)


def retry_call(
    action: Callable[[], T],
    is_transient: Callable[[BaseException], bool],
    policy: RetryPolicy,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `action`, retrying transient failures per `policy`; the last failure propagates."""
    for retry_index in range(policy.attempts):
        try:
            return action()
        except Exception as error:
            if not is_transient(error) or retry_index == policy.attempts - 1:
                raise
            wait = policy.delay(retry_index)
            logger.warning(
                "transient storage failure, retrying",
                extra={"action": what, "attempt": retry_index + 1, "error": type(error).__name__},
            )
            sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")
