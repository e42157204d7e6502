"""Volunteer duty: shifts and rotas, relay sign-up (接龙), attendance and hours.

Shifts are numbered within their community, and /shifts shows those numbers: `报名 12`
signs up for shift #12 from any chat of the community (in a private chat, of the
sender's community). In admin commands a person on a shift is named by their number
on its 接龙 list (`缺勤 12 2`), by @name, or by a mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.services.common.outreach import Actor, circle_admins, secretaries
from bot.services.common.when import local_text
from bot.services.community import roles
from bot.services.community.people import ensure_identity
from bot.services.volunteering import attendance
from bot.services.volunteering import rules as duty_rules
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.reminders import local_day
from bot.services.volunteering.rosters import (
    about,
    refresh_rosters,
    roster_reply,
    shift_data,
    to_volunteer,
)
from bot.services.volunteering.rules import DutyRules
from bot.services.volunteering.shift_spec import (
    clean,
    parse_day,
    parse_items,
    parse_shift,
    split_items,
)
from bot.services.volunteering.shifts import ShiftView
from handlers import core
from models import Place, Resident, Shift, ShiftStatus, SignUp, SignUpStatus, VolunteerHours

MAX_ARGUMENT = 500
MAX_SIGNUPS = 10
LIST_LIMIT = 12
_NUMBERS = re.compile(r"^#?(\d{1,6})(?:\s*[-~至到]\s*#?(\d{1,6}))?$")
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_MINE = frozenset({"我的", "我", "mine", "me", "my"})


def _limit(args: str) -> str:
    if len(args) > MAX_ARGUMENT:
        raise DomainError("core.argument_too_long", limit=MAX_ARGUMENT)
    return args.strip()


def _numbers(text: str, usage: str, limit: int = volunteering.MAX_NUMBERS) -> list[int]:
    found: list[int] = []
    for word in (w for w in _SEPARATORS.split(clean(text)) if w):
        match = _NUMBERS.match(word)
        if match is None:
            raise DomainError(usage)
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first or last - first >= limit:
            raise DomainError("volunteering.too_many_numbers", limit=limit)
        found += range(first, last + 1)
    if not found:
        raise DomainError(usage)
    if len(found) > limit:
        raise DomainError("volunteering.too_many_numbers", limit=limit)
    return list(dict.fromkeys(found))


def _number_and_rest(args: str, usage: str) -> tuple[int, str]:
    head, _, rest = clean(_limit(args)).partition(" ")
    match = _NUMBERS.match(head)
    if match is None or match.group(2):
        raise DomainError(usage)
    return int(match.group(1)), rest.strip()


def _actor(ctx: Context) -> Actor:
    return Actor(ctx.resident, ctx.circle, ctx.platform_admin)


def _community(ctx: Context) -> Place:
    return volunteering.community_for(ctx.session, ctx.resident, ctx.circle)


def _rules(ctx: Context, community: Place) -> DutyRules:
    return duty_rules.rules_for(ctx.session, community.id, ctx.settings.volunteering)


def _repost_after(ctx: Context) -> timedelta:
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
            _repost_after(ctx),
            create=create,
        )
    return envelopes


def _tell(ctx: Context, signup: SignUp, template: str, **extra: object) -> list[Envelope]:
    data = about(ctx.session, signup.shift, ctx.zone) | {"name": signup.resident.display_name}
    reply = Reply(template, data | extra)
    return to_volunteer(
        ctx.session, signup.resident, signup.shift.circle, reply, ctx.default_language
    )


def promotions(ctx: Context, promoted: list[SignUp]) -> list[Envelope]:
    envelopes: list[Envelope] = []
    for signup in promoted:
        if signup.status == SignUpStatus.PENDING:
            envelopes += _approval_requests(ctx, signup)
        else:
            cutoff = local_text(signup.shift.cancel_until, ctx.zone)
            envelopes += _tell(ctx, signup, "volunteering.promoted", cancel_until=cutoff)
    return envelopes


def _approval_requests(ctx: Context, signup: SignUp) -> list[Envelope]:
    shift = signup.shift
    community = ctx.session.get_one(Place, shift.community_id)
    deciders = (circle_admins(ctx.session, shift.circle) if shift.circle else []) or secretaries(
        ctx.session, community
    )
    rules_now = _rules(ctx, community)
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


# Admins: shifts and rotas ---------------------------------------------------------------


def shift(ctx: Context, args: str) -> Reply:
    """Create a shift, or a rota of shifts, in this circle (admins)."""
    circle = ctx.require_circle()
    items = parse_shift(_limit(args), ctx.now, ctx.zone)
    community = _community(ctx)
    created = volunteering.create_shifts(
        ctx.session, ctx.now, ctx.zone, _actor(ctx), circle, items, _rules(ctx, community)
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
    items = split_items(_limit(args))
    if len(items) < 2:
        raise DomainError("volunteering.edit_usage")
    numbers = _numbers(items[0], "volunteering.edit_usage")
    community = _community(ctx)
    changes = parse_items(items[1:], ctx.now, ctx.zone)
    edited = volunteering.edit_shifts(
        ctx.session,
        ctx.now,
        ctx.zone,
        _actor(ctx),
        community,
        numbers,
        changes,
        _rules(ctx, community),
    )
    told: list[Envelope] = []
    for signup in edited.told:
        told += _tell(ctx, signup, "volunteering.shift_changed", changed=edited.changed)
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
    numbers = _numbers(_limit(args), "volunteering.cancel_shift_usage")
    cancelled = volunteering.cancel_shifts(
        ctx.session, ctx.now, _actor(ctx), _community(ctx), numbers
    )
    told: list[Envelope] = []
    for signup in cancelled.told:
        told += _tell(ctx, signup, "volunteering.shift_cancelled_notice")
    reply = Reply(
        "volunteering.shifts_cancelled",
        {
            "numbers": [s.number for s in cancelled.shifts],
            "told": len({s.resident_id for s in cancelled.told}),
        },
    )
    return [reply, *told, *rosters(ctx, cancelled.shifts, create=False)]


def _person(ctx: Context, args: str, usage: str) -> tuple[Shift, SignUp]:
    number, rest = _number_and_rest(args, usage)
    shift = volunteering.find_shift(ctx.session, _community(ctx), number)
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
    number, rest = _number_and_rest(args, "volunteering.attend_usage")
    community = _community(ctx)
    shift = volunteering.find_shift(ctx.session, community, number)
    signup = None
    if rest or ctx.incoming.mentions:
        shift, signup = _person(ctx, args, "volunteering.attend_usage")
    served = attendance.confirm(ctx.session, ctx.now, _actor(ctx), shift, signup)
    reply = Reply(
        "volunteering.attendance_confirmed",
        about(ctx.session, shift, ctx.zone)
        | {"people": [[s.signup.resident.display_name, s.hours.minutes] for s in served]},
    )
    return [reply, *rosters(ctx, [shift], create=False)]


def noshow(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Mark someone on a started shift absent: `/noshow 12 2` or `/noshow 12 @张三` (admins)."""
    shift, signup = _person(ctx, args, "volunteering.noshow_usage")
    attendance.mark_noshow(ctx.session, ctx.now, _actor(ctx), shift, signup)
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
        ctx.session, ctx.now, ctx.zone, _actor(ctx), signup, approved, _rules(ctx, community)
    )
    name = signup.resident.display_name
    data = about(ctx.session, shift, ctx.zone) | {"name": name, "approved": approved}
    cutoff = local_text(shift.cancel_until, ctx.zone)
    told = _tell(
        ctx, signup, "volunteering.decision_notice", approved=approved, cancel_until=cutoff
    )
    return [
        Reply("volunteering.decided", data),
        *told,
        *promotions(ctx, decided.promoted),
        *rosters(ctx, [shift], create=False),
    ]


