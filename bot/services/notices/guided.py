"""The guided `/notice`: who may start it, and each answer checked as it is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Incoming
from bot.services.common import access, dialogs
from bot.services.notices.reach import resolve_scope, this_building
from models import Circle, Dialog, Place, Resident

KIND = "notice"


@dataclass(frozen=True)
class Begun:
    """A guided notice at its first question (the scope), and the scopes it offers: 本楼 where
    it names a building (the group's, else the one the sender heads), 全部 to those who may
    notify the whole community."""

    dialog: Dialog
    building: bool
    everyone: bool


def begin(
    session: Session,
    now: datetime,
    resident: Resident,
    community: Place,
    incoming: Incoming,
    here: Circle | None,
) -> Begun:
    """Start the guided notice for a sender, with the scopes it offers them here; anyone else
    is pointed to the notices that reached them."""
    if not access.sends_notices(session, resident.id, community):
        raise DomainError("notices.senders_only", listing=True)
    return Begun(
        dialogs.start(session, now, incoming, KIND, "scope"),
        this_building(session, resident, community, here) is not None,
        access.may_notify(session, resident.id, community),
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
