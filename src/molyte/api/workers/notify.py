"""Wake long-polling claims when a job becomes claimable.

PostgreSQL: a trigger on the jobs table runs `NOTIFY molyte_jobs` whenever a row becomes
PENDING, inside that transaction, so the notice is sent exactly when the job is committed, to
every server process, whatever code path made it PENDING; each process has one listening
connection. SQLite (one process): an in-process wake-up after commit.

The same connection also listens on `molyte_auth`, which triggers on the users and worker
tokens tables notify when a credential stops being valid (migration 0007): every process
then drops its cached credentials, so a revoked token is refused at its very next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
CHANNEL = "molyte_jobs"
AUTH_CHANNEL = "molyte_auth"


class JobNotifier:
    """A generation counter plus an asyncio event that is replaced on each wake-up."""

    def __init__(
        self, postgres_dsn: str | None, on_auth_change: Callable[[], None] | None = None
    ) -> None:
        self._dsn = postgres_dsn
        self._on_auth_change = on_auth_change or (lambda: None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self.generation = 0
        self._listener: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()
        if self._dsn:
            self._listener = loop.create_task(self._listen(self._dsn), name="pg-listen")

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()

    # -- producer side ---------------------------------------------------------------------
    def notify_on_commit(self, db: Session, job_type: str) -> None:
        """Wake waiting claims once the current transaction commits.

        On PostgreSQL the jobs table's triggers send the NOTIFY whenever a row becomes
        PENDING (migration 0003), in the same transaction and without a round trip, so there
        is nothing to do here.
        """
        if self._dsn:
            return

        def _after_commit(_session: Any) -> None:
            self.wake_threadsafe()

        event.listen(db, "after_commit", _after_commit, once=True)

    def wake_threadsafe(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        self.generation += 1
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    # -- consumer side ---------------------------------------------------------------------
    async def wait(self, seen_generation: int, timeout: float) -> None:
        """Return when a wake-up happened after `seen_generation`, or after `timeout`."""
        if self.generation != seen_generation or self._event is None:
            return
        current = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(current.wait(), timeout)

    async def _listen(self, dsn: str) -> None:
        """LISTEN on the event loop itself: a notice wakes the waiting claims directly, with
        no thread in between."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    await conn.execute(f"LISTEN {AUTH_CHANNEL}")
                    # After (re)connecting: cover the notices missed while disconnected.
                    self._on_auth_change()
                    self.wake_threadsafe()
                    async for notice in conn.notifies():
                        if notice.channel == AUTH_CHANNEL:
                            self._on_auth_change()
                        else:
                            self.wake_threadsafe()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("LISTEN connection lost: %s; reconnecting", exc)
                await asyncio.sleep(1.0)
