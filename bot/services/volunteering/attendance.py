"""Attendance and hours: check-in and check-out, admins' confirmations and no-shows, totals.

Only confirmed time counts. A volunteer confirms their own time by checking in and
out inside the shift's window (the time between, within the shift); an admin confirms
a whole shift for those on it. Each confirmation is one `volunteer_hours` row, which the
points ledger references by its id; only an admin's correction changes its minutes, audited,
with the points following.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import Session

from bot.errors import DomainError, PrivateRefusal
from bot.messages import Envelope
from bot.services.common import audit
from bot.services.common.access import (
    Actor,
    admin_here,
    attends_for_another,
    community_for,
    manages,
    overseen_communities,
    require_attendance_by_another,
    require_hours_by_another,
    standing,
)
from bot.services.common.when import moment_data
from bot.services.community.roles import circle_title
from bot.services.points import correct_hours, earn_for_hours
from bot.services.volunteering.notices import Duty, rosters, tell
from bot.services.volunteering.rosters import about
from bot.services.volunteering.rules import defaults
from bot.services.volunteering.shifts import (
    Who,
    day_bounds,
    each_named,
    listed,
    shift_in_hand,
    someone_on,
)
from bot.services.volunteering.signups import Refused
from models import (
    Circle,
    HoursSource,
    Place,
    Resident,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
    VolunteerHours,
    VolunteerProject,
)

TOP = 10


def _minutes(span: timedelta) -> int:
    return max(int(span.total_seconds() // 60), 0)


def _candidates(
    session: Session,
    resident: Resident,
    community: Place,
    number: int | None,
    status: SignUpStatus = SignUpStatus.SIGNED_UP,
) -> list[SignUp]:
    """The resident's sign-ups of this status to open shifts in the community (shift numbers
    count within it)."""
    where = [
        SignUp.resident_id == resident.id,
        Shift.community_id == community.id,
        SignUp.status == status,
        Shift.status == ShiftStatus.OPEN,
    ]
    if number is not None:
        where.append(Shift.number == number)
    return list(
        session.scalars(
            select(SignUp)
            .join(Shift, Shift.id == SignUp.shift_id)
            .where(*where)
            .order_by(Shift.starts_at)
        )
    )


@dataclass(frozen=True)
class CheckedIn:
    """A volunteer's check-in, the shift as it now shows, and the roster messages."""

    signup: SignUp
    shown: dict[str, Any]
    notices: list[Envelope]


def check_in(
    session: Session, duty: Duty, resident: Resident, community: Place, number: int | None = None
) -> CheckedIn:
    """Check in to my shift, from `checkin_tolerance` before its start until its end."""
    signup = _to_check_in(session, duty, resident, community, number)
    signup.checked_in_at = duty.now
    notices = rosters(session, duty, [signup.shift], create=False)
    return CheckedIn(signup, about(session, signup.shift, duty.zone), notices)


def open_to_attend(
    session: Session,
    duty: Duty,
    resident: Resident,
    community: Place,
    number: int | None,
    leaving: bool,
) -> dict[str, Any]:
    """The shift as shown that I may check in to now (or, `leaving`, out of), doing neither
    (签到？, 签退？); where there is none, why, as the check-in or check-out is refused."""
    found = _to_check_out if leaving else _to_check_in
    signup = found(session, duty, resident, community, number)
    return about(session, signup.shift, duty.zone)


def _to_check_in(
    session: Session, duty: Duty, resident: Resident, community: Place, number: int | None
) -> SignUp:
    """My sign-up open for check-in now; where there is none, why."""
    now, early = duty.now, defaults(duty.settings).checkin_tolerance
    mine = _candidates(session, resident, community, number)
    open_now = _open_now(mine, now, early)
    if not mine:
        _refuse_if_done(session, resident, community, number, now - early)
        # Someone on a full shift's waitlist has signed up, but checks in only once moved up.
        waiting = _candidates(session, resident, community, number, SignUpStatus.WAITLISTED)
        if waiting:
            raise DomainError("volunteering.checkin_waitlisted", number=waiting[0].shift.number)
        if number is not None:
            raise DomainError("volunteering.not_signed_up", number=number)
        raise DomainError("volunteering.checkin_none")
    if not open_now:
        if any(s.checked_in_at and now < s.shift.ends_at for s in mine):
            raise DomainError("volunteering.already_checked_in")
        upcoming = [s for s in mine if now < s.shift.starts_at - early]
        first = upcoming[0].shift if upcoming else None
        raise DomainError(
            "volunteering.checkin_outside",
            minutes=_minutes(early),
            number=first.number if first else None,
            at=moment_data(first.starts_at - early, duty.zone, now) if first else None,
        )
    return open_now[0]


