"""Volunteer duty: projects and shifts, and relay sign-up (接龙) with capacity and a waitlist.

Shifts are numbered within their community (值班 #12), and that number is what people
type. Sign-up and withdrawal lock the volunteer's row and then the shift's row, so
concurrent sign-ups never take more places than a shift has, and one person never
holds two overlapping shifts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import audit
from bot.services.common.access import Actor, community_of, holds, holds_any_role_around, manages
from bot.services.common.numbering import next_number
from bot.services.common.when import local_text
from bot.services.volunteering.reminders import (
    local_day,
    reschedule_signups,
    schedule_shift,
    schedule_signup,
    skip_shifts,
    skip_signup,
)
from bot.services.volunteering.rules import DutyRules
from bot.services.volunteering.shift_spec import ShiftItems
from models import (
    Circle,
    Place,
    Resident,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
    VolunteerProject,
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


# Finding things -----------------------------------------------------------------------


def find_shift(session: Session, community: Place, number: int) -> Shift:
    """Shift `number` of a community."""
    shift = session.scalar(
        select(Shift).where(Shift.community_id == community.id, Shift.number == number)
    )
    if shift is None:
        raise DomainError("volunteering.no_such_shift", number=number)
    return shift


def _lock(session: Session, shift: Shift) -> Shift:
    """The shift's row, locked until the transaction ends (SQLite's writers queue instead)."""
    return session.scalars(
        select(Shift)
        .where(Shift.id == shift.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_resident(session: Session, resident: Resident) -> None:
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


# Creating, editing and cancelling shifts -------------------------------------------------


@dataclass(frozen=True)
class Created:
    """Shifts made by one /shift, and how many slots were dropped for having started."""

    shifts: list[Shift]
    started: int


def create_shifts(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    actor: Actor,
    circle: Circle,
    items: ShiftItems,
    rules: DutyRules,
) -> Created:
    """An admin creates one shift, or a rota of them, in a circle."""
    community = community_of(session, circle.place)
    if not manages(session, actor, circle, community):
        raise DomainError("volunteering.admins_only")
    assert items.times is not None and items.capacity is not None
    slots = items.times.slots(zone)
    future = [(start, end) for start, end in slots if start > now]
    if not future:
        raise DomainError("volunteering.time_past")
    cutoff = items.cutoff
    first_cutoff = cutoff.for_start(future[0][0]) if cutoff else future[0][0]
    if first_cutoff <= now:
        raise DomainError("volunteering.cutoff_past", at=local_text(first_cutoff, zone))
    project = _project(session, now, community, items.title)
    place = items.place or ""
    _refuse_duplicates(session, project, place, [start for start, _ in future])
    number = next_number(session, Shift, community)
    made = []
    for offset, (start, end) in enumerate(future):
        signup_until = cutoff.for_start(start) if cutoff else start
        made.append(
            Shift(
                community_id=community.id,
                number=number + offset,
                project=project,
                circle_id=circle.id,
                place=place,
                starts_at=start,
                ends_at=end,
                capacity=items.capacity,
                waitlist_limit=items.waitlist,
                required_role=items.role,
                signup_until=signup_until,
                cancel_until=min(signup_until, start - rules.cancel_before),
                status=ShiftStatus.OPEN,
                created_by_id=actor.resident.id,
                created_at=now,
            )
        )
    session.add_all(made)
    session.flush()
    for shift in made:
        schedule_shift(session, now, zone, shift, rules)
    audit.record(
        session,
        now,
        "shift.create",
        actor_id=actor.resident.id,
        place_id=community.id,
        circle_id=circle.id,
        first=made[0].number,
        last=made[-1].number,
        project=project.title,
    )
    return Created(made, len(slots) - len(future))


def _project(session: Session, now: datetime, community: Place, title: str) -> VolunteerProject:
    if not title:
        raise DomainError("volunteering.shift_usage")
    project = session.scalar(
        select(VolunteerProject).where(
            VolunteerProject.community_id == community.id, VolunteerProject.title == title
        )
    )
    if project is None:
        project = VolunteerProject(community_id=community.id, title=title, created_at=now)
        session.add(project)
        session.flush()
    return project


def _refuse_duplicates(
    session: Session, project: VolunteerProject, place: str, starts: list[datetime]
) -> None:
    twin = session.scalar(
        select(Shift.number)
        .where(
            Shift.project_id == project.id,
            Shift.place == place,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at.in_(starts),
        )
        .order_by(Shift.number)
        .limit(1)
    )
    if twin is not None:
        raise DomainError("volunteering.duplicate_shift", number=twin)


def _managed(session: Session, actor: Actor, community: Place, numbers: list[int]) -> list[Shift]:
    """The open, not yet started shifts an admin names, locked."""
    if len(numbers) > MAX_NUMBERS:
        raise DomainError("volunteering.too_many_numbers", limit=MAX_NUMBERS)
    shifts = []
    for number in sorted(set(numbers)):
        shift = _lock(session, find_shift(session, community, number))
        if not manages(session, actor, shift.circle, community):
            raise DomainError("volunteering.admins_only")
        if shift.status == ShiftStatus.CANCELLED:
            raise DomainError("volunteering.shift_cancelled", number=number)
        shifts.append(shift)
    return shifts


@dataclass
class Edited:
    """What /editshift changed, who hears of a new time or place, and who moved up."""

    shifts: list[Shift]
    changed: list[str]
    told: list[SignUp]
    promoted: list[SignUp]
    days: set[date]


def edit_shifts(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    actor: Actor,
    community: Place,
    numbers: list[int],
    items: ShiftItems,
    rules: DutyRules,
) -> Edited:
    """An admin changes the time, capacity, place, required role, cutoff or waitlist of shifts."""
    shifts = _managed(session, actor, community, numbers)
    changed = [
        name
        for name, given in (
            ("time", items.times is not None),
            ("capacity", items.capacity is not None),
            ("place", items.place is not None),
            ("role", items.role_given),
            ("cutoff", items.cutoff is not None),
            ("waitlist", items.waitlist_given),
        )
        if given
    ]
    if not changed:
        raise DomainError("volunteering.edit_usage")
    if (
        items.times is not None
        and items.times.dated
        and (len(shifts) > 1 or items.times.count() != 1)
    ):
        raise DomainError("volunteering.edit_one_time")
    tallies = counts(session, [s.id for s in shifts])
    days = {local_day(s.starts_at, zone) for s in shifts}
    for shift in shifts:
        if shift.starts_at <= now:
            raise DomainError("volunteering.shift_started", number=shift.number)
        if items.capacity is not None and items.capacity < taken(tallies[shift.id]):
            raise DomainError(
                "volunteering.capacity_below_taken",
                number=shift.number,
                taken=taken(tallies[shift.id]),
            )
        _apply(shift, items, now, zone, rules)
    session.flush()
    told: list[SignUp] = []
    promoted: list[SignUp] = []
    for shift in shifts:
        active = list(
            session.scalars(
                select(SignUp)
                .where(SignUp.shift_id == shift.id, SignUp.status.in_(ACTIVE))
                .order_by(SignUp.queued_at, SignUp.id)
            )
        )
        if items.times is not None or items.place is not None:
            told += active
        if items.times is not None:
            schedule_shift(session, now, zone, shift, rules)
            holders = [s for s in active if s.status == SignUpStatus.SIGNED_UP]
            reschedule_signups(session, now, zone, holders, rules)
        promoted += promote(session, now, zone, shift, rules)
        days.add(local_day(shift.starts_at, zone))
    audit.record(
        session,
        now,
        "shift.edit",
        actor_id=actor.resident.id,
        place_id=community.id,
        numbers=[s.number for s in shifts],
        changed=changed,
    )
    return Edited(shifts, changed, [s for s in told if s not in promoted], promoted, days)


def _apply(
    shift: Shift, items: ShiftItems, now: datetime, zone: ZoneInfo, rules: DutyRules
) -> None:
    if items.times is not None:
        if items.times.dated:
            start, end = items.times.slots(zone)[0]
        else:
            start, end = items.times.window(local_day(shift.starts_at, zone), zone)
        if start <= now:
            raise DomainError("volunteering.time_past")
        # Cutoffs keep their distance to the start.
        shift.signup_until = start - (shift.starts_at - shift.signup_until)
        shift.cancel_until = start - (shift.starts_at - shift.cancel_until)
        shift.starts_at, shift.ends_at = start, end
    if items.capacity is not None:
        shift.capacity = items.capacity
    if items.place is not None:
        shift.place = items.place
    if items.role_given:
        shift.required_role = items.role
    if items.waitlist_given:
        shift.waitlist_limit = items.waitlist
    if items.cutoff is not None:
        shift.signup_until = items.cutoff.for_start(shift.starts_at)
        shift.cancel_until = min(shift.signup_until, shift.starts_at - rules.cancel_before)


@dataclass(frozen=True)
class Cancelled:
    """Shifts an admin cancelled, and the volunteers who were on them or waiting."""

    shifts: list[Shift]
    told: list[SignUp]


def cancel_shifts(
    session: Session, now: datetime, actor: Actor, community: Place, numbers: list[int]
) -> Cancelled:
    """An admin cancels shifts that have not started; their volunteers are released."""
    shifts = _managed(session, actor, community, numbers)
    for shift in shifts:
        if shift.starts_at <= now:
            raise DomainError("volunteering.shift_started", number=shift.number)
    told = list(
        session.scalars(
            select(SignUp)
            .where(SignUp.shift_id.in_([s.id for s in shifts]), SignUp.status.in_(ACTIVE))
            .order_by(SignUp.shift_id, SignUp.queued_at, SignUp.id)
        )
    )
    for shift in shifts:
        shift.status = ShiftStatus.CANCELLED
        shift.cancelled_at = now
    for signup in told:
        signup.status = SignUpStatus.CANCELLED
        signup.cancelled_at = now
    skip_shifts(session, now, [s.id for s in shifts], "cancelled")
    audit.record(
        session,
        now,
        "shift.cancel",
        actor_id=actor.resident.id,
        place_id=community.id,
        numbers=[s.number for s in shifts],
    )
    return Cancelled(shifts, told)


# Signing up and withdrawing --------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    """A sign-up, its position on the list or waitlist, and the volunteer's recent no-shows."""

    signup: SignUp
    position: int
    noshows: int


