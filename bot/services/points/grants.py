"""Points duties the secretary hands out: points admin (of a programme) and bin duty (守桶)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.points import ledger
from models import GrantKind, Place, PointsGrant, Resident

DUTY_WORDS = {
    "管理员": GrantKind.ADMIN,
    "管理員": GrantKind.ADMIN,
    "积分管理员": GrantKind.ADMIN,
    "積分管理員": GrantKind.ADMIN,
    "守桶": GrantKind.BIN_DUTY,
    "守桶员": GrantKind.BIN_DUTY,
    "守桶員": GrantKind.BIN_DUTY,
}


def grant_duty(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    member: Resident,
    word: str,
    programme_code: str | None = None,
) -> GrantKind:
    """The secretary grants (`管理员`, `守桶`) or revokes (`-守桶`) a points duty."""
    if not access.is_secretary_for(session, actor.id, community):
        raise DomainError("points.secretary_only")
    kind = DUTY_WORDS.get(word.lstrip("-"))
    if kind is None:
        raise DomainError("points.grant_usage")
    programme = (
        ledger.programme(session, now, community, programme_code) if programme_code else None
    )
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
    return kind
