"""Request figures (诉求统计): a month's requests per community and per layer.

Counted over the requests received in the month: how many each layer received (routed or
escalated to it), accepted and solved, how long solving took, the share of all solutions
each layer gave, and the reporters' ratings; and how many their reporters withdrew (never
solved, nor overdue). Circles see only the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import mean, median
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.services.common import access
from bot.services.requests.digest import overdue_in
from models import Layer, Place, Request, RequestStatus, RequestStep, Resident, StepKind

REACHED = (StepKind.ROUTED, StepKind.ESCALATED)


@dataclass(frozen=True)
class Tally:
    """Received, accepted, solved; median minutes to solve; share of all solutions in
    percent; mean rating and how many rated."""

    layer: str
    received: int
    accepted: int
    solved: int
    median_minutes: int | None
    share: int
    rating: float | None
    rated: int


@dataclass(frozen=True)
class Figures:
    """A community's month: the whole and each layer (empty for those who see only counts),
    and how many of the month's requests were withdrawn."""

    community: str
    year: int
    month: int
    total: Tally
    layers: list[Tally]
    overdue: int
    full: bool
    withdrawn: int


def month_span(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start of this local month and of the next."""
    day = now.astimezone(zone).date()
    first = date(day.year, day.month, 1)
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return datetime.combine(first, time(0), zone), datetime.combine(following, time(0), zone)


def figures(
    session: Session, now: datetime, zone: ZoneInfo, viewer: Resident, community: Place
) -> Figures:
    """This month's figures: the layers for the secretaries and grid workers, else counts."""
    start, end = month_span(now, zone)
    month = (
        Request.community_id == community.id,
        Request.created_at >= start,
        Request.created_at < end,
    )
    rows = session.execute(
        select(
            Request.layer,
            Request.taken_at,
            Request.created_at,
            Request.resolved_at,
            Request.rating,
            Request.status,
        ).where(*month)
    ).all()
    solved = [(r.layer, r.resolved_at - r.created_at, r.rating) for r in rows if r.resolved_at]
    local = start.astimezone(zone)
    accepted = sum(1 for r in rows if r.taken_at is not None)
    total = _tally("", len(rows), accepted, solved, len(solved))
    withdrawn = sum(1 for r in rows if r.status == RequestStatus.WITHDRAWN)
    if not access.keeps_chain(session, viewer.id, community):
        return Figures(community.name, local.year, local.month, total, [], 0, False, withdrawn)
    reached = session.execute(
        select(
            RequestStep.layer,
            func.count(func.distinct(case((RequestStep.kind.in_(REACHED), Request.id)))),
            func.count(func.distinct(case((RequestStep.kind == StepKind.TAKEN, Request.id)))),
        )
        .join(Request, Request.id == RequestStep.request_id)
        .where(*month, RequestStep.kind.in_((*REACHED, StepKind.TAKEN)))
        .group_by(RequestStep.layer)
    ).all()
    counts = {layer: (got, took) for layer, got, took in reached}
    layers = [
        _tally(layer.value, *counts[layer], [s for s in solved if s[0] == layer], len(solved))
        for layer in Layer
        if layer in counts
    ]
    overdue = session.scalar(select(func.count()).where(*overdue_in(community)))
    return Figures(
        community.name, local.year, local.month, total, layers, overdue or 0, True, withdrawn
    )


def _tally(
    layer: str,
    received: int,
    accepted: int,
    solved: list[tuple[Layer, timedelta, int | None]],
    all_solved: int,
) -> Tally:
    seconds = [took.total_seconds() for _, took, _ in solved]
    ratings = [rating for _, _, rating in solved if rating is not None]
    return Tally(
        layer,
        received,
        accepted,
        len(solved),
        # Whole minutes, to the nearest; a solution within half a minute still took one.
        max(1, round(median(seconds) / 60)) if seconds else None,
        round(100 * len(solved) / all_solved) if all_solved else 0,
        round(mean(ratings), 1) if ratings else None,
        len(ratings),
    )
