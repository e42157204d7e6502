"""Recording administrative actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import AuditEntry


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
    session.add(
        AuditEntry(
            at=now,
            action=action,
            actor_id=actor_id,
            target_id=target_id,
            place_id=place_id,
            circle_id=circle_id,
            details=details,
        )
    )
