"""What the duty commands share: reading numbers, the actor's community, telling volunteers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import partial

from bot.context import Context
from bot.messages import Choice, Envelope, Reply
from bot.services.common import arguments
from bot.services.common.arguments import numbers_and_ranges
from bot.services.common.outreach import circle_admins, secretaries
from bot.services.common.when import local_text
from bot.services.volunteering import rules as duty_rules
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.reminders import local_day
from bot.services.volunteering.rosters import about, refresh_rosters, to_volunteer
from bot.services.volunteering.rules import DutyRules
from models import Place, Shift, SignUp, SignUpStatus

MAX_ARGUMENT = 500

bounded = partial(arguments.bounded, limit=MAX_ARGUMENT)


def shift_numbers(text: str, usage: str, limit: int = volunteering.MAX_NUMBERS) -> list[int]:
    """Shift numbers and ranges (`12 13`, `12-20`), each once, at most `limit` of them."""
    return numbers_and_ranges(text, usage, limit, too_many="volunteering.too_many_numbers")


def rules_here(ctx: Context, community: Place) -> DutyRules:
    """The duty rules of a community."""
    return duty_rules.rules_for(ctx.session, community.id, ctx.settings.volunteering)


def repost_after(ctx: Context) -> timedelta:
    """How long a changed roster waits before it is re-posted where edits are impossible."""
    return timedelta(seconds=ctx.settings.volunteering.roster_repost_seconds)


def rosters(
    ctx: Context, shifts: list[Shift], *, create: bool, also: Iterable[date] = ()
) -> list[Envelope]:
    """The roster messages of these shifts' days (and `also` those days) in their circles."""
    envelopes: list[Envelope] = []
    by_circle: dict[int, list[Shift]] = {}
    for shift in shifts:
        if shift.circle is not None:
            by_circle.setdefault(shift.circle.id, []).append(shift)
    for group in by_circle.values():
        days = [local_day(s.starts_at, ctx.zone) for s in group] + list(also)
        envelopes += refresh_rosters(
            ctx.session,
            ctx.now,
            ctx.zone,
            group[0].circle,
            days,
            ctx.default_language,
            repost_after(ctx),
            create=create,
        )
    return envelopes


def tell(ctx: Context, signup: SignUp, template: str, **extra: object) -> list[Envelope]:
    """A private message to a volunteer about their sign-up."""
    data = about(ctx.session, signup.shift, ctx.zone) | {"name": signup.resident.display_name}
    reply = Reply(template, data | extra)
    return to_volunteer(
        ctx.session, signup.resident, signup.shift.circle, reply, ctx.default_language
    )


def promotions(ctx: Context, promoted: list[SignUp]) -> list[Envelope]:
    """Tell each volunteer moved up from a waitlist."""
    envelopes: list[Envelope] = []
    for signup in promoted:
        if signup.status == SignUpStatus.PENDING:
            envelopes += approval_requests(ctx, signup)
        else:
            cutoff = local_text(signup.shift.cancel_until, ctx.zone)
            envelopes += tell(ctx, signup, "volunteering.promoted", cancel_until=cutoff)
    return envelopes


def approval_requests(ctx: Context, signup: SignUp) -> list[Envelope]:
    """Ask the circle's admins privately to approve a held sign-up."""
    shift = signup.shift
    community = ctx.session.get_one(Place, shift.community_id)
    deciders = (circle_admins(ctx.session, shift.circle) if shift.circle else []) or secretaries(
        ctx.session, community
    )
    rules_now = rules_here(ctx, community)
    name = signup.resident.display_name
    reply = Reply(
        "volunteering.approval_request",
        about(ctx.session, shift, ctx.zone)
        | {
            "name": name,
            "noshows": volunteering.recent_noshows(
                ctx.session, ctx.now, signup.resident, community, rules_now
            ),
            "days": rules_now.noshow_window.days,
        },
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
        for e in to_volunteer(ctx.session, person, shift.circle, reply, ctx.default_language)
    ]
