"""`AppContext`: features attach their state by class and get it back typed."""

from __future__ import annotations

from typing import Any, cast

import pytest

from molyte.api.context import AppContext


class Throttle:
    def __init__(self, limit: int) -> None:
        self.limit = limit


class Pools:
    pass


def _context() -> AppContext:
    # The infrastructure is not used here; the features' registry is what is under test.
    none = cast(Any, None)
    return AppContext(none, none, none, none, none, "key", none)


def test_a_feature_gets_back_the_object_it_attached() -> None:
    ctx = _context()
    throttle = Throttle(5)
    ctx.attach(throttle)
    assert ctx.feature(Throttle) is throttle
    assert ctx.feature(Throttle).limit == 5


def test_a_missing_feature_is_none_or_an_error() -> None:
    ctx = _context()
    ctx.attach(Throttle(1))
    assert ctx.find(Pools) is None
    with pytest.raises(LookupError, match="no Pools is attached"):
        ctx.feature(Pools)


def test_one_object_per_class() -> None:
    ctx = _context()
    ctx.attach(Throttle(1), Pools())
    with pytest.raises(ValueError, match="a Throttle is already attached"):
        ctx.attach(Throttle(2))
    assert ctx.feature(Throttle).limit == 1
