"""Numbering items per community: topics, polls, shifts, notices, shop items, redemptions
and requests each count 1, 2, 3 … in theirs."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Notice, Place, PointsItem, PointsRedemption, Poll, Request, Shift, Topic

Numbered = (
    type[Topic]
    | type[Poll]
    | type[Shift]
    | type[Notice]
    | type[PointsItem]
    | type[PointsRedemption]
    | type[Request]
)


def next_number(session: Session, kind: Numbered, community: Place) -> int:
    """The next number of an item kind in a community (the community's row is locked)."""
    session.scalar(select(Place.id).where(Place.id == community.id).with_for_update())
    latest = session.scalar(select(func.max(kind.number)).where(kind.community_id == community.id))
    return (latest or 0) + 1