def dutyrules(ctx: Context, args: str) -> Reply:
    """Show, or change (secretaries), the community's duty reminders, cutoff and no-show rule."""
    community = _community(ctx)
    if _limit(args):
        changes = duty_rules.parse_rules(args)
        duty_rules.change_rules(ctx.session, ctx.now, ctx.resident, community, changes)
        if changes.reminders:
            volunteering.reschedule_community(
                ctx.session, ctx.now, ctx.zone, community, _rules(ctx, community)
            )
    current = _rules(ctx, community)
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


# Everyone: the list, sign-up and withdrawal -----------------------------------------------


def list_shifts(ctx: Context, args: str) -> Reply:
    """Upcoming shifts with places left; `值班表 12` one shift's list, `值班表 明天` a day."""
    text = clean(_limit(args))
    if text in _MINE:
        return _mine(ctx)
    community = _community(ctx)
    number = _NUMBERS.match(text)
    if number and number.group(2) is None:
        shift = volunteering.find_shift(ctx.session, community, int(number.group(1)))
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
    mine = volunteering.my_signups(ctx.session, ctx.now, ctx.resident)
    views = volunteering.views(ctx.session, [s.shift for s in mine])
    return Reply(
        "volunteering.my_shifts",
        {
            "name": ctx.resident.display_name,
            "shifts": [
                shift_data(view, ctx.zone) | {"status": signup.status.value}
                for view, signup in zip(views, mine, strict=True)
            ],
        },
        audience=Audience.PRIVATE,
    )


