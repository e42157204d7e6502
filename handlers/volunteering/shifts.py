"""Shifts for admins: making, changing and cancelling them, attendance, approvals, rules."""

from __future__ import annotations

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Choice, Envelope, Reply
from bot.services.common.arguments import number_and_rest, split_items
from bot.services.common.when import local_text
from bot.services.community.people import ensure_identity
from bot.services.volunteering import attendance
from bot.services.volunteering import rules as duty_rules
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.rosters import about, shift_data
from bot.services.volunteering.shift_spec import parse_items, parse_shift
from bot.services.volunteering.shifts import ShiftView
from handlers.access import actor_of, community_here
from handlers.volunteering.common import (
    bounded,
    promotions,
    rosters,
    rules_here,
    shift_numbers,
    tell,
)
from models import Place, Resident, Shift, SignUp


def shift(ctx: Context, args: str) -> Reply:
    """Create a shift, or a rota of shifts, in this circle (admins)."""
    circle = ctx.require_circle()
    items = parse_shift(bounded(args), ctx.now, ctx.zone)
    community = community_here(ctx)
    created = volunteering.create_shifts(
        ctx.session, ctx.now, ctx.zone, actor_of(ctx), circle, items, rules_here(ctx, community)
    )
    shifts = created.shifts
    if len(shifts) == 1:
        number = shifts[0].number
        return Reply(
            "volunteering.shift_created",
            about(ctx.session, shifts[0], ctx.zone) | {"started": created.started},
            choices=[[Choice("volunteering.signup_button", f"/signup {number}", translated=True)]],
        )
    first = shift_data(ShiftView(shifts[0], 0, 0), ctx.zone)
    last = shift_data(ShiftView(shifts[-1], 0, 0), ctx.zone)
    return Reply(
        "volunteering.rota_created",
        {
            "title": items.title,
            "place": shifts[0].place,
            "count": len(shifts),
            "first": first,
            "last": last,
            "capacity": shifts[0].capacity,
            "role": first["role"],
            "started": created.started,
        },
        choices=[[Choice("volunteering.list_button", "/shifts", translated=True)]],
    )


