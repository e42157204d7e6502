"""Several workers on one PostgreSQL: elected senders and due work done once, by advisory locks."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from bot.db import Database, is_sqlite

log = logging.getLogger(__name__)
# How often a worker that is not elected tries again, and the elected one checks its lock.
RETRY_SECONDS = 1.0
CHECK_SECONDS = 2.0


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for `name` (the same in every process)."""
    digest = hashlib.sha256(f"linli:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def work_once(session: Session, name: str) -> None:
    """Serialise `name`'s due work across workers until the session's transaction ends.

    On PostgreSQL the caller waits for another worker doing the same work to commit, and
    then reads what that one left, so each due item is done once. SQLite has one process.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})


class SessionLock:
    """A PostgreSQL session-level advisory lock on a connection of its own.

    The lock lives as long as that connection: when the process holding it dies, the
    server ends its session and the lock is free for another worker at once.
    """

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name
        self.key = lock_key(name)
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock (as far as it last knew)."""
        return self._connection is not None

    def try_take(self) -> bool:
        """Take the lock if it is free; False when another session holds it."""
        connection = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
        except Exception:
            connection.invalidate()
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def check(self) -> bool:
        """Whether the lock is still held: its connection still answers."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except Exception:
            log.warning("lost the connection holding the %s lock", self.name)
            self._drop()
            return False
        return True

    def release(self) -> None:
        """Give the lock up (closing its connection, so nothing of it stays in the pool)."""
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.invalidate()
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


Serve = Callable[[asyncio.Event], Awaitable[None]]


async def serve_elected(
    db: Database,
    name: str,
    stop: asyncio.Event,
    serve: Serve,
    *,
    retry_seconds: float = RETRY_SECONDS,
    check_seconds: float = CHECK_SECONDS,
) -> None:
    """Run `serve(until)` while this process is `name`'s elected worker, until `stop`.

    `until` is set when `stop` is, or when the lock is lost; then this process waits to be
    elected again. On SQLite (one process) `serve(stop)` runs at once.
    """
    if is_sqlite(db.url):
        await serve(stop)
        return
    while not stop.is_set():
        lock = SessionLock(db, name)
        try:
            won = await asyncio.to_thread(lock.try_take)
        except Exception:
            log.exception("could not ask for the %s lock; trying again shortly", name)
            won = False
        if not won:
            await _pause(stop, retry_seconds)
            continue
        log.info("this worker is elected for %s", name)
        until = asyncio.Event()
        watch = asyncio.create_task(_watch(lock, stop, until, check_seconds))
        try:
            await serve(until)
        finally:
            watch.cancel()
            await asyncio.to_thread(lock.release)


async def _watch(
    lock: SessionLock, stop: asyncio.Event, until: asyncio.Event, every: float
) -> None:
    """Set `until` when `stop` is set or the lock's connection stops answering."""
    while not await _pause(stop, every):
        if not await asyncio.to_thread(lock.check):
            break
    until.set()


async def _pause(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `stop`; whether `stop` was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
