"""Households: who lives there, who may vouch for them, and a community's verification rule."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, bindparam, func, literal, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from bot.db import rows
from bot.errors import DomainError
from bot.queries import Query
from bot.services.common import access, audit
from bot.services.common.rules import set_community_rules
from bot.services.community.grid import (
    address_of,
    address_within,
    estate_written,
    estates_at,
    full_name,
    full_names,
    inside,
    locate_household,
    path_ids,
    verifying,
)
from models import (
    Circle,
    HouseholdRules,
    Identity,
    JoinRequest,
    JoinStatus,
    Place,
    PlaceKind,
    Resident,
    RoleGrant,
)

# A household is asked about this many of the requests to join it at once, the oldest first.
MAX_ASKED = 3


def occupants(
    session: Session, household: Place, *, besides: Resident | None = None
) -> list[Resident]:
    """The residents registered in a household (but `besides`)."""
    query = select(Resident).where(Resident.household_id == household.id)
    if besides is not None:
        query = query.where(Resident.id != besides.id)
    return list(session.scalars(query.order_by(Resident.id)))


def reached_privately(session: Session, household_id: int, always_open: Collection[str]) -> bool:
    """Whether a private message reaches a registered member of a household now, read in one
    statement; `always_open` are the platforms where the bot writes to anyone privately."""
    return bool(session.scalar(select(_heard(literal(household_id), always_open))))


@dataclass(frozen=True)
class Asking:
    """A request to join a household, as its members are asked about it; `emptied` says
    nobody is registered there any more, so only those who check it can answer."""

    number: int
    name: str
    household: str
    emptied: bool = False


_ASKING = Query(
    select(JoinRequest.id, Resident.display_name)
    .join(Resident, Resident.id == JoinRequest.resident_id)
    .where(
        JoinRequest.household_id == bindparam("household"),
        JoinRequest.status == JoinStatus.PENDING,
    )
    .order_by(JoinRequest.id)
    .limit(MAX_ASKED)
)


def asking_to_join(session: Session, household_id: int | None) -> list[Asking]:
    """The requests to join a household that wait for its answer, read as rows: one
    statement, and the household's name only where some wait."""
    if household_id is None:
        return []
    found = rows(session, _ASKING, {"household": household_id})
    if not found:
        return []
    household = address_of(session, household_id, PlaceKind.COMMUNITY)
    return [Asking(row.id, row.display_name, household) for row in found]


def unheard_in_checked_places(
    session: Session, resident_id: int, always_open: Collection[str]
) -> list[Asking]:
    """The requests to join a household where a building head, unit head or grid worker
    checks households that none of its members can hear of privately (or it has none left),
    the oldest first: the checker may answer them instead. Nothing is read for others."""
    areas = access.household_check_areas(session, resident_id)
    if not areas:
        return []
    query = (
        select(
            JoinRequest.id,
            Resident.display_name,
            Place.path,
            _nobody(JoinRequest.household_id).label("emptied"),
        )
        .join(Resident, Resident.id == JoinRequest.resident_id)
        .join(Place, Place.id == JoinRequest.household_id)
        .where(
            JoinRequest.status == JoinStatus.PENDING,
            JoinRequest.resident_id != resident_id,
            or_(*(inside(area.path) for area in areas)),
            ~_heard(JoinRequest.household_id, always_open),
        )
        .order_by(JoinRequest.id)
        .limit(MAX_ASKED)
    )
    waiting = rows(session, query)
    if not waiting:
        return []
    names = full_names(session, [row.path for row in waiting], PlaceKind.COMMUNITY)
    return [
        Asking(row.id, row.display_name, name, bool(row.emptied))
        for row, name in zip(waiting, names, strict=True)
    ]


def waiting_for(session: Session, resident: Resident, always_open: Collection[str]) -> list[Asking]:
    """The requests to join a household that wait for this resident's answer: those of
    their own household, then those they are asked about as one who checks households."""
    own = asking_to_join(session, resident.household_id)
    numbers = {asking.number for asking in own}
    checked = unheard_in_checked_places(session, resident.id, always_open)
    return own + [asking for asking in checked if asking.number not in numbers]


def checkers_reached(
    session: Session,
    household: Place,
    always_open: Collection[str],
    *,
    besides: Resident | None = None,
) -> list[Identity]:
    """The accounts that can be written to privately now, with their residents, of the
    building heads, unit heads and grid workers whose places hold a household, but those of
    `besides`; read in one statement."""
    checks = (
        select(RoleGrant.id)
        .where(
            RoleGrant.resident_id == Identity.resident_id,
            RoleGrant.role.in_(access.HOUSEHOLD_CHECKERS),
            RoleGrant.place_id.in_(path_ids(household.path)),
            RoleGrant.revoked_at.is_(None),
        )
        .exists()
    )
    query = (
        select(Identity)
        .join(Identity.resident)
        .options(contains_eager(Identity.resident))
        .where(_writable(always_open), checks)
        .order_by(Identity.resident_id, Identity.id)
    )
    if besides is not None:
        query = query.where(Identity.resident_id != besides.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Stranded:
    """A request to join a household whose last registered member has just left it: the
    asker, and the accounts of those who check the household to ask in the members' stead."""

    asking: Asking
    asker: Resident
    checkers: tuple[Identity, ...]


def stranded(
    session: Session, household: Place | None, always_open: Collection[str]
) -> list[Stranded]:
    """The requests that wait for a household someone has just left, if nobody is registered
    there any more (else none), each with the accounts of those who check the household that
    can be written to privately now, but the asker's own."""
    if household is None:
        return []
    query = (
        select(JoinRequest)
        .options(joinedload(JoinRequest.resident))
        .where(
            JoinRequest.household_id == household.id,
            JoinRequest.status == JoinStatus.PENDING,
            _nobody(literal(household.id)),
        )
        .order_by(JoinRequest.id)
    )
    waiting = list(session.scalars(query))
    if not waiting:
        return []
    checkers = checkers_reached(session, household, always_open)
    name = address_of(session, household.id, PlaceKind.COMMUNITY)
    return [
        Stranded(
            Asking(request.id, request.resident.display_name, name, emptied=True),
            request.resident,
            tuple(account for account in checkers if account.resident_id != request.resident_id),
        )
        for request in waiting
    ]


def _heard(
    household: SQLColumnExpression[int], always_open: Collection[str]
) -> ColumnElement[bool]:
    """Whether a registered member of `household` can be written to privately now."""
    member = aliased(Resident)
    return (
        select(Identity.id)
        .join(member, member.id == Identity.resident_id)
        .where(member.household_id == household, _writable(always_open))
        .exists()
    )


def _nobody(household: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """Whether nobody is registered in `household` any more."""
    member = aliased(Resident)
    return ~select(member.id).where(member.household_id == household).exists()


def _writable(always_open: Collection[str]) -> ColumnElement[bool]:
    """Whether the bot can write to an account (`Identity`) privately now."""
    # On a platform that writes to anyone, or where its owner opened a private chat with the
    # bot (see PostOffice).
    return or_(Identity.private_chat_open, Identity.platform.in_(sorted(always_open)))


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