def signup(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Sign up for shifts (`报名 12`, `报名 12 13`); a full shift puts me on its waitlist."""
    numbers = _numbers(_limit(args), "volunteering.signup_usage", MAX_SIGNUPS)
    community = _community(ctx)
    rules_now = _rules(ctx, community)
    replies: list[Reply | Envelope] = []
    notices: list[Envelope] = []
    shifts = []
    for number in numbers:
        wanted = volunteering.find_shift(ctx.session, community, number)
        joined = volunteering.sign_up(
            ctx.session, ctx.now, ctx.zone, ctx.resident, wanted, rules_now
        )
        shift = joined.signup.shift
        shifts.append(shift)
        replies.append(
            Reply(
                "volunteering.signed_up",
                about(ctx.session, shift, ctx.zone)
                | {
                    "name": ctx.resident.display_name,
                    "status": joined.signup.status.value,
                    "position": joined.position,
                    "cancel_until": local_text(shift.cancel_until, ctx.zone),
                    "noshows": joined.noshows,
                    "days": rules_now.noshow_window.days,
                },
            )
        )
        if joined.signup.status == SignUpStatus.PENDING:
            notices += _approval_requests(ctx, joined.signup)
    return [*replies, *notices, *rosters(ctx, shifts, create=True)]


def cancel(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Withdraw from a shift (`取消报名 12`), before its cutoff; the waitlist moves up."""
    numbers = _numbers(_limit(args), "volunteering.cancel_usage", MAX_SIGNUPS)
    community = _community(ctx)
    rules_now = _rules(ctx, community)
    replies: list[Reply | Envelope] = []
    notices: list[Envelope] = []
    shifts = []
    for number in numbers:
        wanted = volunteering.find_shift(ctx.session, community, number)
        gone = volunteering.withdraw(
            ctx.session, ctx.now, ctx.zone, ctx.resident, wanted, rules_now
        )
        shifts.append(gone.signup.shift)
        replies.append(
            Reply(
                "volunteering.withdrawn",
                about(ctx.session, gone.signup.shift, ctx.zone)
                | {
                    "name": ctx.resident.display_name,
                    "was": gone.was.value,
                    "promoted": [s.resident.display_name for s in gone.promoted],
                },
            )
        )
        notices += promotions(ctx, gone.promoted)
    return [*replies, *notices, *rosters(ctx, shifts, create=True)]


# Volunteers on duty: attendance and hours -------------------------------------------------


def _optional_number(args: str, usage: str) -> int | None:
    text = clean(_limit(args))
    return _numbers(text, usage, 1)[0] if text else None


def checkin(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Check in to my shift (`签到`, or `签到 12`)."""
    number = _optional_number(args, "volunteering.checkin_usage")
    resident = ctx.resident
    community = _community(ctx)
    signup = attendance.check_in(
        ctx.session, ctx.now, ctx.zone, resident, _rules(ctx, community), number
    )
    data = about(ctx.session, signup.shift, ctx.zone) | {
        "name": resident.display_name,
        "at": local_text(ctx.now, ctx.zone)[-5:],
    }
    return [Reply("volunteering.checked_in", data), *rosters(ctx, [signup.shift], create=False)]


def checkout(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Check out of my shift (`签退`); the time since check-in, within the shift, counts."""
    number = _optional_number(args, "volunteering.checkout_usage")
    resident = ctx.resident
    community = _community(ctx)
    served = attendance.check_out(ctx.session, ctx.now, resident, _rules(ctx, community), number)
    data = about(ctx.session, served.signup.shift, ctx.zone) | {
        "name": resident.display_name,
        "minutes": served.hours.minutes,
    }
    return [
        Reply("volunteering.checked_out", data),
        *rosters(ctx, [served.signup.shift], create=False),
    ]


def hours(ctx: Context, args: str) -> Reply:
    """My confirmed hours; circle admins in their group see the circle's and community's."""
    if clean(_limit(args)) not in ("", *_MINE):
        raise DomainError("volunteering.hours_usage")
    if core.admin_here(ctx) and not clean(args):
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
    community = _community(ctx)
    here = attendance.totals(ctx.session, VolunteerHours.circle_id == circle.id)
    whole = attendance.totals(ctx.session, VolunteerHours.community_id == community.id)
    return Reply(
        "volunteering.circle_hours",
        {
            "circle": roles.circle_title(ctx.session, circle),
            "community": community.name,
            "here": [here.minutes, here.projects, here.volunteers],
            "whole": [whole.minutes, whole.projects, whole.volunteers],
            "top": attendance.top_volunteers(ctx.session, community),
        },
    )