def edit_shift(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Change shifts: `/editshift 12 | 3人`, `/editshift 12-20 | 09:00-11:00` (admins)."""
    items = split_items(bounded(args))
    if len(items) < 2:
        raise DomainError("volunteering.edit_usage")
    numbers = shift_numbers(items[0], "volunteering.edit_usage")
    community = community_here(ctx)
    changes = parse_items(items[1:], ctx.now, ctx.zone)
    edited = volunteering.edit_shifts(
        ctx.session,
        ctx.now,
        ctx.zone,
        actor_of(ctx),
        community,
        numbers,
        changes,
        rules_here(ctx, community),
    )
    told: list[Envelope] = []
    for signup in edited.told:
        told += tell(ctx, signup, "volunteering.shift_changed", changed=edited.changed)
    told += promotions(ctx, edited.promoted)
    reply = Reply(
        "volunteering.shifts_edited",
        {
            "numbers": [s.number for s in edited.shifts],
            "changed": edited.changed,
            "told": len({s.resident_id for s in edited.told}),
        },
    )
    return [reply, *told, *rosters(ctx, edited.shifts, create=False, also=edited.days)]


def cancel_shift(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Cancel shifts that have not started: `/cancelshift 12`, `/cancelshift 12-20` (admins)."""
    numbers = shift_numbers(bounded(args), "volunteering.cancel_shift_usage")
    cancelled = volunteering.cancel_shifts(
        ctx.session, ctx.now, actor_of(ctx), community_here(ctx), numbers
    )
    told: list[Envelope] = []
    for signup in cancelled.told:
        told += tell(ctx, signup, "volunteering.shift_cancelled_notice")
    reply = Reply(
        "volunteering.shifts_cancelled",
        {
            "numbers": [s.number for s in cancelled.shifts],
            "told": len({s.resident_id for s in cancelled.told}),
        },
    )
    return [reply, *told, *rosters(ctx, cancelled.shifts, create=False)]


def _person(ctx: Context, args: str, usage: str) -> tuple[Shift, SignUp]:
    number, rest = number_and_rest(bounded(args), usage)
    shift = volunteering.find_shift(ctx.session, community_here(ctx), number)
    named: Resident | None = None
    if ctx.incoming.mentions:
        user = ctx.incoming.mentions[0]
        identity = ensure_identity(
            ctx.session, user.platform, user.user_id, user.display_name, ctx.now
        )
        named = identity.resident
    elif not rest:
        raise DomainError(usage)
    return shift, volunteering.person_on(ctx.session, shift, rest, named)


def attend(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Confirm attendance: everyone on shift 12 (`/attend 12`) or one (`/attend 12 2`) (admins)."""
    number, rest = number_and_rest(bounded(args), "volunteering.attend_usage")
    community = community_here(ctx)
    shift = volunteering.find_shift(ctx.session, community, number)
    signup = None
    if rest or ctx.incoming.mentions:
        shift, signup = _person(ctx, args, "volunteering.attend_usage")
    served = attendance.confirm(ctx.session, ctx.now, actor_of(ctx), shift, signup)
    reply = Reply(
        "volunteering.attendance_confirmed",
        about(ctx.session, shift, ctx.zone)
        | {"people": [[s.signup.resident.display_name, s.hours.minutes] for s in served]},
    )
    return [reply, *rosters(ctx, [shift], create=False)]


def noshow(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Mark someone on a started shift absent: `/noshow 12 2` or `/noshow 12 @张三` (admins)."""
    shift, signup = _person(ctx, args, "volunteering.noshow_usage")
    attendance.mark_noshow(ctx.session, ctx.now, actor_of(ctx), shift, signup)
    reply = Reply(
        "volunteering.noshow_marked",
        about(ctx.session, shift, ctx.zone) | {"name": signup.resident.display_name},
    )
    return [reply, *rosters(ctx, [shift], create=False)]


def approve(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Approve a sign-up that waits for approval after no-shows (admins)."""
    return _decide(ctx, args, approved=True)


def decline(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Decline a sign-up that waits for approval after no-shows (admins)."""
    return _decide(ctx, args, approved=False)


def _decide(ctx: Context, args: str, approved: bool) -> list[Reply | Envelope]:
    shift, signup = _person(ctx, args, "volunteering.approve_usage")
    community = ctx.session.get_one(Place, shift.community_id)
    decided = volunteering.decide(
        ctx.session, ctx.now, ctx.zone, actor_of(ctx), signup, approved, rules_here(ctx, community)
    )
    name = signup.resident.display_name
    data = about(ctx.session, shift, ctx.zone) | {"name": name, "approved": approved}
    cutoff = local_text(shift.cancel_until, ctx.zone)
    told = tell(ctx, signup, "volunteering.decision_notice", approved=approved, cancel_until=cutoff)
    return [
        Reply("volunteering.decided", data),
        *told,
        *promotions(ctx, decided.promoted),
        *rosters(ctx, [shift], create=False),
    ]


def dutyrules(ctx: Context, args: str) -> Reply:
    """Show, or change (secretaries), the community's duty reminders, cutoff and no-show rule."""
    community = community_here(ctx)
    if bounded(args):
        changes = duty_rules.parse_rules(args)
        duty_rules.change_rules(ctx.session, ctx.now, ctx.resident, community, changes)
        if changes.reminders:
            volunteering.reschedule_community(
                ctx.session, ctx.now, ctx.zone, community, rules_here(ctx, community)
            )
    current = rules_here(ctx, community)
    return Reply(
        "volunteering.rules",
        {
            "community": community.name,
            "day_before": current.day_before_at.strftime("%H:%M") if current.day_before_at else "",
            "hour_before": int(current.hour_before.total_seconds() // 60)
            if current.hour_before
            else 0,
            "cancel": int(current.cancel_before.total_seconds() // 60),
            "noshow_limit": current.noshow_limit or 0,
            "noshow_days": current.noshow_window.days,
            "changed": bool(args.strip()),
        },
    )
