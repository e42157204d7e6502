"""Quiet hours: each community's night, when private pushes wait for the morning."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.db import in_slices, rows
from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.keywords import folded
from bot.services.community.grid import path_ids
from models import (
    ChainNode,
    Circle,
    DeliveryRules,
    Identity,
    Place,
    PlaceKind,
    Resident,
    RoleGrant,
)

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
        """When `length` of daytime (outside quiet hours) has passed since `start`: never the
        moment quiet hours begin, but the end of them."""
        moment = self.over(start)
        if self.span is None:
            return moment + length
        left = length
        while True:
            local = moment.astimezone(self.zone)
            night = datetime.combine(local.date(), self.span[0], self.zone)
            if night <= local:
                night = datetime.combine(local.date() + DAY, self.span[0], self.zone)
            if moment + left < night:
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
    return _stored_or(default, own.quiet_hours if own is not None else None)


def _stored_or(default: QuietHours, stored: str | None) -> QuietHours:
    """The quiet hours a secretary stored (None: they changed nothing, so the default)."""
    return default if stored is None else replace(default, span=span_of(stored))


_HOMES = (
    select(Identity.external_id, Resident.id, Place.path)
    .join(Resident, Resident.id == Identity.resident_id)
    .outerjoin(Place, Place.id == Resident.household_id)
    .where(
        Identity.platform == bindparam("platform"),
        Identity.external_id.in_(bindparam("accounts", expanding=True)),
    )
)
_GRANT_PLACE = aliased(Place)
_CIRCLE_PLACE = aliased(Place)
_GRANTED = (
    select(RoleGrant.resident_id, _GRANT_PLACE.path, _CIRCLE_PLACE.path.label("circle_path"))
    .outerjoin(_GRANT_PLACE, _GRANT_PLACE.id == RoleGrant.place_id)
    .outerjoin(Circle, Circle.id == RoleGrant.circle_id)
    .outerjoin(_CIRCLE_PLACE, _CIRCLE_PLACE.id == Circle.place_id)
    .where(
        RoleGrant.resident_id.in_(bindparam("residents", expanding=True)),
        RoleGrant.revoked_at.is_(None),
    )
    .order_by(RoleGrant.id)
)
_LINKED = (
    select(ChainNode.resident_id, ChainNode.community_id)
    .where(ChainNode.resident_id.in_(bindparam("residents", expanding=True)))
    .order_by(ChainNode.id)
)
_COMMUNITIES = select(Place.id).where(
    Place.id.in_(bindparam("ids", expanding=True)), Place.kind == PlaceKind.COMMUNITY
)
_RULES = select(DeliveryRules.community_id, DeliveryRules.quiet_hours).where(
    DeliveryRules.community_id.in_(bindparam("ids", expanding=True))
)


def recipients_quiet(
    session: Session, platform: str, accounts: Collection[str], default: QuietHours
) -> dict[str, QuietHours]:
    """The quiet hours of the community each platform account's resident belongs to (as
    `access.community_for` finds it outside a circle; `default` where there is none, or no
    such account), from a few queries for them all."""
    found = dict.fromkeys(accounts, default)
    for chunk in in_slices(sorted(found)):
        found |= _quiet_of(session, platform, chunk, default)
    return found


def _quiet_of(
    session: Session, platform: str, accounts: Sequence[str], default: QuietHours
) -> dict[str, QuietHours]:
    homes = rows(session, _HOMES, {"platform": platform, "accounts": accounts})
    # The places that may name each resident's community, in the order community_for tries
    # them: the home alone where there is one, else each role's place as granted.
    tried = {home.id: [home.path] if home.path is not None else [] for home in homes}
    linked: dict[int, int] = {}
    homeless = [home.id for home in homes if home.path is None]
    if homeless:
        for grant in rows(session, _GRANTED, {"residents": homeless}):
            where = grant.circle_path or grant.path
            if where is not None:
                tried[grant.resident_id].append(where)
        # Then their first place in the request chain.
        for node in rows(session, _LINKED, {"residents": homeless}):
            linked.setdefault(node.resident_id, node.community_id)
    ids = sorted({i for found in tried.values() for path in found for i in path_ids(path)})
    communities = {row.id for row in rows(session, _COMMUNITIES, {"ids": ids})} if ids else set()
    community: dict[int, int] = {}
    for resident_id, found in tried.items():
        named = (next((i for i in path_ids(p) if i in communities), None) for p in found)
        first = next((c for c in named if c is not None), linked.get(resident_id))
        if first is not None:
            community[resident_id] = first
    spans = {
        row.community_id: row.quiet_hours
        for row in rows(session, _RULES, {"ids": sorted(set(community.values()))})
    }
    quiet: dict[str, QuietHours] = {}
    for home in homes:
        span = spans.get(community[home.id]) if home.id in community else None
        quiet[home.external_id] = _stored_or(default, span)
    return quiet


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
