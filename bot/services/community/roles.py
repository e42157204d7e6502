"""Roles: who holds what, where, and who may grant or revoke it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from bot.db import rows
from bot.errors import DomainError
from bot.messages import UserRef
from bot.queries import Query
from bot.services.common import access, audit
from bot.services.community.grid import ancestor_of_kind, full_name, full_names
from bot.services.community.people import find_member_by_name, mentioned
from models import Circle, Place, PlaceKind, Resident, Role, RoleGrant

ROLE_NAMES: dict[str, Role] = {
    "书记": Role.SECRETARY,
    "書記": Role.SECRETARY,
    "社区书记": Role.SECRETARY,
    "社區書記": Role.SECRETARY,
    "居委会主任": Role.SECRETARY,
    "居委會主任": Role.SECRETARY,
    "网格员": Role.GRID_WORKER,
    "網格員": Role.GRID_WORKER,
    "管理员": Role.CIRCLE_ADMIN,
    "管理員": Role.CIRCLE_ADMIN,
    "圈管理员": Role.CIRCLE_ADMIN,
    "楼长": Role.BUILDING_HEAD,
    "樓長": Role.BUILDING_HEAD,
    "单元长": Role.UNIT_HEAD,
    "單元長": Role.UNIT_HEAD,
    "党员": Role.PARTY_MEMBER,
    "黨員": Role.PARTY_MEMBER,
    "志愿者": Role.VOLUNTEER,
    "志願者": Role.VOLUNTEER,
}
# The level of the grid at which each role is held (docs/commands.md); circle admins hold a circle.
ROLE_LEVELS: dict[Role, tuple[PlaceKind, ...]] = {
    Role.SECRETARY: (PlaceKind.COMMUNITY,),
    Role.GRID_WORKER: (PlaceKind.COMMUNITY, PlaceKind.ESTATE),
    Role.BUILDING_HEAD: (PlaceKind.BUILDING,),
    Role.UNIT_HEAD: (PlaceKind.UNIT,),
    Role.PARTY_MEMBER: (PlaceKind.COMMUNITY,),
    Role.VOLUNTEER: (PlaceKind.COMMUNITY,),
}
# Roles a circle admin may grant, inside the circle's place.
CIRCLE_ADMIN_GRANTS = frozenset({Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.VOLUNTEER})


def parse_role(text: str) -> Role:
    """A role from its Chinese or English name."""
    key = text.strip()
    role = ROLE_NAMES.get(key)
    if role is None:
        try:
            role = Role(key.lower())
        except ValueError:
            raise DomainError("roles.unknown_role", text=key[:20]) from None
    return role


@dataclass(frozen=True)
class Scope:
    """Where a grant applies: a place, or a circle for circle admins."""

    place: Place | None = None
    circle: Circle | None = None

    def place_of(self) -> Place:
        """The place the scope lies in (a circle's place for circle scopes)."""
        if self.circle is not None:
            return self.circle.place
        assert self.place is not None
        return self.place


def scope_at(session: Session, role: Role, place: Place) -> Scope:
    """The scope of `role` held at `place` (for circle admins: the one circle bound there)."""
    if role == Role.CIRCLE_ADMIN:
        found = session.scalars(select(Circle).where(Circle.place_id == place.id)).all()
        if len(found) != 1:
            raise DomainError("roles.circle_at", place=place.name, count=len(found))
        return Scope(circle=found[0])
    levels = ROLE_LEVELS[role]
    if place.kind not in levels:
        raise DomainError(
            "roles.wrong_level",
            role=role.value,
            levels=[k.value for k in levels],
            kind=place.kind.value,
        )
    return Scope(place=place)


def scope_for(session: Session, role: Role, circle: Circle, target: Resident) -> Scope:
    """The scope a grant made in `circle` gets, by the role's level (docs/commands.md)."""
    if role == Role.CIRCLE_ADMIN:
        return Scope(circle=circle)
    if role in (Role.BUILDING_HEAD, Role.UNIT_HEAD):
        level = PlaceKind.BUILDING if role == Role.BUILDING_HEAD else PlaceKind.UNIT
        base = circle.place if circle.place.kind.depth >= level.depth else target.household
        place = ancestor_of_kind(session, base, level) if base is not None else None
        if place is None:
            raise DomainError("roles.needs_address", role=role.value)
        return Scope(place=place)
    if role == Role.GRID_WORKER and circle.place.kind.depth >= PlaceKind.ESTATE.depth:
        place = ancestor_of_kind(session, circle.place, PlaceKind.ESTATE)
    else:
        place = ancestor_of_kind(session, circle.place, PlaceKind.COMMUNITY)
    if place is None:
        raise DomainError("roles.needs_community")
    return Scope(place=place)


def can_grant(
    session: Session,
    actor_id: int,
    role: Role,
    scope: Scope,
    circle: Circle | None,
    platform_admin: bool = False,
) -> bool:
    """docs/commands.md's rules: secretaries inside their community; circle admins a few roles."""
    if access.is_secretary_for(session, actor_id, scope.place_of()):
        return True
    if role not in CIRCLE_ADMIN_GRANTS or circle is None:
        return False
    if not access.is_circle_admin(session, actor_id, circle, platform_admin):
        return False
    if role == Role.VOLUNTEER:
        community = ancestor_of_kind(session, circle.place, PlaceKind.COMMUNITY)
        return community is not None and community.id == scope.place_of().id
    return circle.place.contains(scope.place_of())


def grantable_in(session: Session, by: Grantor, circle: Circle) -> list[Role]:
    """The roles `by` may give in `circle`: any for its community's secretary, else the few
    a circle admin gives; anyone else is refused, as when they give one."""
    if by.actor_id is None or access.is_secretary_for(session, by.actor_id, circle.place):
        return list(Role)
    if not access.is_circle_admin(session, by.actor_id, circle, by.platform_admin):
        raise DomainError("circles.admins_only")
    return [role for role in Role if role in CIRCLE_ADMIN_GRANTS]


def _matching(session: Session, target_id: int, role: Role, scope: Scope) -> list[RoleGrant]:
    return [
        g
        for g in access.active_grants(session, target_id)
        if g.role == role
        and (g.circle_id == scope.circle.id if scope.circle else g.place_id == scope.place_of().id)
    ]


@dataclass(frozen=True)
class Grantor:
    """Who grants or revokes, and from which circle; no actor means the operator."""

    actor_id: int | None
    circle: Circle | None = None
    platform_admin: bool = False


OPERATOR = Grantor(actor_id=None)


def _authorise(session: Session, by: Grantor, role: Role, scope: Scope) -> None:
    if by.actor_id is not None and not can_grant(
        session, by.actor_id, role, scope, by.circle, by.platform_admin
    ):
        raise DomainError("roles.not_allowed", role=role.value)


def grant(
    session: Session, now: datetime, target: Resident, role: Role, scope: Scope, by: Grantor
) -> RoleGrant:
    """Grant `role` at `scope`; the operator may grant anything."""
    _authorise(session, by, role, scope)
    if _matching(session, target.id, role, scope):
        raise DomainError("roles.already", role=role.value, name=target.display_name)
    made = RoleGrant(
        resident_id=target.id,
        role=role,
        place_id=scope.place.id if scope.place else None,
        circle_id=scope.circle.id if scope.circle else None,
        granted_by_id=by.actor_id,
        granted_at=now,
    )
    session.add(made)
    session.flush()
    access.forget_grants(session)
    audit.record(
        session,
        now,
        "role.grant",
        actor_id=by.actor_id,
        target_id=target.id,
        place_id=made.place_id,
        circle_id=made.circle_id,
        role=role.value,
    )
    return made


def revoke(
    session: Session, now: datetime, target: Resident, role: Role, scope: Scope, by: Grantor
) -> None:
    """Revoke `role` at `scope`, by the same rules as granting it."""
    _authorise(session, by, role, scope)
    grants = _matching(session, target.id, role, scope)
    if not grants:
        raise DomainError("roles.not_held", role=role.value, name=target.display_name)
    for held in grants:
        held.revoked_at = now
        held.revoked_by_id = by.actor_id
    access.forget_grants(session)
    audit.record(
        session,
        now,
        "role.revoke",
        actor_id=by.actor_id,
        target_id=target.id,
        place_id=scope.place.id if scope.place else None,
        circle_id=scope.circle.id if scope.circle else None,
        role=role.value,
    )


@dataclass(frozen=True)
class RoleChange:
    """A role granted or revoked in a circle: to whom, and where it applies."""

    name: str
    role: str
    where: str
    revoked: bool


def change_in_circle(
    session: Session,
    now: datetime,
    by: Grantor,
    circle: Circle,
    role: Role,
    *,
    revoking: bool,
    mention: UserRef | None,
    named: str,
) -> RoleChange:
    """/role: grant or revoke `role` for the person mentioned (or the member `named`) at its
    scope there."""
    if mention is not None:
        target = mentioned(session, now, mention)
    elif named:
        target = find_member_by_name(session, circle, named)
    else:
        raise DomainError("circles.role_usage")
    scope = scope_for(session, role, circle, target)
    (revoke if revoking else grant)(session, now, target, role, scope, by)
    where = describe_scope(session, scope)
    return RoleChange(target.display_name, role.value, where, revoking)


_CIRCLE_PLACE = aliased(Place)
# A grant is held at a place or in a circle: the place's path, or the circle's names.
_HELD = Query(
    select(
        RoleGrant.role,
        Place.path,
        _CIRCLE_PLACE.name.label("place_name"),
        Circle.name.label("circle_name"),
    )
    .select_from(RoleGrant)
    .outerjoin(Place, Place.id == RoleGrant.place_id)
    .outerjoin(Circle, Circle.id == RoleGrant.circle_id)
    .outerjoin(_CIRCLE_PLACE, _CIRCLE_PLACE.id == Circle.place_id)
    .where(RoleGrant.resident_id == bindparam("resident"), RoleGrant.revoked_at.is_(None))
    .order_by(RoleGrant.id)
)


def describe(session: Session, resident_id: int) -> list[tuple[str, str]]:
    """(role, where) pairs for showing a resident's roles, read as rows."""
    held = rows(session, _HELD, {"resident": resident_id})
    at_places = [h.path for h in held if h.place_name is None and h.path is not None]
    places = dict(zip(at_places, full_names(session, at_places, PlaceKind.STREET), strict=True))
    return [
        (
            grant.role.value,
            titled(grant.place_name, grant.circle_name)
            if grant.place_name is not None
            else places.get(grant.path, ""),
        )
        for grant in held
    ]


def circle_title(session: Session, circle: Circle) -> str:
    """A circle's name as shown to people: its place, and its own name if any."""
    return titled(circle.place.name, circle.name)


def titled(place_name: str, circle_name: str | None) -> str:
    """A circle's title from its place's name and its own."""
    return f"{place_name}·{circle_name}" if circle_name else place_name


def describe_scope(session: Session, scope: Scope) -> str:
    """Where a scope applies, for messages."""
    if scope.circle is not None:
        return circle_title(session, scope.circle)
    assert scope.place is not None
    return full_name(session, scope.place, PlaceKind.STREET)
