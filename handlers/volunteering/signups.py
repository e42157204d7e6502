"""Sign-up for residents: the shift list, 接龙, withdrawing, check-in and hours."""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.services.common.arguments import as_number
from bot.services.common.keywords import folded
from bot.services.common.when import local_text
from bot.services.community import roles
from bot.services.volunteering import attendance, signups
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.reminders import local_day
from bot.services.volunteering.rosters import about, roster_reply, shift_data
from bot.services.volunteering.shift_spec import parse_day
from bot.services.volunteering.signups import Refused
from handlers import access
from handlers.access import community_here
from handlers.volunteering.common import bounded, duty, refusal, shift_numbers
from models import Shift, ShiftStatus

MAX_SIGNUPS = 10


LIST_LIMIT = 12


_MINE = frozenset({"我的", "我", "mine", "me", "my"})


def list_shifts(ctx: Context, args: str) -> Reply:
    """Upcoming shifts with places left; `值班表 12` one shift's list, `值班表 明天` a day."""
    text = folded(bounded(args))
    if text in _MINE:
        return _mine(ctx)
    community = community_here(ctx)
    number = as_number(text)
    if number is not None:
        shift = volunteering.find_shift(ctx.session, community, number)
        return _detail(ctx, shift)
    since = until = None
    day: date | None = None
    if text:
        day = parse_day(text, ctx.now, ctx.zone)
        if day is None:
            raise DomainError("volunteering.list_usage")
        since, until = volunteering.day_bounds(day, ctx.zone)
    found, total = volunteering.upcoming(
        ctx.session,
        ctx.now,
        community,
        circle=ctx.circle,
        since=since,
        until=until,
        limit=LIST_LIMIT,
    )
    return Reply(
        "volunteering.shift_list",
        {
            "where": roles.circle_title(ctx.session, ctx.circle) if ctx.circle else community.name,
            "shifts": [shift_data(view, ctx.zone) for view in found],
            "more": total - len(found),
            "day": [day.year, day.month, day.day, day.weekday()] if day else None,
        },
    )


def _detail(ctx: Context, shift: Shift) -> Reply:
    circle = shift.circle
    day = local_day(shift.starts_at, ctx.zone)
    roster = roster_reply(ctx.session, circle, day, ctx.zone) if circle else None
    entry = next(
        (s for s in (roster.data["shifts"] if roster else []) if s["number"] == shift.number),
        about(ctx.session, shift, ctx.zone)["shift"] | {"people": [], "waiting_names": []},
    )
    data = {
        "shift": entry,
        "signup_until": local_text(shift.signup_until, ctx.zone),
        "cancel_until": local_text(shift.cancel_until, ctx.zone),
    }
    if shift.status == ShiftStatus.CANCELLED or shift.starts_at <= ctx.now:
        return Reply("volunteering.shift_detail", data)
    return Reply(
        "volunteering.shift_detail",
        data,
        choices=[
            [
                Choice("volunteering.signup_button", f"/signup {shift.number}", translated=True),
                Choice("volunteering.cancel_button", f"/cancel {shift.number}", translated=True),
            ]
        ],
    )


def _mine(ctx: Context) -> Reply:
    mine = volunteering.my_shifts(ctx.session, ctx.now, ctx.resident)
    return Reply(
        "volunteering.my_shifts",
        {
            "name": ctx.resident.display_name,
            "shifts": [
                shift_data(view, ctx.zone) | {"status": signup.status.value}
                for view, signup in mine
            ],
        },
        audience=Audience.PRIVATE,
    )


