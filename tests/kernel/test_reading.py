"""A reading session: it refuses to write, changes nothing, and never waits for a writer."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot.adapters.telegram import POSTGRES_DISPATCH_THREADS
from bot.db import HOLDING_THREADS, Database, WriteAttempted, is_sqlite
from models import ProcessedUpdate
from tests.conftest import START as T0


def _updates(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0


def test_a_reading_session_refuses_every_write_and_leaves_nothing(db: Database) -> None:
    with pytest.raises(WriteAttempted), db.reading() as session:
        session.add(ProcessedUpdate(key="tg:1", processed_at=T0))
        session.flush()
    assert _updates(db) == 0


def test_a_reading_session_sees_what_is_committed_while_a_writer_holds_its_lock(
    db: Database,
) -> None:
    with db.transaction() as session:
        session.add(ProcessedUpdate(key="tg:1", processed_at=T0))
    with db.transaction() as writer:
        writer.add(ProcessedUpdate(key="tg:2", processed_at=T0))
        writer.flush()
        assert _updates(db) == 1
    assert _updates(db) == 2


def test_a_reading_session_is_one_snapshot_on_sqlite_and_no_transaction_on_postgresql(
    db: Database,
) -> None:
    """PostgreSQL at READ COMMITTED gives each statement a snapshot of its own anyway: a
    BEGIN and a ROLLBACK there would be two round trips for nothing."""
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
        driver = session.connection().connection.driver_connection
        if is_sqlite(db.url):
            assert isinstance(driver, sqlite3.Connection) and driver.in_transaction
        else:
            assert isinstance(driver, psycopg.Connection)
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def _driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


def _in_transaction(driver: Any) -> bool:
    if isinstance(driver, sqlite3.Connection):
        return driver.in_transaction
    return bool(driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)


def test_a_held_reading_keeps_its_threads_connection_but_no_snapshot(db: Database) -> None:
    """A thread answering reading commands keeps one connection: each reading sees what was
    committed since the last, and between readings holds no transaction open (on SQLite an
    open one would keep the write-ahead log from being checkpointed)."""
    with db.reading(held=True) as session:
        first = _driver(session)
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    assert not _in_transaction(first)
    with db.transaction() as session:
        session.add(ProcessedUpdate(key="tg:1", processed_at=T0))
    with db.reading(held=True) as session:
        assert _driver(session) is first
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1
    with ThreadPoolExecutor(1) as other:
        assert other.submit(_held_driver, db).result() is not first
    with db.reading() as session:
        assert _driver(session) is not first


def _held_driver(db: Database) -> Any:
    with db.reading(held=True) as session:
        return _driver(session)


def test_a_held_reading_refuses_writes_and_is_whole_again_after_a_failure(db: Database) -> None:
    with pytest.raises(WriteAttempted), db.reading(held=True) as session:
        session.add(ProcessedUpdate(key="tg:1", processed_at=T0))
        session.flush()
    with pytest.raises(ZeroDivisionError), db.reading(held=True) as session:
        session.scalar(select(func.count()).select_from(ProcessedUpdate))
        _ = 1 / 0
    with db.transaction() as session:
        session.add(ProcessedUpdate(key="tg:2", processed_at=T0))
    with db.reading(held=True) as session:
        assert session.scalar(select(ProcessedUpdate.key)) == "tg:2"


def _closed(driver: Any) -> bool:
    if isinstance(driver, sqlite3.Connection):
        try:
            driver.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            return True
        return False
    return bool(driver.closed)


def test_disposing_closes_the_connections_threads_hold(db: Database) -> None:
    with db.reading(held=True) as session:
        first = _driver(session)
    db.dispose()
    assert _closed(first)
    with db.reading(held=True) as session:
        assert _driver(session) is not first
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0


def test_no_more_threads_than_dispatch_on_postgresql_keep_a_connection_from_the_pool(
    db: Database,
) -> None:
    """Each connection kept is one fewer for the pool to lend to writers."""
    assert HOLDING_THREADS == POSTGRES_DISPATCH_THREADS
    workers = [ThreadPoolExecutor(1) for _ in range(HOLDING_THREADS)]
    try:
        kept = {worker.submit(_held_driver, db).result() for worker in workers}
        assert len(kept) == HOLDING_THREADS
        assert {workers[0].submit(_held_driver, db).result()} < kept
    finally:
        for worker in workers:
            worker.shutdown()
    pool = db.engine.pool
    assert isinstance(pool, QueuePool) and pool.checkedout() == HOLDING_THREADS
    with db.reading(held=True) as session:
        assert _driver(session) not in kept and pool.checkedout() == HOLDING_THREADS + 1
        assert session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
    assert pool.checkedout() == HOLDING_THREADS
