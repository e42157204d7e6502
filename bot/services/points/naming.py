"""Whom a points command names: mentioned accounts, a reply, or `@name` words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import UserRef
from bot.services.common.keywords import normalise
from bot.services.community.people import find_member_by_name, mentioned
from models import Circle, Place, Resident


@dataclass(frozen=True)
class Named:
    """The accounts a command mentions (or replies to), else the `@name` words it starts with,
    and the words that follow."""

    users: tuple[UserRef, ...] = ()
    names: tuple[str, ...] = ()
    rest: tuple[str, ...] = ()


def member_named(session: Session, community: Place, circle: Circle | None, name: str) -> Resident:
    """The member called `name` (without its @): in this circle, else in the community."""
    if circle is not None:
        return find_member_by_name(session, circle, name)
    wanted = normalise(name).lstrip("@")
    found = [
        r
        for r in session.scalars(select(Resident).where(Resident.display_name == wanted).limit(5))
        if r.household is not None and community.contains(r.household)
    ]
    if len(found) != 1:
        raise DomainError("points.no_such_member", name=wanted[:30])
    return found[0]


def people_named(
    session: Session, now: datetime, community: Place, circle: Circle | None, named: Named
) -> list[Resident]:
    """The residents a command names, in the order named."""
    if named.users:
        return [mentioned(session, now, user) for user in named.users]
    return [member_named(session, community, circle, name) for name in named.names]