def sign_up(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    resident: Resident,
    shift: Shift,
    rules: DutyRules,
) -> Joined:
    """Take a place on a shift, or a place on its waitlist when it is full."""
    _lock_resident(session, resident)
    shift = _lock(session, shift)
    community = session.get_one(Place, shift.community_id)
    if shift.status == ShiftStatus.CANCELLED:
        raise DomainError("volunteering.shift_cancelled", number=shift.number)
    if now >= shift.starts_at:
        raise DomainError("volunteering.shift_started", number=shift.number)
    if now >= shift.signup_until:
        raise DomainError(
            "volunteering.signup_closed",
            number=shift.number,
            at=local_text(shift.signup_until, zone),
        )
    mine = session.scalar(
        select(SignUp).where(SignUp.shift_id == shift.id, SignUp.resident_id == resident.id)
    )
    if mine is not None and mine.status in ACTIVE:
        raise DomainError(
            "volunteering.already_signed_up", number=shift.number, status=mine.status.value
        )
    _eligible(session, resident, shift, community)
    _refuse_overlap(session, resident, shift, zone)
    tally = counts(session, [shift.id])[shift.id]
    noshows = recent_noshows(session, now, resident, community, rules)
    waiting = rules.noshow_limit is not None and noshows >= rules.noshow_limit
    if taken(tally) < shift.capacity:
        status = SignUpStatus.PENDING if waiting else SignUpStatus.SIGNED_UP
        position = taken(tally) + 1
    elif shift.waitlist_limit is None or tally[SignUpStatus.WAITLISTED] < shift.waitlist_limit:
        status = SignUpStatus.WAITLISTED
        position = tally[SignUpStatus.WAITLISTED] + 1
    else:
        raise DomainError("volunteering.shift_full", number=shift.number)
    if mine is None:
        mine = SignUp(shift_id=shift.id, resident_id=resident.id, status=status, queued_at=now)
        session.add(mine)
    mine.shift, mine.resident = shift, resident
    mine.status, mine.queued_at, mine.cancelled_at, mine.decided_by_id = status, now, None, None
    session.flush()
    if status == SignUpStatus.SIGNED_UP:
        schedule_signup(session, now, zone, mine, rules)
    return Joined(mine, position, noshows)


