"""What the running server holds: its infrastructure (settings, database, object store, URL
signing, notifications) and the state the features attach at build time.

The arrow points one way: features import this module, never the reverse. A feature's own
state (the login throttle, the validation throttle, the claim wake-ups, the metrics, the claim
pools) is an object of the feature's own class, attached by the app factory (`api/app.py`) and
looked up by that class, so the lookup is typed (`ctx.feature(Metrics)` is a `Metrics`) and
this module names no feature (tests/unit/test_layering.py keeps it so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from molyte.config import ServerSettings
from molyte.notifications.sender import NotificationSender
from molyte.storage.base import ObjectStore
from molyte.storage.signing import UrlSigner

T = TypeVar("T")


@dataclass
class AppContext:
    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    store: ObjectStore
    notifications: NotificationSender
    signing_key: str
    url_signer: UrlSigner
    verification_keys: list[str] = field(default_factory=list)
    _features: dict[type, object] = field(default_factory=dict, init=False, repr=False)

    def attach(self, *states: object) -> None:
        """Attach features' state objects, one per class (at build time, before serving)."""
        for state in states:
            kind = type(state)
            if kind in self._features:
                raise ValueError(f"a {kind.__name__} is already attached")
            self._features[kind] = state

    def find(self, kind: type[T]) -> T | None:
        """The attached object of class `kind`, or None when the app has none (e.g. the
        PostgreSQL-only claim pools on SQLite)."""
        state = self._features.get(kind)
        return state if isinstance(state, kind) else None

    def feature(self, kind: type[T]) -> T:
        """The attached object of class `kind`; a missing one is a bug of the app factory."""
        state = self.find(kind)
        if state is None:
            raise LookupError(f"no {kind.__name__} is attached to this app")
        return state
