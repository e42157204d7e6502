"""Shifts as they stand: finding and locking them, their lists, counts and views.

Shifts are numbered within their community (值班 #12), and that number is what people
type. Changing a shift or its sign-ups locks the volunteer's row and then the shift's
row, so concurrent sign-ups never take more places than a shift has, and one person
never holds two overlapping shifts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import UserRef
from bot.services.common.access import Actor, require_shift_in_hand
from bot.services.common.names import names_in
from bot.services.community.people import member_called, mentioned
from bot.services.volunteering.rules import DutyRules
from models import (
    Circle,
    Place,
    Resident,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
)

# Sign-ups still in play: on the list, waiting for approval, or on the waitlist.
ACTIVE = (SignUpStatus.SIGNED_UP, SignUpStatus.PENDING, SignUpStatus.WAITLISTED)
# Sign-ups that hold one of a shift's places.
HOLDING = (SignUpStatus.SIGNED_UP, SignUpStatus.PENDING)
# Sign-ups on a shift's 接龙 list, in the order they took their places.
LISTED = (
    SignUpStatus.SIGNED_UP,
    SignUpStatus.PENDING,
    SignUpStatus.ATTENDED,
    SignUpStatus.NO_SHOW,
)
MAX_NUMBERS = 100
# How those who may not arrange a shift are refused: everyone, and building or unit heads.
ORGANISERS_ONLY = ("volunteering.admins_only", "volunteering.lead_own_area")
# Finding things -----------------------------------------------------------------------


def find_shift(session: Session, community: Place, number: int) -> Shift:
    """Shift `number` of a community."""
    shift = _numbered(session, community, number)
    if shift is None:
        raise DomainError("volunteering.no_such_shift", number=number)
    return shift


def shift_in_hand(
    session: Session, actor: Actor, community: Place, number: int, heads: bool = True
) -> Shift:
    """Shift `number` of a community, for those who arrange it (see `require_shift_in_hand`)."""
    shift = _numbered(session, community, number)
    return require_shift_in_hand(session, actor, shift, number, heads)


def _numbered(session: Session, community: Place, number: int) -> Shift | None:
    return session.scalar(
        select(Shift).where(Shift.community_id == community.id, Shift.number == number)
    )


def lock(session: Session, shift: Shift) -> Shift:
    """The shift's row, locked until the transaction ends (SQLite's writers queue instead)."""
    return session.scalars(
        select(Shift)
        .where(Shift.id == shift.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def lock_resident(session: Session, resident: Resident) -> None:
    """The volunteer's row, locked: one person's sign-ups queue."""
    session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())


def counts(session: Session, shift_ids: list[int]) -> dict[int, Counter[SignUpStatus]]:
    """How many sign-ups of each status each shift has."""
    found: dict[int, Counter[SignUpStatus]] = {shift_id: Counter() for shift_id in shift_ids}
    if not shift_ids:
        return found
    rows = session.execute(
        select(SignUp.shift_id, SignUp.status, func.count())
        .where(SignUp.shift_id.in_(shift_ids))
        .group_by(SignUp.shift_id, SignUp.status)
    )
    for shift_id, status, number in rows:
        found[shift_id][status] = number
    return found


def taken(tally: Counter[SignUpStatus]) -> int:
    """Places taken on a shift (after its start, by those who came or did not)."""
    return sum(tally[status] for status in LISTED)


def listed(session: Session, shift: Shift) -> list[SignUp]:
    """A shift's 接龙 list: everyone who took a place, in the order they took it."""
    return list(
        session.scalars(
            select(SignUp)
            .where(SignUp.shift_id == shift.id, SignUp.status.in_(LISTED))
            .order_by(SignUp.queued_at, SignUp.id)
        )
    )


def waitlist(session: Session, shift: Shift) -> list[SignUp]:
    """A shift's waitlist, first in line first."""
    return list(
        session.scalars(
            select(SignUp)
            .where(SignUp.shift_id == shift.id, SignUp.status == SignUpStatus.WAITLISTED)
            .order_by(SignUp.queued_at, SignUp.id)
        )
    )


# Reading ---------------------------------------------------------------------------------


def recent_noshows(
    session: Session, now: datetime, resident: Resident, community: Place, rules: DutyRules
) -> int:
    """A volunteer's no-shows in the community within the rules' window (30 days)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(SignUp)
            .join(Shift, Shift.id == SignUp.shift_id)
            .where(
                SignUp.resident_id == resident.id,
                SignUp.status == SignUpStatus.NO_SHOW,
                Shift.community_id == community.id,
                Shift.starts_at >= now - rules.noshow_window,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class ShiftView:
    """A shift with the number of places taken and people waiting."""

    shift: Shift
    taken: int
    waiting: int

    @property
    def left(self) -> int:
        """Places still free."""
        return max(self.shift.capacity - self.taken, 0)


def views(session: Session, shifts: list[Shift]) -> list[ShiftView]:
    """Shifts with their counts."""
    tallies = counts(session, [s.id for s in shifts])
    return [
        ShiftView(s, taken(tallies[s.id]), tallies[s.id][SignUpStatus.WAITLISTED]) for s in shifts
    ]


def upcoming(
    session: Session,
    now: datetime,
    community: Place,
    *,
    circle: Circle | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 10,
) -> tuple[list[ShiftView], int]:
    """Open shifts that have not started, soonest first, and how many there are in all."""
    where = [
        Shift.community_id == community.id,
        Shift.status == ShiftStatus.OPEN,
        Shift.starts_at > max(now, since or now),
    ]
    if circle is not None:
        where.append(Shift.circle_id == circle.id)
    if until is not None:
        where.append(Shift.starts_at < until)
    shifts = list(
        session.scalars(
            select(Shift).where(*where).order_by(Shift.starts_at, Shift.number).limit(limit)
        )
    )
    total = session.scalar(select(func.count()).select_from(Shift).where(*where)) or 0
    return views(session, shifts), total


def my_signups(session: Session, now: datetime, resident: Resident) -> list[SignUp]:
    """A volunteer's sign-ups in play for shifts that have not ended, soonest first."""
    return list(
        session.scalars(
            select(SignUp)
            .join(Shift, Shift.id == SignUp.shift_id)
            .where(
                SignUp.resident_id == resident.id,
                SignUp.status.in_(ACTIVE),
                Shift.status == ShiftStatus.OPEN,
                Shift.ends_at > now,
            )
            .order_by(Shift.starts_at)
        )
    )


