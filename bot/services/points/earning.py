"""Points earned automatically: for confirmed volunteer hours, and for recycling records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError, PrivateRefusal
from bot.services.common import access
from bot.services.common.keywords import folded
from bot.services.community.grid import inside, locate_household, parse_address
from bot.services.community.households import occupants
from bot.services.community.people import Named, people_named
from bot.services.points import ledger
from bot.services.points.ledger import Posting
from bot.services.points.rules import CATEGORY_WORDS, RECYCLING_WORDS, settings_of
from models import (
    Circle,
    Place,
    PlaceKind,
    PointsAccount,
    PointsCategory,
    PointsEntry,
    PointsSource,
    RecyclingRecord,
    Resident,
    Role,
    Shift,
    VolunteerHours,
)


def duty_category(title: str) -> PointsCategory:
    """A shift's category: the duty word in its project's title (门岗值守 → 值守), else 服务."""
    for word, category in CATEGORY_WORDS.items():
        if word in title and category in (PointsCategory.DUTY, PointsCategory.PATROL):
            return category
    return PointsCategory.SERVICE


def programme_for(session: Session, resident: Resident, community: Place) -> str:
    """Party members earn party-member points for service; everyone else resident points."""
    party = access.holds(session, resident.id, Role.PARTY_MEMBER, community)
    return ledger.PARTY if party else ledger.RESIDENT


def _hours_points(minutes: int, per_hour: int) -> int:
    return minutes * per_hour // 60


def _hours_context(session: Session, hours: VolunteerHours) -> tuple[Place, PointsCategory, int]:
    community = session.get_one(Place, hours.community_id)
    shift = session.get_one(Shift, hours.shift_id)
    category = duty_category(shift.project.title)
    return community, category, settings_of(session, community).hourly(category)


def earn_for_hours(session: Session, now: datetime, hours: VolunteerHours) -> PointsEntry | None:
    """Points for newly confirmed hours, once, in the transaction that confirms them."""
    already = session.scalar(
        select(PointsEntry.id).where(
            PointsEntry.source == PointsSource.HOURS, PointsEntry.source_id == hours.id
        )
    )
    if hours.resident_id is None or already is not None:
        return None
    community, category, per_hour = _hours_context(session, hours)
    resident = session.get_one(Resident, hours.resident_id)
    code = programme_for(session, resident, community)
    account = ledger.account_of(
        session, ledger.programme(session, now, community, code), resident=resident
    )
    amount = _hours_points(hours.minutes, per_hour)
    room = ledger.room_under_cap(session, now, account, settings_of(session, community).daily_cap)
    amount = amount if room is None else min(amount, room)
    if amount <= 0:
        return None
    posting = Posting(amount, category, PointsSource.HOURS, hours.id)
    return ledger.post(session, now, account, posting, hours.confirmed_by_id)


def correct_hours(
    session: Session, now: datetime, hours: VolunteerHours, by_id: int | None
) -> PointsEntry | None:
    """After hours were corrected, the entry that corrects their points (it may deduct): to
    what the hours would have earned when first awarded, under that day's cap."""
    community, category, per_hour = _hours_context(session, hours)
    earned = session.scalars(
        select(PointsEntry)
        .where(PointsEntry.source == PointsSource.HOURS, PointsEntry.source_id == hours.id)
        .order_by(PointsEntry.id)
    ).all()
    if not earned:
        return earn_for_hours(session, now, hours)
    account = session.get_one(PointsAccount, earned[0].account_id)
    cap = settings_of(session, community).daily_cap
    room = ledger.room_under_cap(session, earned[0].recorded_at, account, cap, besides=hours)
    due = _hours_points(hours.minutes, per_hour)
    change = (due if room is None else min(due, room)) - sum(e.amount for e in earned)
    if change == 0:
        return None
    posting = Posting(change, category, PointsSource.HOURS, hours.id, "更正时长")
    return ledger.post(session, now, account, posting, by_id, allow_negative=True)


@dataclass(frozen=True)
class Recycled:
    """A recycling record and what it earned, and for whom."""

    name: str
    kind: str
    points: int
    balance: int
    capped: bool


def recycle(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    named: Named,
) -> Recycled:
    """Record a resident's (`@张三 电池`) or a household's (`3-2-301 大件`) sorted waste,
    earning that kind's points."""
    people = people_named(session, now, community, circle, named)
    if len(people) > 1 or len(named.rest) != (1 if people else 2):
        raise DomainError("points.recycle_usage")
    member = people[0] if people else None
    address, word = ("", named.rest[0]) if people else named.rest
    if not access.records_recycling(session, actor.id, community):
        raise DomainError("points.bin_duty_only")
    kind = RECYCLING_WORDS.get(folded(word))
    if kind is None:
        raise DomainError("points.recycle_usage")
    rules = settings_of(session, community)
    household = _household(session, community, member, address)
    if member is None and not rules.by_household:
        member = _only_occupant(session, household)
    access.require_recycling_by_another(actor, member, household)
    programme = ledger.programme(session, now, community, ledger.RESIDENT)
    if member is not None and not (member.household and community.contains(member.household)):
        raise DomainError("points.outside_community", name=member.display_name)
    record = RecyclingRecord(
        community_id=community.id,
        resident_id=member.id if member else None,
        household_id=household.id if household else None,
        kind=word,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    session.add(record)
    session.flush()
    if rules.by_household and household is not None:
        account = ledger.account_of(session, programme, household=household)
    else:
        account = ledger.account_of(session, programme, resident=member)
    wanted = rules.for_recycling(kind)
    room = ledger.room_under_cap(session, now, account, rules.daily_cap)
    amount = wanted if room is None else min(wanted, room)
    if amount > 0:
        posting = Posting(amount, PointsCategory.RECYCLING, PointsSource.RECYCLING, record.id, word)
        ledger.post(session, now, account, posting, actor.id)
    name = member.display_name if member else (household.name if household else "")
    return Recycled(name, word, amount, account.balance, amount < wanted)


def resident_at(session: Session, community: Place, address: str) -> Resident:
    """The one resident registered at a household address typed in the community
    (`加分 3-2-301 5`); where none or several are, the admin is asked to name one."""
    found = occupants(session, _household_at(session, community, address))
    if len(found) != 1:
        # Who lives at an address, or that nobody does, is not for a group to read.
        raise PrivateRefusal("points.which_resident", address=address[:20], count=len(found))
    return found[0]


def _household(
    session: Session, community: Place, member: Resident | None, address: str
) -> Place | None:
    if member is not None:
        return member.household
    return _household_at(session, community, address)


def _household_at(session: Session, community: Place, address: str) -> Place:
    parsed = parse_address(address)
    for estate in _estates(session, community):
        try:
            spot = locate_household(session, estate, parsed)
        except DomainError:
            continue
        if spot.household is not None:
            return spot.household
    raise PrivateRefusal("points.no_such_household", address=address[:20])


def _estates(session: Session, community: Place) -> list[Place]:
    return list(
        session.scalars(
            select(Place)
            .where(inside(community.path), Place.kind == PlaceKind.ESTATE)
            .order_by(Place.id)
        )
    )


def _only_occupant(session: Session, household: Place | None) -> Resident:
    found = occupants(session, household) if household is not None else []
    if len(found) != 1:
        raise DomainError("points.name_the_person")
    return found[0]
