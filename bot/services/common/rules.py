"""A community's own rules row: one per community, created on its first change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bot.services.common import audit
from models import Base, Place

Rules = TypeVar("Rules", bound=Base)


def set_community_rules(
    session: Session,
    now: datetime,
    model: type[Rules],
    community: Place,
    action: str,
    *,
    actor_id: int,
    values: Mapping[str, object],
    **details: Any,
) -> Rules:
    """Get the community's `model` row or create it, set `values` and `updated_at`, audit."""
    rules = session.get(model, community.id)
    if rules is None:
        rules = model(community_id=community.id)
        session.add(rules)
    for name, value in values.items():
        setattr(rules, name, value)
    setattr(rules, "updated_at", now)  # noqa: B010 - every rules model has it, Base does not
    session.flush()
    audit.record(session, now, action, actor_id=actor_id, place_id=community.id, **details)
    return rules