def _open_now(mine: list[SignUp], now: datetime, early: timedelta) -> list[SignUp]:
    """The sign-ups not checked in to whose shift is open for check-in now."""
    return [
        s
        for s in mine
        if s.shift.starts_at - early <= now < s.shift.ends_at and not s.checked_in_at
    ]


def may_check_in(session: Session, duty: Duty, resident: Resident, community: Place) -> bool:
    """Whether the resident has a shift in the community open for check-in now."""
    mine = _candidates(session, resident, community, None)
    return bool(_open_now(mine, duty.now, defaults(duty.settings).checkin_tolerance))


@dataclass(frozen=True)
class Served:
    """Confirmed time: the hours row and the sign-up it confirms."""

    signup: SignUp
    hours: VolunteerHours


@dataclass(frozen=True)
class CheckedOut:
    """A volunteer's check-out with the time it confirmed, the shift as it now shows,
    and the roster messages."""

    served: Served
    shown: dict[str, Any]
    notices: list[Envelope]


def check_out(
    session: Session, duty: Duty, resident: Resident, community: Place, number: int | None = None
) -> CheckedOut:
    """Check out of the shift I checked in to, until `checkin_tolerance` after its end."""
    signup = _to_check_out(session, duty, resident, community, number)
    shift, now = signup.shift, duty.now
    served = _served(signup, now)
    signup.checked_out_at = now
    hours = _record(session, now, signup, _minutes(served), HoursSource.CHECKOUT, resident.id)
    notices = rosters(session, duty, [shift], create=False)
    return CheckedOut(Served(signup, hours), about(session, shift, duty.zone), notices)


def _to_check_out(
    session: Session, duty: Duty, resident: Resident, community: Place, number: int | None
) -> SignUp:
    """My checked-in sign-up I may check out of now; where there is none, why."""
    now, late = duty.now, defaults(duty.settings).checkin_tolerance
    candidates = _candidates(session, resident, community, number)
    mine = [s for s in candidates if s.checked_in_at is not None and s.checked_out_at is None]
    if not mine:
        _refuse_if_done(session, resident, community, number, now - late)
        if number is not None and not candidates:
            raise DomainError("volunteering.not_signed_up", number=number)
        raise DomainError("volunteering.not_checked_in")
    signup = mine[0]
    shift = signup.shift
    if now < shift.starts_at:
        raise DomainError("volunteering.checkout_early", number=shift.number)
    if now > shift.ends_at + late:
        raise DomainError("volunteering.checkout_late", number=shift.number, minutes=_minutes(late))
    served = _served(signup, now)
    # A check-out sent at once is a slip: it would record no time, for good.
    if _minutes(served) < 1 and now < shift.ends_at:
        raise DomainError("volunteering.checkout_at_once", number=shift.number)
    return signup


def _served(signup: SignUp, now: datetime) -> timedelta:
    """The time a checked-in volunteer has served on their shift by `now`, within it."""
    assert signup.checked_in_at is not None
    shift = signup.shift
    return min(now, shift.ends_at) - max(signup.checked_in_at, shift.starts_at)


def _refuse_if_done(
    session: Session, resident: Resident, community: Place, number: int | None, since: datetime
) -> None:
    """Refuse a check-in or check-out for a shift that ended after `since` and whose time for
    the resident is already recorded, saying by whom."""
    done = _done_lately(session, resident, community, number, since)
    if done is not None:
        left, checked_out = done
        if checked_out:
            raise DomainError("volunteering.already_checked_out", number=left)
        raise DomainError("volunteering.confirmed_by_admin", number=left)


