"""The guided `/notice`: who may start it, and each answer checked as it is given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Incoming
from bot.services.common import access, dialogs
from bot.services.community.grid import ancestor_of_kind
from bot.services.notices.reach import resolve_scope
from models import Circle, Place, PlaceKind, Resident

KIND = "notice"


def begin(
    session: Session, now: datetime, resident: Resident, community: Place, incoming: Incoming
) -> None:
    """Start the guided notice for a sender, at its first question (the scope)."""
    if not access.sends_notices(session, resident.id, community):
        raise DomainError("notices.senders_only")
    dialogs.start(session, now, incoming, KIND, "scope")


def in_building(session: Session, here: Circle | None) -> bool:
    """Whether the group a notice is begun in lies in a building, which 本楼 then names."""
    return (
        here is not None and ancestor_of_kind(session, here.place, PlaceKind.BUILDING) is not None
    )


def check_scope(
    session: Session,
    resident: Resident,
    community: Place,
    words: tuple[str, ...],
    here: Circle | None = None,
) -> int:
    """How many circles the scope reaches (`here`: the group's own circle, for 本群); an error
    when the sender may not notify it."""
    if not access.sends_notices(session, resident.id, community):
        raise DomainError("notices.senders_only")
    return len(resolve_scope(session, resident, community, words, here))
