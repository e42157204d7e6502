"""Recording administrative actions."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, event, insert
from sqlalchemy.orm import Session, SessionTransaction

from bot.db import READING, connection_of, within
from bot.queries import Query
from models import AuditEntry

_COLUMNS = ("at", "action", "actor_id", "target_id", "place_id", "circle_id", "details")
# Entries are only appended, and name what they concern by id: plain INSERTs cost a third of
# objects the session would carry to its next flush.
_TABLE = cast(Table, AuditEntry.__table__)
# Entries written by one statement at most: each count has a statement of its own.
APPENDED_TOGETHER = 16
_APPENDING: dict[int, Query] = {}


def _appending(count: int) -> Query:
    """The INSERT of `count` entries, their values named `at_0`, `action_0`, `at_1`...: one
    statement, where an executemany costs psycopg a pipeline of its own."""
    found = _APPENDING.get(count)
    if found is None:
        rows = [
            {c: bindparam(f"{c}_{n}", type_=_TABLE.c[c].type) for c in _COLUMNS}
            for n in range(count)
        ]
        # No RETURNING of the new ids, which PostgreSQL's INSERT would have otherwise.
        found = _APPENDING[count] = Query(insert(_TABLE).values(rows).inline())
    return found


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
        _write(connection, [entry])
        return
    transaction = session.get_transaction()
    assert transaction is not None  # connection_of began one
    with _LOCK:
        _PENDING.setdefault(session.hash_key, []).append((transaction, entry))


# Entries waiting for their transaction's commit, by session; a commit costs a round trip
# anyway, and the entries of many events handled together go in one more. Sessions of
# several dispatch threads share it.
_PENDING: dict[int, list[tuple[SessionTransaction, dict[str, Any]]]] = {}
_LOCK = threading.Lock()


@event.listens_for(Session, "before_commit")
def write_pending(session: Session) -> None:
    """Write the entries recorded in the session's transaction, before it commits (or before
    anything reads or changes the log)."""
    with _LOCK:
        pending = _PENDING.pop(session.hash_key, None)
    if not pending:
        return
    _write(connection_of(session), [entry for _, entry in pending])


def _write(connection: Connection, entries: list[dict[str, Any]]) -> None:
    for start in range(0, len(entries), APPENDED_TOGETHER):
        chunk = entries[start : start + APPENDED_TOGETHER]
        values = {f"{c}_{n}": entry[c] for n, entry in enumerate(chunk) for c in _COLUMNS}
        _appending(len(chunk)).run(connection, values)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Entries recorded inside a transaction rolled back are gone with it."""
    with _LOCK:
        pending = _PENDING.get(session.hash_key)
        if pending:
            pending[:] = [(made, e) for made, e in pending if not within(made, rolled_back)]


@event.listens_for(Session, "after_transaction_end")
def _forget_ended(session: Session, ended: SessionTransaction) -> None:
    """Nothing waits past the end of its session's outermost transaction."""
    if ended.parent is None:
        with _LOCK:
            _PENDING.pop(session.hash_key, None)
