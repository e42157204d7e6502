"""Reaching people and chats beyond the one an event came from, and who is there to reach."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, joinedload

from bot.messages import ChatKind, Envelope, Reply, Target
from bot.services.common.access import LEADERS
from bot.services.community.grid import ancestors, inside
from models import Circle, CircleChat, Identity, Place, Resident, Role, RoleGrant


def active_chats(session: Session, circle: Circle) -> list[CircleChat]:
    """The chats a circle is reachable in now."""
    return list(
        session.scalars(
            select(CircleChat)
            .where(CircleChat.circle_id == circle.id, CircleChat.active)
            .order_by(CircleChat.id)
        )
    )


def active_chats_of(session: Session, circle_ids: list[int]) -> dict[int, list[CircleChat]]:
    """The chats each of many circles is reachable in now, with their circles, in one query."""
    found: dict[int, list[CircleChat]] = {}
    for chat in session.scalars(
        select(CircleChat)
        .where(CircleChat.circle_id.in_(circle_ids), CircleChat.active)
        .options(joinedload(CircleChat.circle))
        .order_by(CircleChat.id)
    ):
        found.setdefault(chat.circle_id, []).append(chat)
    return found


def circles_within(session: Session, place: Place) -> list[Circle]:
    """Every circle bound to `place` or to a place inside it."""
    return list(
        session.scalars(
            select(Circle)
            .join(Place, Place.id == Circle.place_id)
            .where(inside(place.path))
            .order_by(Circle.id)
        )
    )


def to_chat(chat: CircleChat, reply: Reply, default_language: str, *, key: str = "") -> Envelope:
    """An envelope for one chat of a circle, in the circle's language."""
    target = Target(chat.platform, chat.chat_id, ChatKind.GROUP)
    language = chat.circle.language or default_language
    return Envelope(target, replace(reply), language, key=key)


def to_circle(
    session: Session, circle: Circle, reply: Reply, default_language: str
) -> list[Envelope]:
    """An envelope for every active chat of a circle."""
    return [to_chat(chat, reply, default_language) for chat in active_chats(session, circle)]


def to_person(resident: Resident, reply: Reply, default_language: str) -> list[Envelope]:
    """A private envelope for each platform account of a resident.

    The post office drops those the platform would refuse (a Telegram user who never
    opened a chat with the bot).
    """
    return to_identities(resident, resident.identities, reply, default_language)


def to_identities(
    resident: Resident, identities: Iterable[Identity], reply: Reply, default_language: str
) -> list[Envelope]:
    """A private envelope to each of the given platform accounts of a resident."""
    return [
        Envelope(
            Target(identity.platform, identity.external_id, ChatKind.PRIVATE),
            replace(reply),
            resident.language or default_language,
            to_user=identity.external_id,
        )
        for identity in identities
    ]


def circle_admins(session: Session, circle: Circle) -> list[Resident]:
    """The residents granted admin of a circle."""
    return _holders(session, Role.CIRCLE_ADMIN, RoleGrant.circle_id == circle.id)


def secretaries(session: Session, community: Place) -> list[Resident]:
    """The secretaries of a community."""
    return _holders(session, Role.SECRETARY, RoleGrant.place_id == community.id)


def deciders(session: Session, place: Place) -> list[Resident]:
    """The secretaries and grid workers whose area holds `place`."""
    above = RoleGrant.place_id.in_([p.id for p in ancestors(session, place)])
    found = _holders(session, Role.SECRETARY, above) + _holders(session, Role.GRID_WORKER, above)
    return list({resident.id: resident for resident in found}.values())


def holders_at(session: Session, role: Role, place: Place) -> list[Resident]:
    """The residents granted `role` at exactly `place` (the building heads of a building)."""
    return _holders(session, role, RoleGrant.place_id == place.id)


def leaders(session: Session, place: Place) -> list[Resident]:
    """The building heads and unit heads whose building or unit holds `place`."""
    above = RoleGrant.place_id.in_([p.id for p in ancestors(session, place)])
    found = [resident for role in LEADERS for resident in _holders(session, role, above)]
    return list({resident.id: resident for resident in found}.values())


def _holders(session: Session, role: Role, where: ColumnElement[bool]) -> list[Resident]:
    return list(
        session.scalars(
            select(Resident)
            .join(RoleGrant, RoleGrant.resident_id == Resident.id)
            .where(RoleGrant.role == role, where, RoleGrant.revoked_at.is_(None))
            .order_by(Resident.id)
        ).unique()
    )
