"""The overdue list (超时诉求): each weekday morning, privately to the community's secretaries.

Each community with requests keeps a `request_digests` row with the time of its next list.
A tick takes the rows due, moves each to the next weekday morning and stages the list in
the scheduler's transaction, so a restart sends no list twice and loses none. A morning
inside the community's quiet hours waits in the outbox until they end.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.messages import Envelope, Reply
from bot.services.common.outreach import secretaries, to_person
from bot.services.requests.views import line_data, lines
from models import Place, Request, RequestDigest, RequestStatus

DIGEST_AT = time(8, 30)
# Monday to Friday: the secretaries' working days.
WORKDAYS = range(5)


def next_morning(after: datetime, zone: ZoneInfo) -> datetime:
    """The first weekday DIGEST_AT strictly after `after`."""
    day = after.astimezone(zone).date()
    while True:
        moment = datetime.combine(day, DIGEST_AT, zone)
        if moment > after and day.weekday() in WORKDAYS:
            return moment.astimezone(UTC)
        day += timedelta(days=1)


def keep_digest(session: Session, now: datetime, zone: ZoneInfo, community: Place) -> None:
    """Make sure the community's secretaries get the overdue list from the next morning on."""
    if session.get(RequestDigest, community.id) is None:
        session.add(RequestDigest(community_id=community.id, due_at=next_morning(now, zone)))


def overdue_in(community: Place) -> tuple[ColumnElement[bool], ...]:
    """The community's requests past a deadline and still waiting to be taken or solved."""
    return (
        Request.community_id == community.id,
        Request.overdue.is_(True),
        Request.status.in_((RequestStatus.OPEN, RequestStatus.TAKEN)),
    )


class OverdueDigest:
    """Sends each community's overdue requests to its secretaries on weekday mornings."""

    name = "request-overdue-digest"

    def __init__(self, settings: Settings, language: str) -> None:
        self.zone: ZoneInfo = settings.zone
        self.language = language

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest next list."""
        return session.scalar(select(func.min(RequestDigest.due_at)))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Every list due goes once; its row moves on to the next weekday morning."""
        due = session.scalars(
            select(RequestDigest)
            .where(RequestDigest.due_at <= now)
            .order_by(RequestDigest.due_at, RequestDigest.community_id)
            .with_for_update()
        ).all()
        envelopes: list[Envelope] = []
        for digest in due:
            digest.due_at = next_morning(now, self.zone)
            community = session.get(Place, digest.community_id)
            if community is not None:
                envelopes += self._overdue(session, now, community)
        return envelopes

    def _overdue(self, session: Session, now: datetime, community: Place) -> list[Envelope]:
        """The list to each secretary; nothing when nothing is overdue."""
        late = overdue_in(community)
        count = session.scalar(select(func.count()).where(*late)) or 0
        if not count:
            return []
        shown = [line_data(line, self.zone, now) for line in lines(session, *late)]
        reply = Reply("requests.overdue_digest", {"count": count, "lines": shown})
        to = secretaries(session, community)
        return [e for s in to for e in to_person(s, reply, self.language)]
