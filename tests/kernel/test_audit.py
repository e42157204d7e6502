"""The audit log: entries wait for their transaction's commit and go in few statements."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.services.common import audit
from models import AuditEntry
from tests.support.queries import captured

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _entries(database: Database) -> list[AuditEntry]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_many_entries_of_one_transaction_are_written_at_its_commit_in_chunks(
    db: Database,
) -> None:
    """More entries than one statement takes go in as many as needed, each with its details."""
    count = audit.APPENDED_TOGETHER + 4
    with captured(db.engine) as statements, db.transaction() as session:
        for n in range(count):
            audit.record(session, NOW, "test.entry", actor_id=None, number=n)
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    inserts = [s for s in statements if "INSERT INTO audit_log" in s]
    assert len(inserts) == 2
    assert [e.details["number"] for e in _entries(db)] == list(range(count))


def test_entries_of_a_transaction_rolled_back_are_not_written(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        audit.record(session, NOW, "test.entry", actor_id=None)
        raise RuntimeError("rolled back")
    assert _entries(db) == []


def test_an_entry_recorded_in_a_savepoint_goes_with_it(db: Database) -> None:
    """A savepoint may be rolled back alone: what was recorded inside it is written at once,
    and undone with it."""
    with db.transaction() as session:
        audit.record(session, NOW, "test.kept", actor_id=None)
        with pytest.raises(RuntimeError), session.begin_nested():
            audit.record(session, NOW, "test.undone", actor_id=None)
            raise RuntimeError("rolled back")
    assert [e.action for e in _entries(db)] == ["test.kept"]
