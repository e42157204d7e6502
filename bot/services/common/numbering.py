"""Numbering items per community: topics, polls, shifts, notices, shop items, redemptions
and requests each count 1, 2, 3 … in theirs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
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


def the_one(numbers: Sequence[int], none: str, which: str) -> int:
    """The one number of `numbers`, the items waiting for someone's word; the refusal `none`
    where nothing waits, and `which`, naming them, where several do."""
    if not numbers:
        raise DomainError(none)
    if len(numbers) > 1:
        raise DomainError(which, numbers=list(numbers))
    return numbers[0]
