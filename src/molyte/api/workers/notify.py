"""Wake long-polling claims when a job becomes claimable.

PostgreSQL: submissions run `NOTIFY molyte_jobs` inside their transaction, so the notice is
sent exactly when the job is committed, to every server process; each process has one
listening connection. SQLite (one process): an in-process wake-up after commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
CHANNEL = "molyte_jobs"


class JobNotifier:
    """A generation counter plus an asyncio event that is replaced on each wake-up."""

    def __init__(self, postgres_dsn: str | None) -> None:
        self._dsn = postgres_dsn
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self.generation = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()
        if self._dsn:
            self._thread = threading.Thread(target=self._listen, name="pg-listen", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    # -- producer side ---------------------------------------------------------------------
    def notify_on_commit(self, db: Session, job_type: str) -> None:
        """Wake waiting claims once the current transaction commits."""
        if self._dsn:
            db.execute(
                text("SELECT pg_notify(:ch, :payload)"), {"ch": CHANNEL, "payload": job_type}
            )
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

    def _listen(self) -> None:
        import psycopg

        assert self._dsn is not None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # A wake-up after (re)connecting covers notices missed while disconnected.
                    self.wake_threadsafe()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.wake_threadsafe()
            except Exception as exc:
                log.warning("LISTEN connection lost: %s; reconnecting", exc)
                self._stop.wait(1.0)
