"""Arranging duty: admins create shifts and rotas, change them and cancel them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Envelope
from bot.services.common import audit
from bot.services.common.access import Actor, community_of, require_organiser
from bot.services.common.numbering import next_number
from bot.services.common.quiet import quiet_hours
from bot.services.common.when import moment_data
from bot.services.volunteering.notices import Duty, promotions, rosters, tell, tell_each
from bot.services.volunteering.reminders import (
    local_day,
    reschedule_signups,
    schedule_shift,
    skip_shifts,
)
from bot.services.volunteering.rosters import shift_data
from bot.services.volunteering.rules import DutyRules, rules_for
from bot.services.volunteering.shift_spec import ShiftItems
from bot.services.volunteering.shifts import (
    ACTIVE,
    MAX_NUMBERS,
    ORGANISERS_ONLY,
    ShiftView,
    counts,
    lock,
    shift_in_hand,
    taken,
)
from bot.services.volunteering.signups import promote
from models import (
    Circle,
    Place,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
    VolunteerProject,
)

Slot = tuple[datetime, datetime]


@dataclass(frozen=True)
class Created:
    """Shifts made by one /shift, the first and last as templates show them, and how many
    slots were dropped for having started."""

    shifts: list[Shift]
    first: dict[str, Any]
    last: dict[str, Any]
    started: int


def create_shifts(
    session: Session, duty: Duty, actor: Actor, circle: Circle, items: ShiftItems
) -> Created:
    """An admin, or a head of the circle's building or unit, creates one shift, or a rota
    of them, in a circle."""
    community = community_of(session, circle.place)
    require_organiser(session, actor, circle, community, ORGANISERS_ONLY)
    assert items.times is not None
    slots = items.times.slots(duty.zone)
    future = _future(duty, items, slots)
    project = _project(session, duty.now, community, items.title)
    place = items.place or ""
    _refuse_duplicates(session, project, place, [start for start, _ in future])
    first = next_number(session, Shift, community)
    rules = rules_for(session, community.id, duty.settings)
    made = [
        _shift(duty, rules, actor, circle, project, items, first + offset, slot)
        for offset, slot in enumerate(future)
    ]
    session.add_all(made)
    session.flush()
    quiet = quiet_hours(session, community.id, duty.quiet)
    for shift in made:
        schedule_shift(session, duty.now, duty.zone, shift, rules, quiet)
    audit.record(
        session,
        duty.now,
        "shift.create",
        actor_id=actor.resident.id,
        place_id=community.id,
        circle_id=circle.id,
        first=made[0].number,
        last=made[-1].number,
        project=project.title,
    )
    # New shifts have no one on them yet.
    shown = [shift_data(ShiftView(s, 0, 0), duty.zone) for s in (made[0], made[-1])]
    return Created(made, shown[0], shown[-1], len(slots) - len(future))


def _future(duty: Duty, items: ShiftItems, slots: list[Slot]) -> list[Slot]:
    """The slots still ahead; refused when none is, or when sign-up would already be closed."""
    future = [(start, end) for start, end in slots if start > duty.now]
    if not future:
        raise DomainError("volunteering.time_past")
    cutoff = items.cutoff
    first_cutoff = cutoff.for_start(future[0][0]) if cutoff else future[0][0]
    if first_cutoff <= duty.now:
        at = moment_data(first_cutoff, duty.zone, duty.now)
        raise DomainError("volunteering.cutoff_past", at=at)
    return future


def _shift(
    duty: Duty,
    rules: DutyRules,
    actor: Actor,
    circle: Circle,
    project: VolunteerProject,
    items: ShiftItems,
    number: int,
    slot: Slot,
) -> Shift:
    """One new shift of a rota."""
    assert items.capacity is not None
    start, end = slot
    signup_until = items.cutoff.for_start(start) if items.cutoff else start
    return Shift(
        community_id=project.community_id,
        number=number,
        project=project,
        circle_id=circle.id,
        place=items.place or "",
        starts_at=start,
        ends_at=end,
        capacity=items.capacity,
        waitlist_limit=items.waitlist,
        required_role=items.role,
        signup_until=signup_until,
        cancel_until=min(signup_until, start - rules.cancel_before),
        status=ShiftStatus.OPEN,
        created_by_id=actor.resident.id,
        created_at=duty.now,
    )


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
    """The open shifts an organiser names, locked."""
    if len(numbers) > MAX_NUMBERS:
        raise DomainError("volunteering.too_many_numbers", limit=MAX_NUMBERS)
    shifts = []
    for number in sorted(set(numbers)):
        shift = lock(session, shift_in_hand(session, actor, community, number))
        if shift.status == ShiftStatus.CANCELLED:
            raise DomainError("volunteering.shift_cancelled", number=number)
        shifts.append(shift)
    return shifts


def _not_started(shifts: list[Shift], now: datetime) -> None:
    for shift in shifts:
        if shift.starts_at <= now:
            raise DomainError("volunteering.shift_started", number=shift.number)


# Editing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edited:
    """What /editshift changed, who heard of a new time or place, who moved up, and the
    messages telling them and refreshing the rosters."""

    shifts: list[Shift]
    changed: list[str]
    told: list[SignUp]
    promoted: list[SignUp]
    notices: list[Envelope]


def edit_shifts(
    session: Session,
    duty: Duty,
    actor: Actor,
    community: Place,
    numbers: list[int],
    items: ShiftItems,
) -> Edited:
    """An admin changes the time, capacity, place, required role, cutoff or waitlist of shifts."""
    shifts = _managed(session, actor, community, numbers)
    changed = _changes(items)
    rules = rules_for(session, community.id, duty.settings)
    if (
        items.times is not None
        and items.times.dated
        and (len(shifts) > 1 or items.times.count() != 1)
    ):
        raise DomainError("volunteering.edit_one_time")
    _not_started(shifts, duty.now)
    days = {local_day(s.starts_at, duty.zone) for s in shifts}
    tallies = counts(session, [s.id for s in shifts])
    for shift in shifts:
        if items.capacity is not None and items.capacity < taken(tallies[shift.id]):
            raise DomainError(
                "volunteering.capacity_below_taken",
                number=shift.number,
                taken=taken(tallies[shift.id]),
            )
        _apply(shift, items, duty, rules)
    session.flush()
    told, promoted = _after_edit(session, duty, rules, shifts, items)
    audit.record(
        session,
        duty.now,
        "shift.edit",
        actor_id=actor.resident.id,
        place_id=community.id,
        numbers=[s.number for s in shifts],
        changed=changed,
    )
    told = [s for s in told if s not in promoted]
    notices = [
        *_tell_changed(session, duty, told, changed),
        *promotions(session, duty, promoted),
        *rosters(session, duty, shifts, create=False, also=days),
    ]
    return Edited(shifts, changed, told, promoted, notices)


def _tell_changed(
    session: Session, duty: Duty, told: list[SignUp], changed: list[str]
) -> list[Envelope]:
    """Tell each volunteer what changed; those on the waitlist also hear where they wait."""
    waiting: Counter[int] = Counter()
    envelopes: list[Envelope] = []
    for signup in told:
        if signup.status == SignUpStatus.WAITLISTED:
            waiting[signup.shift_id] += 1
        position = waiting[signup.shift_id] if signup.status == SignUpStatus.WAITLISTED else 0
        envelopes += tell(
            session, duty, signup, "volunteering.shift_changed", changed=changed, waiting=position
        )
    return envelopes


def _changes(items: ShiftItems) -> list[str]:
    """The names of what an edit changes; refused when it changes nothing."""
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
    return changed


def _after_edit(
    session: Session, duty: Duty, rules: DutyRules, shifts: list[Shift], items: ShiftItems
) -> tuple[list[SignUp], list[SignUp]]:
    """Re-time what moved and fill freed places: who is told of a change, and who moved up."""
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
            quiet = quiet_hours(session, shift.community_id, duty.quiet)
            schedule_shift(session, duty.now, duty.zone, shift, rules, quiet)
            holders = [s for s in active if s.status == SignUpStatus.SIGNED_UP]
            reschedule_signups(session, duty.now, duty.zone, holders, rules)
        promoted += promote(session, duty.now, duty.zone, shift, rules)
    return told, promoted


def _apply(shift: Shift, items: ShiftItems, duty: Duty, rules: DutyRules) -> None:
    zone = duty.zone
    if items.times is not None:
        if items.times.dated:
            start, end = items.times.slots(zone)[0]
        else:
            start, end = items.times.window(local_day(shift.starts_at, zone), zone)
        if start <= duty.now:
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


# Cancelling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    """Shifts an admin cancelled, the volunteers who were on them or waiting, and the
    messages telling them and refreshing the rosters."""

    shifts: list[Shift]
    told: list[SignUp]
    notices: list[Envelope]


def cancel_shifts(
    session: Session, duty: Duty, actor: Actor, community: Place, numbers: list[int]
) -> Cancelled:
    """An admin cancels shifts that have not started; their volunteers are released."""
    shifts = _managed(session, actor, community, numbers)
    _not_started(shifts, duty.now)
    told = list(
        session.scalars(
            select(SignUp)
            .where(SignUp.shift_id.in_([s.id for s in shifts]), SignUp.status.in_(ACTIVE))
            .order_by(SignUp.shift_id, SignUp.queued_at, SignUp.id)
        )
    )
    for shift in shifts:
        shift.status = ShiftStatus.CANCELLED
        shift.cancelled_at = duty.now
    for signup in told:
        signup.status = SignUpStatus.CANCELLED
        signup.cancelled_at = duty.now
    skip_shifts(session, duty.now, [s.id for s in shifts], "cancelled")
    audit.record(
        session,
        duty.now,
        "shift.cancel",
        actor_id=actor.resident.id,
        place_id=community.id,
        numbers=[s.number for s in shifts],
    )
    notices = [
        *tell_each(session, duty, told, "volunteering.shift_cancelled_notice"),
        *rosters(session, duty, shifts, create=False),
    ]
    return Cancelled(shifts, told, notices)