def _eligible(session: Session, resident: Resident, shift: Shift, community: Place) -> None:
    home = resident.household
    member = home is not None and community.contains(home)
    if not member and not holds_any_role_around(session, resident.id, community):
        raise DomainError("volunteering.register_first")
    role = shift.required_role
    if role is not None and not holds(session, resident.id, role, community):
        raise DomainError("volunteering.role_required", number=shift.number, role=role.value)


def _refuse_overlap(session: Session, resident: Resident, shift: Shift, zone: ZoneInfo) -> None:
    other = session.scalar(
        select(Shift)
        .join(SignUp, SignUp.shift_id == Shift.id)
        .where(
            SignUp.resident_id == resident.id,
            SignUp.status.in_(ACTIVE),
            Shift.status == ShiftStatus.OPEN,
            Shift.id != shift.id,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
        .order_by(Shift.starts_at)
        .limit(1)
    )
    if other is not None:
        raise DomainError(
            "volunteering.overlap",
            number=shift.number,
            other=other.number,
            at=local_text(other.starts_at, zone),
        )


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
class Withdrawn:
    """A withdrawal, and whoever moved up from the waitlist into the freed place."""

    signup: SignUp
    was: SignUpStatus
    promoted: list[SignUp]


def withdraw(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    resident: Resident,
    shift: Shift,
    rules: DutyRules,
) -> Withdrawn:
    """Withdraw from a shift: from a place before its cutoff, from the waitlist before it starts."""
    shift = _lock(session, shift)
    mine = session.scalar(
        select(SignUp).where(
            SignUp.shift_id == shift.id,
            SignUp.resident_id == resident.id,
            SignUp.status.in_(ACTIVE),
        )
    )
    if mine is None:
        raise DomainError("volunteering.not_signed_up", number=shift.number)
    if now >= shift.starts_at:
        raise DomainError("volunteering.shift_started", number=shift.number)
    if mine.status in HOLDING and now >= shift.cancel_until:
        raise DomainError(
            "volunteering.cancel_closed",
            number=shift.number,
            at=local_text(shift.cancel_until, zone),
        )
    return _release(session, now, zone, mine, rules)


def _release(
    session: Session, now: datetime, zone: ZoneInfo, mine: SignUp, rules: DutyRules
) -> Withdrawn:
    was = mine.status
    mine.status, mine.cancelled_at = SignUpStatus.CANCELLED, now
    skip_signup(session, now, mine, "cancelled")
    session.flush()
    promoted = promote(session, now, zone, mine.shift, rules) if was in HOLDING else []
    return Withdrawn(mine, was, promoted)


def release_all(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    resident: Resident,
    rules_of: Callable[[int], DutyRules],
) -> list[Withdrawn]:
    """Give up every place and waitlist spot of someone erasing themselves, whatever the
    cutoff (a person who is gone cannot serve); the waitlists move up."""
    held = session.scalars(
        select(SignUp)
        .join(Shift, Shift.id == SignUp.shift_id)
        .where(
            SignUp.resident_id == resident.id,
            SignUp.status.in_(ACTIVE),
            Shift.starts_at > now,
        )
        .order_by(SignUp.id)
    ).all()
    released = []
    for mine in held:
        shift = _lock(session, mine.shift)
        released.append(_release(session, now, zone, mine, rules_of(shift.community_id)))
    return released


def promote(
    session: Session, now: datetime, zone: ZoneInfo, shift: Shift, rules: DutyRules
) -> list[SignUp]:
    """Give free places to the waitlist, first in line first; they are told at once."""
    if now >= shift.starts_at or shift.status != ShiftStatus.OPEN:
        return []
    free = shift.capacity - taken(counts(session, [shift.id])[shift.id])
    community = session.get_one(Place, shift.community_id)
    moved = []
    for signup in waitlist(session, shift)[: max(free, 0)]:
        noshows = recent_noshows(session, now, signup.resident, community, rules)
        if rules.noshow_limit is not None and noshows >= rules.noshow_limit:
            signup.status = SignUpStatus.PENDING
        else:
            signup.status = SignUpStatus.SIGNED_UP
            schedule_signup(session, now, zone, signup, rules)
        moved.append(signup)
    session.flush()
    return moved


def reschedule_community(
    session: Session, now: datetime, zone: ZoneInfo, community: Place, rules: DutyRules
) -> None:
    """The community's reminder times changed: re-time every volunteer's pending reminders."""
    holders = session.scalars(
        select(SignUp)
        .join(Shift, Shift.id == SignUp.shift_id)
        .where(
            Shift.community_id == community.id,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at > now,
            SignUp.status == SignUpStatus.SIGNED_UP,
        )
    )
    reschedule_signups(session, now, zone, holders, rules)


# Approval after no-shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """An admin's decision on a sign-up waiting for approval."""

    signup: SignUp
    approved: bool
    promoted: list[SignUp]


def decide(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    actor: Actor,
    signup: SignUp,
    approved: bool,
    rules: DutyRules,
) -> Decided:
    """An admin approves or declines a sign-up that waits for approval."""
    shift = _lock(session, signup.shift)
    community = session.get_one(Place, shift.community_id)
    if not manages(session, actor, shift.circle, community):
        raise DomainError("volunteering.admins_only")
    if signup.status != SignUpStatus.PENDING:
        raise DomainError(
            "volunteering.not_pending", number=shift.number, name=signup.resident.display_name
        )
    signup.decided_by_id = actor.resident.id
    promoted: list[SignUp] = []
    if approved:
        signup.status = SignUpStatus.SIGNED_UP
        schedule_signup(session, now, zone, signup, rules)
    else:
        signup.status, signup.cancelled_at = SignUpStatus.CANCELLED, now
        session.flush()
        promoted = promote(session, now, zone, shift, rules)
    audit.record(
        session,
        now,
        "signup.approve" if approved else "signup.decline",
        actor_id=actor.resident.id,
        target_id=signup.resident_id,
        place_id=community.id,
        shift=shift.number,
    )
    return Decided(signup, approved, promoted)


# Reading ---------------------------------------------------------------------------------


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
