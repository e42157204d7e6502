"""What duty changes tell people: private notices, approval requests and the day's rosters.

Every duty verb that changes who is on a shift returns these messages with its result,
so the chats always show what happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.messages import Choice, Envelope, Reply
from bot.services.common.outreach import circle_admins, leaders, secretaries
from bot.services.common.quiet import QuietHours, quiet_hours
from bot.services.common.when import moment_data
from bot.services.volunteering.reminders import local_day
from bot.services.volunteering.rosters import about, refresh_rosters, to_volunteer
from bot.services.volunteering.rules import rules_for
from bot.services.volunteering.settings import VolunteeringSettings
from bot.services.volunteering.shifts import recent_noshows
from models import Place, Shift, SignUp, SignUpStatus


@dataclass(frozen=True)
class Duty:
    """What a duty verb works with: the moment, the zone, the settings whose defaults each
    community's rules start from, and how its messages go out (the default language, the
    re-post delay of changed rosters, the quiet hours of a community that set none)."""

    now: datetime
    zone: ZoneInfo
    settings: VolunteeringSettings
    language: str
    repost_after: timedelta
    quiet: QuietHours


def rosters(
    session: Session, duty: Duty, shifts: list[Shift], *, create: bool, also: Iterable[date] = ()
) -> list[Envelope]:
    """The roster messages of these shifts' days (and `also` those days) in their circles."""
    envelopes: list[Envelope] = []
    by_circle: dict[int, list[Shift]] = {}
    for shift in shifts:
        if shift.circle is not None:
            by_circle.setdefault(shift.circle.id, []).append(shift)
    for group in by_circle.values():
        days = [local_day(s.starts_at, duty.zone) for s in group] + list(also)
        envelopes += refresh_rosters(
            session,
            duty.now,
            duty.zone,
            group[0].circle,
            days,
            duty.language,
            duty.repost_after,
            create=create,
        )
    return envelopes


def tell(
    session: Session, duty: Duty, signup: SignUp, template: str, **extra: object
) -> list[Envelope]:
    """A private message to a volunteer about their sign-up."""
    data = about(session, signup.shift, duty.zone) | {"name": signup.resident.display_name}
    reply = Reply(template, data | extra)
    return to_volunteer(session, signup.resident, signup.shift.circle, reply, duty.language)


def tell_each(
    session: Session, duty: Duty, signups: Iterable[SignUp], template: str, **extra: object
) -> list[Envelope]:
    """The same private notice to each of these volunteers."""
    return [e for signup in signups for e in tell(session, duty, signup, template, **extra)]


def promotions(session: Session, duty: Duty, promoted: list[SignUp]) -> list[Envelope]:
    """Tell each volunteer moved up from a waitlist (or ask for approval where it is needed)."""
    envelopes: list[Envelope] = []
    for signup in promoted:
        if signup.status == SignUpStatus.PENDING:
            envelopes += approval_requests(session, duty, signup)
        else:
            shift = signup.shift
            cutoff = moment_data(shift.cancel_until, duty.zone, duty.now)
            # Held through the night, the news may arrive after the time to withdraw.
            quiet = quiet_hours(session, shift.community_id, duty.quiet)
            arrives = quiet.over(duty.now) if quiet.holds(duty.now) else duty.now
            late = shift.cancel_until <= arrives
            envelopes += tell(
                session, duty, signup, "volunteering.promoted", cancel_until=cutoff, late=late
            )
    return envelopes


def approval_requests(session: Session, duty: Duty, signup: SignUp) -> list[Envelope]:
    """Ask the circle's admins and the heads of its building or unit (else the secretaries)
    privately to approve a held sign-up."""
    shift = signup.shift
    community = session.get_one(Place, shift.community_id)
    here = shift.circle
    local = circle_admins(session, here) + leaders(session, here.place) if here else []
    deciders = list({r.id: r for r in local}.values()) or secretaries(session, community)
    name = signup.resident.display_name
    rules = rules_for(session, community.id, duty.settings)
    noshows = recent_noshows(session, duty.now, signup.resident, community, rules)
    reply = Reply(
        "volunteering.approval_request",
        about(session, shift, duty.zone)
        | {"name": name, "noshows": noshows, "days": rules.noshow_window.days},
        choices=[
            [
                Choice(
                    "volunteering.approve_button",
                    f"/approve {shift.number} @{name}",
                    translated=True,
                ),
                Choice(
                    "volunteering.decline_button",
                    f"/decline {shift.number} @{name}",
                    translated=True,
                ),
            ]
        ],
    )
    return [
        e
        for person in deciders
        for e in to_volunteer(session, person, shift.circle, reply, duty.language)
    ]
