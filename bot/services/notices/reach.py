"""Whom a notice reaches: the circles of its scope, their chats, and the households counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.services.common import access
from bot.services.common.keywords import simplified
from bot.services.common.outreach import active_chats, circles_within
from bot.services.community.grid import (
    ancestor_of_kind,
    ancestors,
    find_places,
    inside,
    several_places,
)
from models import Circle, CircleKind, Place, PlaceKind, Resident

ALL_WORDS = frozenset({"全部", "全社区", "全社區", "all", "everyone"})
# This group's own circle, as a building head says it in the building's group.
HERE_WORDS = frozenset({"本群", "本圈", "这个群", "這個群", "here", "this group"})
# The building of this group, as its building head says it there.
BUILDING_WORDS = frozenset({"本楼", "本栋", "本樓", "本棟", "this building"})
KIND_WORDS = {
    "党员圈": CircleKind.PARTY,
    "黨員圈": CircleKind.PARTY,
    "邻里圈": CircleKind.NEIGHBOUR,
    "鄰里圈": CircleKind.NEIGHBOUR,
    "协会圈": CircleKind.ASSOCIATION,
    "協會圈": CircleKind.ASSOCIATION,
    "服务圈": CircleKind.SERVICE,
    "服務圈": CircleKind.SERVICE,
    "party": CircleKind.PARTY,
}
# The scope words that name no place, which a sender may type straight after 通知 (通知本楼).
NAMED_SCOPES = ALL_WORDS | HERE_WORDS | BUILDING_WORDS | frozenset(KIND_WORDS)
Ts = TypeVarTuple("Ts")
# Telegram sends at most 30 messages a second overall (one to each group at a time).
TELEGRAM_PER_SECOND = 30.0


@dataclass(frozen=True)
class Reached:
    """A circle a notice goes to, and the place whose households it counts there."""

    circle: Circle
    place: Place


def resolve_scope(
    session: Session,
    resident: Resident,
    community: Place,
    words: tuple[str, ...],
    here: Circle | None = None,
) -> list[Reached]:
    """The circles the scope words name, each checked against the sender's authority;
    `here` is the circle of the group they were typed in (本群)."""
    found: dict[int, Reached] = {}
    for word in words:
        for reached in _word(session, resident, community, word, here):
            known = found.get(reached.circle.id)
            if known is None or reached.place.contains(known.place):
                found[reached.circle.id] = reached
    if not found:
        raise DomainError("notices.no_circles", scope=" ".join(words)[:60])
    return sorted(found.values(), key=lambda r: r.circle.id)


def _word(
    session: Session, resident: Resident, community: Place, word: str, here: Circle | None
) -> list[Reached]:
    if word.lower() in ALL_WORDS:
        return _at(session, resident, community, word)
    if word.lower() in HERE_WORDS:
        if here is None:
            raise DomainError("notices.here_in_group_only", word=word[:30])
        _allowed(session, resident, here.place, word)
        return [Reached(here, here.place)]
    if word.lower() in BUILDING_WORDS:
        building = this_building(session, resident, community, here)
        if building is None and here is None:
            raise DomainError("notices.here_in_group_only", word=word[:30])
        if building is None:
            raise DomainError("notices.building_group_only", word=word[:30])
        return _at(session, resident, building, word)
    kind = KIND_WORDS.get(word)
    if kind is not None:
        _allowed(session, resident, community, word)
        return [Reached(c, c.place) for c in circles_within(session, community) if c.kind == kind]
    places = [
        p
        for p in find_places(session, word)
        if community.contains(p) and p.kind != PlaceKind.HOUSEHOLD
    ]
    if len(places) == 1:
        return _at(session, resident, places[0], word)
    named = [
        c for c in circles_within(session, community) if simplified(c.name) == simplified(word)
    ]
    if len(named) == 1:
        _allowed(session, resident, named[0].place, word)
        return [Reached(named[0], named[0].place)]
    if places:
        raise several_places(session, word, places)
    raise DomainError("notices.unknown_scope", word=word[:30], in_group=here is not None)


def this_building(
    session: Session, resident: Resident, community: Place, here: Circle | None
) -> Place | None:
    """The building 本楼 names: the group's own, else the one building the sender heads."""
    if here is not None:
        found = ancestor_of_kind(session, here.place, PlaceKind.BUILDING)
        if found is not None:
            return found
    led = access.headed_buildings(session, resident.id, community)
    return led[0] if len(led) == 1 else None


def _at(session: Session, resident: Resident, place: Place, word: str) -> list[Reached]:
    """The circles inside `place`; where there are none, the nearest neighbour circles above it."""
    _allowed(session, resident, place, word)
    inside = circles_within(session, place)
    if inside:
        return [Reached(c, c.place) for c in inside]
    for above in reversed(ancestors(session, place)[:-1]):
        circles = session.scalars(
            select(Circle)
            .where(Circle.place_id == above.id, Circle.kind == CircleKind.NEIGHBOUR)
            .order_by(Circle.id)
        ).all()
        if circles:
            return [Reached(c, place) for c in circles]
    return []


def _allowed(session: Session, resident: Resident, place: Place, word: str) -> None:
    if not access.may_notify(session, resident.id, place):
        raise DomainError("notices.scope_not_yours", scope=word[:30])


def circle_title(circle: Circle) -> str:
    """A circle as senders know it: its name, else its place's."""
    return circle.name or circle.place.name


def chats_per_platform(session: Session, circles: list[Circle]) -> dict[str, int]:
    """How many distinct active chats the circles have on each platform."""
    chats = {(c.platform, c.chat_id) for circle in circles for c in active_chats(session, circle)}
    counts: dict[str, int] = {}
    for platform, _ in sorted(chats):
        counts[platform] = counts.get(platform, 0) + 1
    return counts


def sending_seconds(chats: dict[str, int], settings: Settings) -> int:
    """How long sending one message to each chat takes at the platforms' limits (they run
    side by side): Telegram 30 a second; WeChat at the adapter's cautious pace."""
    per_second = {
        "telegram": TELEGRAM_PER_SECOND,
        "wechat": settings.wechat.max_per_minute / 60.0,
    }
    spans = [count / per_second[p] for p, count in chats.items() if p in per_second]
    return round(max(spans, default=0.0))


def registered_under(query: Select[*Ts], paths: Sequence[str]) -> Select[*Ts]:
    """`query`, of places, narrowed to the households under any of `paths` where someone is
    registered."""
    return query.join(Resident, Resident.household_id == Place.id).where(
        Resident.registered_at.is_not(None), or_(*(inside(p) for p in paths))
    )