def _done_lately(
    session: Session, resident: Resident, community: Place, number: int | None, since: datetime
) -> tuple[int, bool] | None:
    """The number of a shift in the community that ended after `since` and whose time for the
    resident is recorded, and whether by their check-out (else by an admin's confirmation)."""
    where = [
        SignUp.resident_id == resident.id,
        SignUp.status == SignUpStatus.ATTENDED,
        Shift.community_id == community.id,
    ]
    if number is not None:
        where.append(Shift.number == number)
    row = session.execute(
        select(Shift.number, SignUp.checked_out_at.is_not(None))
        .join(SignUp, SignUp.shift_id == Shift.id)
        .where(*where, Shift.ends_at > since)
        .order_by(Shift.ends_at.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _record(
    session: Session,
    now: datetime,
    signup: SignUp,
    minutes: int,
    source: HoursSource,
    confirmed_by: int,
) -> VolunteerHours:
    shift = signup.shift
    signup.status = SignUpStatus.ATTENDED
    hours = VolunteerHours(
        resident_id=signup.resident_id,
        shift_id=shift.id,
        project_id=shift.project_id,
        community_id=shift.community_id,
        circle_id=shift.circle_id,
        served_at=shift.starts_at,
        minutes=minutes,
        source=source,
        confirmed_at=now,
        confirmed_by_id=confirmed_by,
    )
    session.add(hours)
    session.flush()
    earn_for_hours(session, now, hours)
    return hours


def _started(session: Session, actor: Actor, shift: Shift, now: datetime) -> Place:
    community = session.get_one(Place, shift.community_id)
    if not manages(session, actor, shift.circle, community):
        raise DomainError("volunteering.admins_only")
    if shift.status == ShiftStatus.CANCELLED:
        raise DomainError("volunteering.shift_cancelled", number=shift.number)
    if now < shift.starts_at:
        raise DomainError("volunteering.not_started", number=shift.number)
    return community


def confirm(
    session: Session, now: datetime, actor: Actor, shift: Shift, signup: SignUp | None = None
) -> tuple[list[Served], list[SignUp]]:
    """An admin confirms the whole of a started shift for everyone on it, or for one person;
    with the time, those of everyone whom another admin must confirm (see `attends_for_another`)."""
    # Everyone means those not marked absent; one person may be, to correct a mistake.
    community = _started(session, actor, shift, now)
    people = [signup] if signup is not None else listed(session, shift)
    confirmable = {SignUpStatus.SIGNED_UP} | (
        {SignUpStatus.NO_SHOW} if signup is not None else set()
    )
    if signup is not None and signup.status not in (*confirmable, SignUpStatus.ATTENDED):
        raise DomainError(
            "volunteering.not_on_shift", number=shift.number, name=signup.resident.display_name
        )
    done = set(
        session.scalars(
            select(VolunteerHours.resident_id).where(VolunteerHours.shift_id == shift.id)
        )
    )
    served, left = [], []
    for person in people:
        if person.status not in confirmable or person.resident_id in done:
            continue
        if not attends_for_another(actor.resident, person.resident):
            if signup is not None:
                require_attendance_by_another(actor.resident, person.resident)
            left.append(person)
            continue
        minutes = _minutes(shift.ends_at - shift.starts_at)
        hours = _record(session, now, person, minutes, HoursSource.ADMIN, actor.resident.id)
        served.append(Served(person, hours))
    if signup is not None and not served:
        raise DomainError(
            "volunteering.already_confirmed", number=shift.number, name=signup.resident.display_name
        )
    audit.record(
        session,
        now,
        "shift.confirm",
        actor_id=actor.resident.id,
        place_id=community.id,
        shift=shift.number,
        confirmed=[s.signup.resident_id for s in served],
    )
    return served, left


def mark_noshow(
    session: Session, now: datetime, actor: Actor, shift: Shift, signup: SignUp
) -> None:
    """An admin marks someone on a started shift as absent; confirmed time cannot be."""
    # A check-in stands against a no-show: an admin who insists undoes it first.
    community = _started(session, actor, shift, now)
    name = signup.resident.display_name
    if signup.status == SignUpStatus.ATTENDED:
        raise DomainError("volunteering.already_confirmed", number=shift.number, name=name)
    if signup.status != SignUpStatus.SIGNED_UP:
        raise DomainError("volunteering.not_on_shift", number=shift.number, name=name)
    if signup.checked_in_at is not None:
        raise DomainError("volunteering.checked_in_not_absent", number=shift.number, name=name)
    signup.status = SignUpStatus.NO_SHOW
    signup.decided_by_id = actor.resident.id
    audit.record(
        session,
        now,
        "shift.noshow",
        actor_id=actor.resident.id,
        target_id=signup.resident_id,
        place_id=community.id,
        shift=shift.number,
    )


def undo_check_in(
    session: Session, now: datetime, actor: Actor, shift: Shift, signup: SignUp
) -> None:
    """An admin undoes someone's check-in (before check-out), so they may be marked absent."""
    community = _started(session, actor, shift, now)
    name = signup.resident.display_name
    if signup.status == SignUpStatus.ATTENDED:
        raise DomainError("volunteering.already_confirmed", number=shift.number, name=name)
    if signup.status != SignUpStatus.SIGNED_UP or signup.checked_in_at is None:
        raise DomainError("volunteering.not_checked_in_person", number=shift.number, name=name)
    signup.checked_in_at = None
    audit.record(
        session,
        now,
        "shift.undo_checkin",
        actor_id=actor.resident.id,
        target_id=signup.resident_id,
        place_id=community.id,
        shift=shift.number,
    )


# What admins do on a started shift, by number and person -----------------------------------


@dataclass(frozen=True)
class Confirmed:
    """Time an admin confirmed on a shift, the shift as it now shows, those left for another
    admin to confirm, those named who could not be confirmed and why, and the rosters."""

    shift: Shift
    shown: dict[str, Any]
    served: list[Served]
    left: list[SignUp]
    refused: list[Refused]
    notices: list[Envelope]


def confirm_attendance(
    session: Session, duty: Duty, actor: Actor, community: Place, number: int, named: list[Who]
) -> Confirmed:
    """An admin confirms a started shift for everyone on it (no one named), for the one person
    named, or for each of several named; their own attendance and their household's are left
    for another admin."""
    shift = shift_in_hand(session, actor, community, number, heads=False)
    named = each_named(session, community, shift, named)
    refused: list[Refused] = []
    if len(named) > 1:
        served, left, refused = _confirm_each(session, duty.now, actor, shift, named)
    else:
        one = someone_on(session, duty.now, shift, named[0]) if named else None
        served, left = confirm(session, duty.now, actor, shift, one)
    notices = rosters(session, duty, [shift], create=False) if served else []
    return Confirmed(shift, about(session, shift, duty.zone), served, left, refused, notices)


def _confirm_each(
    session: Session, now: datetime, actor: Actor, shift: Shift, named: list[Who]
) -> tuple[list[Served], list[SignUp], list[Refused]]:
    """Confirm each person named on a started shift as one alone is, each in its own savepoint:
    a refusal undoes that one alone and is kept with its reason, once."""
    _started(session, actor, shift, now)
    served: list[Served] = []
    left: list[SignUp] = []
    refused: list[Refused] = []
    seen: set[int] = set()
    for who in named:
        try:
            with session.begin_nested():
                signup = someone_on(session, now, shift, who)
                if signup.id in seen:
                    continue
                seen.add(signup.id)
                served += confirm(session, now, actor, shift, signup)[0]
        except PrivateRefusal:
            left.append(signup)
        except DomainError as error:
            refusal = Refused(error.key, error.data)
            if refusal not in refused:
                refused.append(refusal)
    return served, left, refused


@dataclass(frozen=True)
class Marked:
    """The person an admin marked absent or whose check-in they undid, the shift as it
    now shows, and the rosters."""

    shift: Shift
    shown: dict[str, Any]
    signup: SignUp
    notices: list[Envelope]


def mark_absent(
    session: Session, duty: Duty, actor: Actor, community: Place, number: int, who: Who
) -> Marked:
    """An admin marks the person named on a started shift absent."""
    shift = shift_in_hand(session, actor, community, number, heads=False)
    signup = someone_on(session, duty.now, shift, who)
    mark_noshow(session, duty.now, actor, shift, signup)
    notices = rosters(session, duty, [shift], create=False)
    return Marked(shift, about(session, shift, duty.zone), signup, notices)


def undo_check_in_of(
    session: Session, duty: Duty, actor: Actor, community: Place, number: int, who: Who
) -> Marked:
    """An admin undoes the check-in of the person named on a started shift."""
    shift = shift_in_hand(session, actor, community, number, heads=False)
    signup = someone_on(session, duty.now, shift, who)
    undo_check_in(session, duty.now, actor, shift, signup)
    notices = rosters(session, duty, [shift], create=False)
    return Marked(shift, about(session, shift, duty.zone), signup, notices)


@dataclass(frozen=True)
class Corrected:
    """One person's hours on a shift as an admin corrected them, the shift as it shows, and
    the private notice to them."""

    signup: SignUp
    was: int
    minutes: int
    shown: dict[str, Any]
    notices: list[Envelope]


def correct_hours_of(
    session: Session,
    duty: Duty,
    actor: Actor,
    community: Place,
    number: int,
    who: Who,
    minutes: int,
) -> Corrected:
    """Whoever may confirm a shift's attendance corrects the time recorded for one person on
    it: more than nothing and no longer than the shift; their points follow."""
    shift = shift_in_hand(session, actor, community, number, heads=False)
    signup = someone_on(session, duty.now, shift, who)
    name = signup.resident.display_name
    hours = session.scalar(
        select(VolunteerHours)
        .where(
            VolunteerHours.shift_id == shift.id, VolunteerHours.resident_id == signup.resident_id
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if hours is None:
        raise DomainError("volunteering.hours_not_recorded", number=shift.number, name=name)
    longest = _minutes(shift.ends_at - shift.starts_at)
    if not 0 < minutes <= longest:
        raise DomainError("volunteering.bad_length", number=shift.number, longest=longest)
    was = hours.minutes
    if minutes == was:
        raise DomainError(
            "volunteering.hours_unchanged", number=shift.number, name=name, minutes=was
        )
    if minutes > was:
        require_hours_by_another(actor.resident, signup.resident)
    hours.minutes = minutes
    try:
        entry = correct_hours(session, duty.now, hours, actor.resident.id)
    except PrivateRefusal as refused:
        # A deduction may not take points held for a redemption: the time stays as it was.
        raise PrivateRefusal(
            "volunteering.hours_points_held",
            number=shift.number,
            name=name,
            held=refused.data.get("held", 0),
        ) from refused
    points = entry.amount if entry is not None else 0
    audit.record(
        session,
        duty.now,
        "shift.correct_hours",
        actor_id=actor.resident.id,
        target_id=signup.resident_id,
        place_id=community.id,
        shift=shift.number,
        was=was,
        minutes=minutes,
        points=points,
    )
    notices = tell(
        session,
        duty,
        signup,
        "volunteering.hours_corrected_notice",
        was=was,
        minutes=minutes,
        points=points,
    )
    return Corrected(signup, was, minutes, about(session, shift, duty.zone), notices)


# Totals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyHours:
    """A volunteer's confirmed minutes: in all, this month, and by project; whether they
    have registered a household (duty needs one), and their request to join one, waiting (for
    those who check households if `emptied`)."""

    total: int
    month: int
    shifts: int
    projects: list[tuple[str, int]]
    registered: bool
    waiting: int | None
    # Whether they may register in the private chat itself.
    here: bool
    emptied: bool


def my_hours(session: Session, now: datetime, zone: ZoneInfo, resident: Resident) -> MyHours:
    """My confirmed time."""
    mine = VolunteerHours.resident_id == resident.id
    today = now.astimezone(zone).date()
    month_start, _ = day_bounds(date(today.year, today.month, 1), zone)
    total, shifts = session.execute(
        select(func.coalesce(func.sum(VolunteerHours.minutes), 0), func.count()).where(mine)
    ).one()
    month = session.scalar(
        select(func.coalesce(func.sum(VolunteerHours.minutes), 0)).where(
            mine, VolunteerHours.served_at >= month_start
        )
    )
    projects = session.execute(
        select(VolunteerProject.title, func.sum(VolunteerHours.minutes))
        .join(VolunteerProject, VolunteerProject.id == VolunteerHours.project_id)
        .where(mine)
        .group_by(VolunteerProject.title)
        .order_by(func.sum(VolunteerHours.minutes).desc(), VolunteerProject.title)
    ).all()
    stands = standing(session, resident)
    return MyHours(
        int(total),
        int(month or 0),
        int(shifts),
        [(t, int(m)) for t, m in projects],
        resident.household_id is not None,
        stands.number,
        stands.registers_here,
        stands.emptied,
    )


@dataclass(frozen=True)
class Totals:
    """Confirmed minutes, projects and volunteers of a circle or a community."""

    minutes: int
    projects: int
    volunteers: int


def _totals(session: Session, where: ColumnElement[bool]) -> Totals:
    """Totals of the hours rows matching `where`."""
    minutes, projects, volunteers = session.execute(
        select(
            func.coalesce(func.sum(VolunteerHours.minutes), 0),
            func.count(distinct(VolunteerHours.project_id)),
            func.count(distinct(VolunteerHours.resident_id)),
        ).where(where)
    ).one()
    return Totals(int(minutes), int(projects), int(volunteers))


@dataclass(frozen=True)
class CommunityHours:
    """A community's name, confirmed time and top volunteers."""

    name: str
    whole: Totals
    top: list[tuple[str, int]]


def community_hours(session: Session, community: Place) -> CommunityHours:
    """A community's totals and top list."""
    return CommunityHours(
        community.name,
        _totals(session, VolunteerHours.community_id == community.id),
        top_volunteers(session, community),
    )


@dataclass(frozen=True)
class CircleHours:
    """A circle's name and confirmed time, and its community's."""

    circle: str
    here: Totals
    community: CommunityHours


def circle_hours(session: Session, circle: Circle, community: Place) -> CircleHours:
    """The totals a circle admin sees: the circle's, the community's and the top list."""
    return CircleHours(
        circle_title(session, circle),
        _totals(session, VolunteerHours.circle_id == circle.id),
        community_hours(session, community),
    )


def hours_shown(
    session: Session, now: datetime, zone: ZoneInfo, actor: Actor, mine: bool
) -> MyHours | CircleHours | list[CommunityHours]:
    """/hours: my confirmed time; unless they ask for their own, a circle's admins in its
    chat see the circle's and the community's, and secretaries and grid workers in private
    those of the communities they serve."""
    circle = actor.circle
    asked = circle is None and not mine
    overseen = overseen_communities(session, actor.resident.id) if asked else []
    if overseen:
        return [community_hours(session, community) for community in overseen]
    if mine or circle is None or not admin_here(session, actor):
        return my_hours(session, now, zone, actor.resident)
    return circle_hours(session, circle, community_for(session, actor.resident, circle))


def top_volunteers(session: Session, community: Place, limit: int = TOP) -> list[tuple[str, int]]:
    """The community's volunteers with the most confirmed time."""
    rows = session.execute(
        select(Resident.display_name, func.sum(VolunteerHours.minutes).label("minutes"))
        .join(Resident, Resident.id == VolunteerHours.resident_id)
        .where(VolunteerHours.community_id == community.id)
        .group_by(Resident.id, Resident.display_name)
        .order_by(func.sum(VolunteerHours.minutes).desc(), Resident.id)
        .limit(limit)
    ).all()
    return [(name, int(minutes)) for name, minutes in rows]
