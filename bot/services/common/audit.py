"""Recording administrative actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session

from bot.db import connection_of
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
    """Append one entry to the audit log, in the caller's transaction."""
    _APPEND.run(
        connection_of(session),
        {
            "at": now,
            "action": action,
            "actor_id": actor_id,
            "target_id": target_id,
            "place_id": place_id,
            "circle_id": circle_id,
            "details": details,
        },
    )
