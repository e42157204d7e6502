"""Several workers on one PostgreSQL: elected senders and due work done once, by advisory locks."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from bot.db import Database, is_sqlite

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)
# How often a worker that is not elected tries again, and how long the elected one waits
# for a nudge at a time (the longest a stop waits for it).
RETRY_SECONDS = 1.0
LISTEN_SECONDS = 0.5


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for `name` (the same in every process)."""
    digest = hashlib.sha256(f"linli:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def channel(name: str) -> str:
    """The LISTEN/NOTIFY channel on which other workers nudge `name`'s elected worker."""
    return f"linli_{lock_key(name) & 0xFFFFFFFF:08x}"


def nudge(db: Database, name: str) -> None:
    """Tell `name`'s elected worker (in whichever process) that there is work for it."""
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel(name)})
        connection.commit()


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
        self.nudged = False
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
        connection.execute(text(f"LISTEN {channel(self.name)}"))
        self._connection = connection
        return True

    def listen(self, seconds: float) -> bool:
        """Wait up to `seconds` for a nudge (see `nudge`); False when the lock is lost.

        A worker that dies takes its connection with it; then this raises inside psycopg,
        and the lock is known to be gone.
        """
        if self._connection is None:
            return False
        try:
            driver = cast("psycopg.Connection[Any]", self._connection.connection.driver_connection)
            for _ in driver.notifies(timeout=seconds, stop_after=1):
                self.nudged = True
            return True
        except Exception:
            log.warning("lost the connection holding the %s lock", self.name)
            self._drop()
            return False

    def release(self) -> None:
        """Give the lock up at once, then close its connection (nothing of it stays pooled).

        Closing alone frees the lock only when the server has noticed the disconnection,
        which may be a moment later; unlocking first makes it free before this returns.
        """
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
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
    wake: Callable[[], None] | None = None,
) -> None:
    """Run `serve(until)` while this process is `name`'s elected worker, until `stop`.

    `until` is set when `stop` is, or when the lock is lost; then this process waits to be
    elected again. While elected, `wake` is called when another worker nudges it. On
    SQLite (one process) `serve(stop)` runs at once.
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
        watch = asyncio.create_task(_watch(lock, until, wake))
        link = asyncio.create_task(_link(stop, until))
        try:
            await serve(until)
        finally:
            until.set()
            link.cancel()
            await asyncio.wait({watch})
            await asyncio.to_thread(lock.release)


async def _watch(lock: SessionLock, until: asyncio.Event, wake: Callable[[], None] | None) -> None:
    """Until `until`, pass nudges on to `wake`; set `until` when the lock is lost."""
    while not until.is_set():
        if not await asyncio.to_thread(lock.listen, LISTEN_SECONDS):
            break
        if lock.nudged and wake is not None:
            lock.nudged = False
            wake()
    until.set()


async def _link(stop: asyncio.Event, until: asyncio.Event) -> None:
    await stop.wait()
    until.set()


async def _pause(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `stop`; whether `stop` was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