def signup(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Sign up for shifts (`报名 12`, `报名 12 13`); a full shift puts me on its waitlist."""
    numbers = shift_numbers(bounded(args), "volunteering.signup_usage", MAX_SIGNUPS)
    community = community_here(ctx)
    done = signups.sign_up_for(ctx.session, duty(ctx), ctx.resident, community, numbers)
    replies: list[Reply | Envelope] = [
        refusal(outcome) if isinstance(outcome, Refused) else _joined(ctx, done.days, outcome)
        for outcome in done.outcomes
    ]
    return [*replies, *done.notices]


def _joined(ctx: Context, days: int, joined: signups.Joined) -> Reply:
    shift = joined.signup.shift
    return Reply(
        "volunteering.signed_up",
        joined.shown
        | {
            "name": ctx.resident.display_name,
            "status": joined.signup.status.value,
            "position": joined.position,
            "cancel_until": local_text(shift.cancel_until, ctx.zone),
            "noshows": joined.noshows,
            "days": days,
        },
    )


def cancel(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Withdraw from shifts (`取消报名 12`), before their cutoff; the waitlists move up."""
    numbers = shift_numbers(bounded(args), "volunteering.cancel_usage", MAX_SIGNUPS)
    community = community_here(ctx)
    done = signups.withdraw_from(ctx.session, duty(ctx), ctx.resident, community, numbers)
    replies: list[Reply | Envelope] = [
        refusal(outcome) if isinstance(outcome, Refused) else _withdrawn(ctx, outcome)
        for outcome in done.outcomes
    ]
    return [*replies, *done.notices]


def _withdrawn(ctx: Context, gone: signups.Withdrawn) -> Reply:
    return Reply(
        "volunteering.withdrawn",
        gone.shown
        | {
            "name": ctx.resident.display_name,
            "was": gone.was.value,
            "promoted": [s.resident.display_name for s in gone.promoted],
        },
    )


def _optional_number(args: str, usage: str) -> int | None:
    text = bounded(args)
    return shift_numbers(text, usage, 1)[0] if text else None


def checkin(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Check in to my shift (`签到`, or `签到 12`)."""
    number = _optional_number(args, "volunteering.checkin_usage")
    resident = ctx.resident
    # Like every duty command, said only where a community is known.
    community_here(ctx)
    done = attendance.check_in(ctx.session, duty(ctx), resident, number)
    data = done.shown | {
        "name": resident.display_name,
        "at": local_text(ctx.now, ctx.zone)[-5:],
    }
    return [Reply("volunteering.checked_in", data), *done.notices]


def checkout(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Check out of my shift (`签退`); the time since check-in, within the shift, counts."""
    number = _optional_number(args, "volunteering.checkout_usage")
    resident = ctx.resident
    # Like every duty command, said only where a community is known.
    community_here(ctx)
    done = attendance.check_out(ctx.session, duty(ctx), resident, number)
    data = done.shown | {
        "name": resident.display_name,
        "minutes": done.served.hours.minutes,
    }
    return [Reply("volunteering.checked_out", data), *done.notices]


def hours(ctx: Context, args: str) -> Reply:
    """My confirmed hours; circle admins in their group see the circle's and community's."""
    if folded(bounded(args)) not in ("", *_MINE):
        raise DomainError("volunteering.hours_usage")
    if access.admin_here(ctx) and not folded(args):
        return _circle_hours(ctx)
    mine = attendance.my_hours(ctx.session, ctx.now, ctx.zone, ctx.resident)
    return Reply(
        "volunteering.my_hours",
        {
            "name": ctx.resident.display_name,
            "total": mine.total,
            "month": mine.month,
            "shifts": mine.shifts,
            "projects": mine.projects,
        },
        audience=Audience.PRIVATE,
    )


def _circle_hours(ctx: Context) -> Reply:
    circle = ctx.require_circle()
    community = community_here(ctx)
    found = attendance.circle_hours(ctx.session, circle, community)
    here, whole = found.here, found.whole
    return Reply(
        "volunteering.circle_hours",
        {
            "circle": roles.circle_title(ctx.session, circle),
            "community": community.name,
            "here": [here.minutes, here.projects, here.volunteers],
            "whole": [whole.minutes, whole.projects, whole.volunteers],
            "top": found.top,
        },
    )
