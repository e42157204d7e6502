"""Recording administrative actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, bindparam, event, insert
from sqlalchemy.orm import Session, SessionTransaction

from bot.db import READING, connection_of, within
from bot.queries import Query
from models import AuditEntry

_COLUMNS = ("at", "action", "actor_id", "target_id", "place_id", "circle_id", "details")
# Entries are only appended, and name what they concern by id: a plain INSERT, run at once,
# costs a third of an object the session would carry to its next flush.
_APPEND = Query(
    insert(cast(Table, AuditEntry.__table__))
    .values({c: bindparam(c) for c in _COLUMNS})
    # No RETURNING of the new id, which PostgreSQL's INSERT would have otherwise.
    .inline()
)


def record(
    session: Session,
    now: datetime,
    action: str,
    *,
    actor_id: int | None,
    target_id: int | None = None,
    place_id: int | None = None,
    circle_id: int | None = None,
    **details: Any,
) -> None:
    """Append one entry to the audit log, in the caller's transaction: at its commit, with
    the others of that transaction in one statement (see `write_pending`)."""
    entry = {
        "at": now,
        "action": action,
        "actor_id": actor_id,
        "target_id": target_id,
        "place_id": place_id,
        "circle_id": circle_id,
        "details": details,
    }
    connection = connection_of(session)
    options = connection.get_execution_options()
    # A reading session must fail at the write, a savepoint may be rolled back alone, and a
    # session without a transaction has no commit to wait for.
    now_or_never = options.get(READING) or options.get("isolation_level") == "AUTOCOMMIT"
    if now_or_never or session.in_nested_transaction():
        _APPEND.run(connection, entry)
        return
    transaction = session.get_transaction()
    assert transaction is not None  # connection_of began one
    _PENDING.setdefault(session, []).append((transaction, entry))


# Entries waiting for their transaction's commit; a commit costs a round trip anyway, and
# the entries of many events handled together go in one more.
_PENDING: WeakKeyDictionary[Session, list[tuple[SessionTransaction, dict[str, Any]]]] = (
    WeakKeyDictionary()
)


@event.listens_for(Session, "before_commit")
def write_pending(session: Session) -> None:
    """Write the entries recorded in the session's transaction, before it commits (or before
    anything reads or changes the log)."""
    pending = _PENDING.pop(session, None)
    if not pending:
        return
    connection = connection_of(session)
    entries = [entry for _, entry in pending]
    if len(entries) == 1:
        _APPEND.run(connection, entries[0])
    else:
        connection.execute(insert(AuditEntry), entries)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Entries recorded inside a transaction rolled back are gone with it."""
    pending = _PENDING.get(session)
    if pending:
        pending[:] = [(made, entry) for made, entry in pending if not within(made, rolled_back)]
