"""What the running server holds: settings, database, store, wake-ups, metrics, notifications,
caches."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from molyte.api.auth.ratelimit import LoginLimiter
from molyte.api.jobs.preview import Previews
from molyte.api.ops.metrics import Metrics
from molyte.api.workers.notify import JobNotifier
from molyte.api.workers.repository import ClaimPools
from molyte.config import ServerSettings
from molyte.notifications.sender import NotificationSender
from molyte.storage.base import ObjectStore
from molyte.storage.signing import UrlSigner


@dataclass
class AppContext:
    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    store: ObjectStore
    notifier: JobNotifier
    metrics: Metrics
    notifications: NotificationSender
    login_limiter: LoginLimiter
    previews: Previews
    signing_key: str
    url_signer: UrlSigner
    verification_keys: list[str] = field(default_factory=list)
    # PostgreSQL only: the claim statement's async pools (one per event loop).
    claim_pools: ClaimPools | None = None
