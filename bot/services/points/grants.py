"""Points duties the secretary hands out: points admin (of a programme) and bin duty (守桶)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.community.people import Named, people_named
from bot.services.points import ledger
from bot.services.points.rules import programme_code
from models import Circle, GrantKind, Place, PointsGrant, Resident

DUTY_WORDS = {
    "管理员": GrantKind.ADMIN,
    "管理員": GrantKind.ADMIN,
    "积分管理员": GrantKind.ADMIN,
    "積分管理員": GrantKind.ADMIN,
    "守桶": GrantKind.BIN_DUTY,
    "守桶员": GrantKind.BIN_DUTY,
    "守桶員": GrantKind.BIN_DUTY,
    "admin": GrantKind.ADMIN,
}


@dataclass(frozen=True)
class DutyChanged:
    """Whose points duty changed, which duty, and whether it was taken away."""

    name: str
    duty: str
    revoked: bool


def grant_duty(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    named: Named,
) -> DutyChanged:
    """The secretary grants (`管理员 [党员积分]`, `守桶`) or revokes (`-守桶`) a points duty of
    the one member named."""
    people = people_named(session, now, community, circle, named)
    if len(people) != 1 or not 1 <= len(named.rest) <= 2:
        raise DomainError("points.grant_usage")
    member, word = people[0], named.rest[0]
    code = programme_code(named.rest[1]) if len(named.rest) == 2 else None
    if not access.is_secretary_for(session, actor.id, community):
        raise DomainError("points.secretary_only")
    kind = DUTY_WORDS.get(word.lstrip("-"))
    if kind is None:
        raise DomainError("points.grant_usage")
    programme = ledger.programme(session, now, community, code) if code else None
    held = session.scalars(
        select(PointsGrant).where(
            PointsGrant.resident_id == member.id,
            PointsGrant.community_id == community.id,
            PointsGrant.kind == kind,
            PointsGrant.programme_id == (programme.id if programme else None),
            PointsGrant.revoked_at.is_(None),
        )
    ).all()
    if word.startswith("-"):
        for grant in held:
            grant.revoked_at = now
    elif not held:
        session.add(
            PointsGrant(
                community_id=community.id,
                programme_id=programme.id if programme else None,
                resident_id=member.id,
                kind=kind,
                granted_by_id=actor.id,
                granted_at=now,
            )
        )
    audit.record(
        session,
        now,
        "points_grant",
        actor_id=actor.id,
        target_id=member.id,
        place_id=community.id,
        duty=word,
    )
    return DutyChanged(member.display_name, kind.value, word.startswith("-"))