def withdrawable(
    session: Session, now: datetime, resident: Resident, community: Place, circle: Circle | None
) -> list[tuple[ShiftView, SignUp]]:
    """A volunteer's sign-ups in play for shifts of the community (of `circle`, if given)
    that have not started, with their shifts counted, soonest first."""
    where = [
        SignUp.resident_id == resident.id,
        SignUp.status.in_(ACTIVE),
        Shift.community_id == community.id,
        Shift.status == ShiftStatus.OPEN,
        Shift.starts_at > now,
    ]
    if circle is not None:
        where.append(Shift.circle_id == circle.id)
    mine = list(
        session.scalars(
            select(SignUp)
            .join(Shift, Shift.id == SignUp.shift_id)
            .where(*where)
            .order_by(Shift.starts_at, Shift.number)
        )
    )
    return list(zip(views(session, [s.shift for s in mine]), mine, strict=True))


def my_shifts(
    session: Session, now: datetime, resident: Resident
) -> list[tuple[ShiftView, SignUp]]:
    """A volunteer's sign-ups in play with their shifts counted, soonest first."""
    mine = my_signups(session, now, resident)
    return list(zip(views(session, [s.shift for s in mine]), mine, strict=True))


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start and end of a local day, as aware datetimes."""
    start = datetime.combine(day, datetime.min.time(), zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)


def shifts_on(session: Session, circle: Circle, day: date, zone: ZoneInfo) -> list[Shift]:
    """A circle's open shifts starting on a local day, in time order."""
    start, end = day_bounds(day, zone)
    return list(
        session.scalars(
            select(Shift)
            .where(
                Shift.circle_id == circle.id,
                Shift.status == ShiftStatus.OPEN,
                Shift.starts_at >= start,
                Shift.starts_at < end,
            )
            .order_by(Shift.starts_at, Shift.number)
        )
    )


def person_on(session: Session, shift: Shift, reference: str, named: Resident | None) -> SignUp:
    """Someone on a shift, by their number on its 接龙 list, by @name, or a mention."""
    if named is not None:
        found = session.scalar(
            select(SignUp).where(SignUp.shift_id == shift.id, SignUp.resident_id == named.id)
        )
        if found is None or found.status == SignUpStatus.CANCELLED:
            raise DomainError(
                "volunteering.not_on_shift", number=shift.number, name=named.display_name
            )
        return found
    text = reference.strip()
    if text.isdigit():
        people = listed(session, shift)
        if not 1 <= int(text) <= len(people):
            raise DomainError(
                "volunteering.no_such_position", number=shift.number, position=int(text)
            )
        return people[int(text) - 1]
    name = text.lstrip("@").strip()
    if not name:
        raise DomainError("volunteering.person_usage")
    matches = [
        s
        for s in session.scalars(
            select(SignUp)
            .where(SignUp.shift_id == shift.id, SignUp.status != SignUpStatus.CANCELLED)
            .order_by(SignUp.queued_at, SignUp.id)
        )
        if s.resident.display_name == name
    ]
    if not matches:
        raise DomainError("volunteering.not_on_shift", number=shift.number, name=name[:30])
    if len(matches) > 1:
        raise DomainError("volunteering.ambiguous_person", number=shift.number, name=name[:30])
    return matches[0]


@dataclass(frozen=True)
class Who:
    """Someone on a shift as an admin names them: a number on its list, @name, or a mention."""

    reference: str = ""
    mention: UserRef | None = None


def each_named(session: Session, community: Place, shift: Shift, named: list[Who]) -> list[Who]:
    """Whoever an admin names on a shift, each once: mentions as they are; what was typed
    parted into list numbers and names (`2 3`, `张三 李四`, `Mary Lee、张三`), a name of
    several words being one when someone on the shift or in the community is called so."""
    on = set(
        session.scalars(
            select(Resident.display_name)
            .join(SignUp, SignUp.resident_id == Resident.id)
            .where(SignUp.shift_id == shift.id, SignUp.status != SignUpStatus.CANCELLED)
        )
    )

    def known(name: str) -> bool:
        return name in on or member_called(session, community, None, name)

    parted: list[Who] = []
    for who in named:
        if who.mention is not None:
            parted.append(who)
        else:
            parted += [Who(name) for name in names_in(who.reference, known)]
    return list(dict.fromkeys(parted))


def someone_on(session: Session, now: datetime, shift: Shift, who: Who) -> SignUp:
    """The sign-up of the person an admin names on a shift."""
    named: Resident | None = None
    if who.mention is not None:
        named = mentioned(session, now, who.mention)
    return person_on(session, shift, who.reference, named)
