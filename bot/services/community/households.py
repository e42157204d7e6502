"""Households: who lives there, who may vouch for them, and a community's verification rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.rules import set_community_rules
from bot.services.community.grid import (
    address_within,
    estate_written,
    estates_at,
    full_name,
    inside,
    locate_household,
    verifying,
)
from models import Circle, HouseholdRules, Place, PlaceKind, Resident


def occupants(
    session: Session, household: Place, *, besides: Resident | None = None
) -> list[Resident]:
    """The residents registered in a household (but `besides`)."""
    query = select(Resident).where(Resident.household_id == household.id)
    if besides is not None:
        query = query.where(Resident.id != besides.id)
    return list(session.scalars(query.order_by(Resident.id)))


def unverified(session: Session, community: Place) -> int:
    """How many registered households of a community still wait for verification."""
    query = (
        select(func.count(func.distinct(Place.id)))
        .join(Resident, Resident.household_id == Place.id)
        .where(inside(community.path), ~Place.listed, Place.verified_at.is_(None))
    )
    return session.scalar(query) or 0


@dataclass(frozen=True)
class VerifyRule:
    """A community's verification rule after /verifyrule: on, households waiting, changed."""

    community: str
    on: bool
    waiting: int
    changed: bool


def verify_rule(
    session: Session, now: datetime, actor: Resident, circle: Circle, on: bool | None
) -> VerifyRule:
    """The rule of the circle's community, switched on or off by a secretary when `on` is set."""
    community = access.community_of(session, circle.place)
    if on is None:
        waiting = unverified(session, community)
        return VerifyRule(community.name, verifying(session, community), waiting, False)
    waiting = set_verifying(session, now, actor, community, on)
    return VerifyRule(community.name, on, waiting, True)


def set_verifying(
    session: Session, now: datetime, actor: Resident, community: Place, on: bool
) -> int:
    """A secretary switches household verification; returns the households still unverified."""
    if not access.is_secretary_for(session, actor.id, community):
        raise DomainError("households.secretary_only")
    set_community_rules(
        session,
        now,
        HouseholdRules,
        community,
        "household.verify_rule",
        actor_id=actor.id,
        values={"verify": on},
        on=on,
    )
    return unverified(session, community)


def verify(session: Session, now: datetime, actor: Resident, circle: Circle, address: str) -> str:
    """A building head, unit head or grid worker confirms a registered household of the
    circle's place is real; returns the household's name below the community."""
    return _verified(session, now, actor, circle.place, address)


def verify_privately(session: Session, now: datetime, actor: Resident, typed: str) -> str:
    """`verify` from a private chat, where the sender checks households: in their one
    estate, or in the one whose name they wrote before the address."""
    return _verified(session, now, actor, _checked_area(session, actor, typed), typed)


def _checked_area(session: Session, actor: Resident, typed: str) -> Place:
    """Where a private /verify finds the address: the sender's one area in the estate meant
    (their building, unit or estate), else that estate."""
    estates: dict[str, Place] = {}
    areas: dict[str, list[Place]] = {}
    for area in access.household_check_areas(session, actor.id):
        for estate in estates_at(session, area):
            estates.setdefault(estate.name, estate)
            areas.setdefault(estate.name, []).append(estate if area.contains(estate) else area)
    if not estates:
        raise DomainError("households.checkers_only")
    name = estate_written(typed, list(estates), "households.verify_which_estate")
    return areas[name][0] if len(set(areas[name])) == 1 else estates[name]


def _verified(session: Session, now: datetime, actor: Resident, within: Place, address: str) -> str:
    """Verify the household at `address` within a place; its name below the community."""
    spot = locate_household(session, within, address_within(session, within, address))
    household = spot.household
    if household is None or not occupants(session, household):
        raise DomainError("households.nobody_there", address=address[:40])
    if not access.checks_household(session, actor, household):
        raise DomainError("households.checkers_only")
    if household.verified:
        raise DomainError("households.already_verified", address=address[:40])
    household.verified_at = now
    audit.record(session, now, "household.verify", actor_id=actor.id, place_id=household.id)
    return full_name(session, household, PlaceKind.COMMUNITY)


def unclaimed(session: Session, place: Place) -> int:
    """How many households under `place` have nobody registered, counted in one query."""
    registered = select(Resident.id).where(
        Resident.household_id == Place.id, Resident.registered_at.is_not(None)
    )
    query = select(func.count(Place.id)).where(
        Place.kind == PlaceKind.HOUSEHOLD, inside(place.path), ~registered.exists()
    )
    return session.scalar(query) or 0


def verified_clause() -> ColumnElement[bool]:
    """The SQL condition of a verified household (on `Place`)."""
    return or_(Place.listed, Place.verified_at.is_not(None))
