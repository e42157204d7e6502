"""A reading session: it refuses to write, changes nothing, and never waits for a writer."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import func, select

from bot.db import Database, WriteAttempted, is_sqlite
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
