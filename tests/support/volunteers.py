"""A community on duty: shifts created and signed up for through the services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import App
from bot.clock import VirtualClock
from bot.services.common.access import Actor
from bot.services.common.quiet import default_quiet
from bot.services.volunteering import arranging, signups
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.notices import Duty
from bot.services.volunteering.rules import DutyRules, rules_for
from bot.services.volunteering.shift_spec import parse_shift
from models import DutyReminder, SignUp, SignUpStatus
from tests.support.community import circle, community, resident, session_of


def rules(app: App) -> DutyRules:
    """The test community's duty rules."""
    with session_of(app) as session:
        return rules_for(session, community(session).id, app.settings.volunteering)


def duty(app: App, session: Session) -> Duty:
    """The test community's duty now, as a command in it would act."""
    settings = app.settings.volunteering
    return Duty(
        now=app.clock.now(),
        zone=app.settings.zone,
        settings=settings,
        language="zh-Hans",
        repost_after=timedelta(seconds=settings.roster_repost_seconds),
        quiet=default_quiet(app.settings),
    )


def create(app: App, text: str, user: str = "owner", chat: str = "g1") -> list[int]:
    """An admin creates shifts through the service; returns their numbers."""
    now = app.clock.now()
    with session_of(app) as session:
        home = circle(session, chat)
        made = arranging.create_shifts(
            session,
            duty(app, session),
            Actor(resident(session, user), home, platform_admin=True),
            home,
            parse_shift(text, now, app.settings.zone),
        )
        return [shift.number for shift in made.shifts]


def join(app: App, user: str, number: int) -> signups.Joined:
    """`user` signs up for shift `number` through the service, in their own transaction."""
    with session_of(app) as session:
        return signups.sign_up(
            session,
            app.clock.now(),
            app.settings.zone,
            resident(session, user),
            volunteering.find_shift(session, community(session), number),
            rules_for(session, community(session).id, app.settings.volunteering),
        )


def leave(app: App, user: str, number: int) -> signups.Withdrawn:
    """`user` withdraws from shift `number` through the service."""
    with session_of(app) as session:
        return signups.withdraw(
            session,
            app.clock.now(),
            app.settings.zone,
            resident(session, user),
            volunteering.find_shift(session, community(session), number),
            rules_for(session, community(session).id, app.settings.volunteering),
        )


def statuses(app: App, number: int) -> dict[str, SignUpStatus]:
    """Each volunteer's status on shift `number`, by console user id."""
    with session_of(app) as session:
        shift = volunteering.find_shift(session, community(session), number)
        return {
            signup.resident.identities[0].external_id: signup.status
            for signup in session.scalars(
                select(SignUp).where(SignUp.shift_id == shift.id).order_by(SignUp.id)
            )
        }


def pending_reminders(app: App) -> list[tuple[str, str]]:
    """The reminders still to go, as (key, local due time), in due order."""
    zone = app.settings.zone
    with session_of(app) as session:
        rows = session.scalars(
            select(DutyReminder)
            .where(DutyReminder.sent_at.is_(None), DutyReminder.skipped_at.is_(None))
            .order_by(DutyReminder.due_at, DutyReminder.id)
        )
        return [(row.key, f"{row.due_at.astimezone(zone):%m-%d %H:%M}") for row in rows]


def advance(app: App, **delta: float) -> None:
    """Move the virtual clock forward without running the scheduler."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(**delta))
