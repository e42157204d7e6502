"""Relay sign-up (接龙): taking places and waitlist spots, withdrawing, moving up, approval.

A command naming several shifts (`报名 2 3 4`) does each one it can, each in its own
savepoint, and reports each one it could not with the reason: what the reply says is
what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Envelope
from bot.services.common import audit
from bot.services.common.access import (
    Actor,
    holds,
    holds_any_role_around,
    unregistered,
)
from bot.services.common.when import moment_data
from bot.services.volunteering.notices import (
    Duty,
    approval_requests,
    promotions,
    rosters,
    tell,
)
from bot.services.volunteering.reminders import schedule_signup, skip_signup
from bot.services.volunteering.rosters import about
from bot.services.volunteering.rules import DutyRules, rules_for
from bot.services.volunteering.shifts import (
    ACTIVE,
    HOLDING,
    ShiftView,
    Who,
    counts,
    find_shift,
    lock,
    lock_resident,
    recent_noshows,
    shift_in_hand,
    someone_on,
    taken,
    waitlist,
    withdrawable,
)
from models import Circle, Place, Resident, Shift, ShiftStatus, SignUp, SignUpStatus

Done = TypeVar("Done")


@dataclass(frozen=True)
class Refused:
    """One shift (or person) of a several-shift (or several-person) command that could not be
    done, and why (a refusal's template and its data)."""

    key: str
    data: dict[str, Any]


def each_number(
    session: Session, numbers: list[int], act: Callable[[int], Done]
) -> list[Done | Refused]:
    """Do `act` for each number in its own savepoint; a refusal undoes that one alone.

    One number alone is refused as a whole, as any command is.
    """
    if len(numbers) == 1:
        return [act(numbers[0])]
    outcomes: list[Done | Refused] = []
    for number in numbers:
        try:
            with session.begin_nested():
                outcomes.append(act(number))
        except DomainError as error:
            refusal = Refused(error.key, error.data)
            # The same reason for several shifts (not registered, say) is said once.
            if refusal not in outcomes:
                outcomes.append(refusal)
    return outcomes


# Signing up ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    """A sign-up, its position on the list or waitlist, the volunteer's recent no-shows,
    and the shift as it now shows."""

    signup: SignUp
    position: int
    noshows: int
    shown: dict[str, Any]


@dataclass(frozen=True)
class SignedUp:
    """What `报名 2 3 4` did for each number, in order, the days no-shows count for, and
    the messages it sends."""

    outcomes: list[Joined | Refused]
    days: int
    notices: list[Envelope]


def sign_up_for(
    session: Session, duty: Duty, resident: Resident, community: Place, numbers: list[int]
) -> SignedUp:
    """Sign up for each of these shifts that will take me; held sign-ups ask for approval."""
    rules = rules_for(session, community.id, duty.settings)

    def join(number: int) -> Joined:
        shift = find_shift(session, community, number)
        return sign_up(session, duty.now, duty.zone, resident, shift, rules)

    outcomes = each_number(session, numbers, join)
    joined = [o for o in outcomes if isinstance(o, Joined)]
    notices = [
        e
        for j in joined
        if j.signup.status == SignUpStatus.PENDING
        for e in approval_requests(session, duty, j.signup)
    ]
    shifts = [j.signup.shift for j in joined]
    notices += rosters(session, duty, shifts, create=True)
    return SignedUp(outcomes, rules.noshow_window.days, notices)


def sign_up(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    resident: Resident,
    shift: Shift,
    rules: DutyRules,
) -> Joined:
    """Take a place on a shift, or a place on its waitlist when it is full."""
    lock_resident(session, resident)
    shift = lock(session, shift)
    community = session.get_one(Place, shift.community_id)
    _open_for_signup(shift, now, zone)
    mine = session.scalar(
        select(SignUp).where(SignUp.shift_id == shift.id, SignUp.resident_id == resident.id)
    )
    if mine is not None and mine.status in ACTIVE:
        raise DomainError(
            "volunteering.already_signed_up", number=shift.number, status=mine.status.value
        )
    _eligible(session, resident, shift, community)
    _refuse_overlap(session, now, resident, shift, zone)
    noshows = recent_noshows(session, now, resident, community, rules)
    held = rules.noshow_limit is not None and noshows >= rules.noshow_limit
    status, position = _place(session, shift, held)
    if mine is None:
        mine = SignUp(shift_id=shift.id, resident_id=resident.id, status=status, queued_at=now)
        session.add(mine)
    mine.shift, mine.resident = shift, resident
    mine.status, mine.queued_at, mine.cancelled_at, mine.decided_by_id = status, now, None, None
    session.flush()
    if status == SignUpStatus.SIGNED_UP:
        schedule_signup(session, now, zone, mine, rules)
    return Joined(mine, position, noshows, about(session, shift, zone))


def _open_for_signup(shift: Shift, now: datetime, zone: ZoneInfo) -> None:
    if shift.status == ShiftStatus.CANCELLED:
        raise DomainError("volunteering.shift_cancelled", number=shift.number)
    if now >= shift.starts_at:
        raise DomainError("volunteering.shift_started", number=shift.number)
    if now >= shift.signup_until:
        raise DomainError(
            "volunteering.signup_closed",
            number=shift.number,
            at=moment_data(shift.signup_until, zone, now),
        )


def _place(session: Session, shift: Shift, held: bool) -> tuple[SignUpStatus, int]:
    """Where a new sign-up goes: a place (held for approval or not), else the waitlist."""
    tally = counts(session, [shift.id])[shift.id]
    if taken(tally) < shift.capacity:
        return (SignUpStatus.PENDING if held else SignUpStatus.SIGNED_UP), taken(tally) + 1
    if shift.waitlist_limit is None or tally[SignUpStatus.WAITLISTED] < shift.waitlist_limit:
        return SignUpStatus.WAITLISTED, tally[SignUpStatus.WAITLISTED] + 1
    raise DomainError("volunteering.shift_full", number=shift.number, waitlist=shift.waitlist_limit)


def _eligible(session: Session, resident: Resident, shift: Shift, community: Place) -> None:
    home = resident.household
    member = home is not None and community.contains(home)
    if not member and not holds_any_role_around(session, resident.id, community):
        raise unregistered(session, resident, "volunteering.register_first")
    role = shift.required_role
    if role is not None and not holds(session, resident.id, role, community):
        raise DomainError("volunteering.role_required", number=shift.number, role=role.value)


def _refuse_overlap(
    session: Session, now: datetime, resident: Resident, shift: Shift, zone: ZoneInfo
) -> None:
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
            at=moment_data(other.starts_at, zone, now),
        )


# Withdrawing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrewFrom:
    """What `取消报名 2 3 4` did for each number, in order, and the messages it sends."""

    outcomes: list[Withdrawn | Refused]
    notices: list[Envelope]


def withdraw_from(
    session: Session, duty: Duty, resident: Resident, community: Place, numbers: list[int]
) -> WithdrewFrom:
    """Withdraw from each of these shifts that allows it; the waitlists move up."""
    rules = rules_for(session, community.id, duty.settings)

    def leave(number: int) -> Withdrawn:
        shift = find_shift(session, community, number)
        return withdraw(session, duty.now, duty.zone, resident, shift, rules)

    outcomes = each_number(session, numbers, leave)
    gone = [o for o in outcomes if isinstance(o, Withdrawn)]
    promoted = [s for g in gone for s in g.promoted]
    shifts = [g.signup.shift for g in gone]
    notices = [
        *promotions(session, duty, promoted),
        *rosters(session, duty, shifts, create=True),
    ]
    return WithdrewFrom(outcomes, notices)


@dataclass(frozen=True)
class NotGoing:
    """What `我不去了` did: the withdrawal from one's only shift here, or else the shifts one
    signed up for here to choose from (none, or several), each with whether its cutoff
    has passed."""

    withdrew: WithdrewFrom | None
    choices: list[tuple[ShiftView, SignUp, bool]]


def not_going(
    session: Session, duty: Duty, resident: Resident, community: Place, circle: Circle | None
) -> NotGoing:
    """Withdraw from the one shift of the circle (of the community, if none) the resident
    signed up for and that has not started; with several, nothing is chosen for them."""
    mine = withdrawable(session, duty.now, resident, community, circle)
    if len(mine) != 1:
        return NotGoing(None, [(view, s, too_late(s, duty.now)) for view, s in mine])
    number = mine[0][0].shift.number
    return NotGoing(withdraw_from(session, duty, resident, community, [number]), [])


@dataclass(frozen=True)
class Withdrawn:
    """A withdrawal, whoever moved up from the waitlist into the freed place, and the
    shift as it now shows."""

    signup: SignUp
    was: SignUpStatus
    promoted: list[SignUp]
    shown: dict[str, Any]


def withdraw(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    resident: Resident,
    shift: Shift,
    rules: DutyRules,
) -> Withdrawn:
    """Withdraw from a shift: from a place before its cutoff, from the waitlist before it starts."""
    shift = lock(session, shift)
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
    if too_late(mine, now):
        raise DomainError(
            "volunteering.cancel_closed",
            number=shift.number,
            at=moment_data(shift.cancel_until, zone, now),
        )
    return _release(session, now, zone, mine, rules)


def too_late(signup: SignUp, now: datetime) -> bool:
    """Whether it is too late to withdraw: a place is held until the cutoff, a waitlist spot
    until the start."""
    return signup.status in HOLDING and now >= signup.shift.cancel_until


def _release(
    session: Session, now: datetime, zone: ZoneInfo, mine: SignUp, rules: DutyRules
) -> Withdrawn:
    was = mine.status
    mine.status, mine.cancelled_at = SignUpStatus.CANCELLED, now
    skip_signup(session, now, mine, "cancelled")
    session.flush()
    promoted = promote(session, now, zone, mine.shift, rules) if was in HOLDING else []
    return Withdrawn(mine, was, promoted, about(session, mine.shift, zone))


@dataclass(frozen=True)
class Released:
    """Everything given up by someone erasing themselves, and the messages it sends."""

    withdrawn: list[Withdrawn]
    notices: list[Envelope]


def release_all(session: Session, duty: Duty, resident: Resident) -> Released:
    """Give up every place and waitlist spot of someone erasing themselves, whatever the
    cutoff (a person who is gone cannot serve); the waitlists move up."""
    held = session.scalars(
        select(SignUp)
        .join(Shift, Shift.id == SignUp.shift_id)
        .where(
            SignUp.resident_id == resident.id,
            SignUp.status.in_(ACTIVE),
            Shift.starts_at > duty.now,
        )
        .order_by(SignUp.id)
    ).all()
    released: list[Withdrawn] = []
    rules: dict[int, DutyRules] = {}
    for mine in held:
        shift = lock(session, mine.shift)
        if shift.community_id not in rules:
            rules[shift.community_id] = rules_for(session, shift.community_id, duty.settings)
        released.append(_release(session, duty.now, duty.zone, mine, rules[shift.community_id]))
    notices: list[Envelope] = []
    for community_id in rules:
        gone = [g for g in released if g.signup.shift.community_id == community_id]
        notices += promotions(session, duty, [s for g in gone for s in g.promoted])
        notices += rosters(session, duty, [g.signup.shift for g in gone], create=False)
    return Released(released, notices)


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


# Approval after no-shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """An admin's decision on a sign-up waiting for approval, the shift as it now shows,
    and the messages it sends."""

    signup: SignUp
    approved: bool
    promoted: list[SignUp]
    shown: dict[str, Any]
    notices: list[Envelope]


def decide(
    session: Session,
    duty: Duty,
    actor: Actor,
    community: Place,
    number: int,
    who: Who,
    approved: bool,
) -> Decided:
    """An admin or the head of the shift's building or unit approves or declines a sign-up
    that waits for approval."""
    shift = lock(session, shift_in_hand(session, actor, community, number))
    signup = someone_on(session, duty.now, shift, who)
    if signup.status != SignUpStatus.PENDING:
        raise DomainError(
            "volunteering.not_pending", number=shift.number, name=signup.resident.display_name
        )
    signup.decided_by_id = actor.resident.id
    rules = rules_for(session, community.id, duty.settings)
    promoted: list[SignUp] = []
    if approved:
        signup.status = SignUpStatus.SIGNED_UP
        schedule_signup(session, duty.now, duty.zone, signup, rules)
    else:
        signup.status, signup.cancelled_at = SignUpStatus.CANCELLED, duty.now
        session.flush()
        promoted = promote(session, duty.now, duty.zone, shift, rules)
    audit.record(
        session,
        duty.now,
        "signup.approve" if approved else "signup.decline",
        actor_id=actor.resident.id,
        target_id=signup.resident_id,
        place_id=community.id,
        shift=shift.number,
    )
    cutoff = moment_data(shift.cancel_until, duty.zone, duty.now)
    notices = [
        *tell(
            session,
            duty,
            signup,
            "volunteering.decision_notice",
            approved=approved,
            cancel_until=cutoff,
        ),
        *promotions(session, duty, promoted),
        *rosters(session, duty, [shift], create=False),
    ]
    return Decided(signup, approved, promoted, about(session, shift, duty.zone), notices)
