"""A reading session: it refuses to write, changes nothing, and never waits for a writer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db import Database, WriteAttempted
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
