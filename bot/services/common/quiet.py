"""Quiet hours: each community's night, when private pushes wait for the morning."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.keywords import folded
from models import DeliveryRules, Identity, Place, Resident

OFF_WORDS = frozenset({"关", "關", "关闭", "關閉", "不用", "off", "none"})
_CLOCK = r"(\d{1,2})\s*[:：点點]\s*(\d{2})"
_SPAN = re.compile(rf"^{_CLOCK}\s*(?:-|~|—|–|到|至|to)\s*{_CLOCK}$")
DAY = timedelta(days=1)
# A reminder moved before a quiet period goes this long before it begins.
BEFORE_QUIET = timedelta(minutes=1)


@dataclass(frozen=True)
class QuietHours:
    """A community's quiet hours in its time zone: from `span[0]` to `span[1]` (the next
    morning when it is earlier); `span` None when there are none."""

    zone: ZoneInfo
    span: tuple[time, time] | None

    def holds(self, moment: datetime) -> bool:
        """True when `moment` falls in quiet hours."""
        if self.span is None:
            return False
        start, end = self.span
        clock = moment.astimezone(self.zone).time()
        return start <= clock < end if start < end else clock >= start or clock < end

    def over(self, moment: datetime) -> datetime:
        """`moment` outside quiet hours, else the end of the quiet period it falls in."""
        if self.span is None or not self.holds(moment):
            return moment
        local = moment.astimezone(self.zone)
        end = datetime.combine(local.date(), self.span[1], self.zone)
        if end <= local:
            end = datetime.combine(local.date() + DAY, self.span[1], self.zone)
        return end.astimezone(UTC)

    def daytime_before(self, moment: datetime, limit: datetime) -> datetime:
        """`moment` outside quiet hours; else the end of its quiet period when that comes
        before `limit`, or else just before the period began."""
        if self.span is None or not self.holds(moment) or self.over(moment) < limit:
            return self.over(moment)
        local = moment.astimezone(self.zone)
        began = datetime.combine(local.date(), self.span[0], self.zone)
        if began > local:
            began = datetime.combine(local.date() - DAY, self.span[0], self.zone)
        return (began - BEFORE_QUIET).astimezone(UTC)

    def daytime_after(self, start: datetime, length: timedelta) -> datetime:
        """When `length` of daytime (outside quiet hours) has passed since `start`."""
        moment = self.over(start)
        if self.span is None:
            return moment + length
        left = length
        while True:
            local = moment.astimezone(self.zone)
            night = datetime.combine(local.date(), self.span[0], self.zone)
            if night <= local:
                night = datetime.combine(local.date() + DAY, self.span[0], self.zone)
            if moment + left <= night:
                return (moment + left).astimezone(UTC)
            left -= night - moment
            moment = self.over(night)

    @property
    def text(self) -> str:
        """The span as stored and shown: 21:30-07:30, or "" for none."""
        if self.span is None:
            return ""
        return "-".join(clock.strftime("%H:%M") for clock in self.span)


@dataclass(frozen=True)
class QuietSetting:
    """A community's quiet hours as /quiet shows them; `changed` after a change."""

    community: str
    span: str
    changed: bool


def span_of(text: str) -> tuple[time, time] | None:
    """The stored form 21:30-07:30 as two times; None for ""."""
    if not text:
        return None
    start, _, end = text.partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def default_quiet(settings: Settings) -> QuietHours:
    """The quiet hours of a community whose secretary changed nothing."""
    return QuietHours(settings.zone, span_of(settings.delivery.quiet_hours))


def quiet_hours(session: Session, community_id: int, default: QuietHours) -> QuietHours:
    """A community's quiet hours: its own where its secretary set them, else the default."""
    own = session.get(DeliveryRules, community_id)
    if own is None or own.quiet_hours is None:
        return default
    return replace(default, span=span_of(own.quiet_hours))


def recipient_quiet(
    session: Session, platform: str, external_id: str, default: QuietHours
) -> QuietHours:
    """The quiet hours of the community a platform account's resident belongs to."""
    resident = session.scalar(
        select(Resident)
        .join(Identity, Identity.resident_id == Resident.id)
        .where(Identity.platform == platform, Identity.external_id == external_id)
    )
    if resident is None:
        return default
    try:
        community = access.community_for(session, resident, None)
    except DomainError:
        return default
    return quiet_hours(session, community.id, default)


def parse_span(text: str) -> str:
    """`21:30-07:30` (also 21:30到7:30, 21点30-7点00) in the stored form; `关` as ""."""
    cleaned = folded(text)
    if cleaned in OFF_WORDS:
        return ""
    match = _SPAN.match(cleaned)
    if match is None:
        raise DomainError("quiet.usage")
    numbers = [int(n) for n in match.groups()]
    clocks = [(numbers[0], numbers[1]), (numbers[2], numbers[3])]
    if any(hour > 23 or minute > 59 for hour, minute in clocks) or clocks[0] == clocks[1]:
        raise DomainError("quiet.bad_span", text=text[:20])
    return "-".join(f"{hour:02d}:{minute:02d}" for hour, minute in clocks)


def quiet_setting(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    text: str,
    default: QuietHours,
) -> QuietSetting:
    """Show a community's quiet hours; with `text`, its secretary changes them first."""
    if text:
        if not access.is_secretary_for(session, actor.id, community):
            raise DomainError("quiet.secretary_only")
        span = parse_span(text)
        own = session.get(DeliveryRules, community.id)
        if own is None:
            own = DeliveryRules(community_id=community.id, updated_at=now)
            session.add(own)
        own.quiet_hours, own.updated_at, own.updated_by_id = span, now, actor.id
        session.flush()
        audit.record(
            session,
            now,
            "delivery.quiet_hours",
            actor_id=actor.id,
            place_id=community.id,
            span=span,
        )
    current = quiet_hours(session, community.id, default)
    return QuietSetting(community.name, current.text, bool(text))
