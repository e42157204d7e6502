"""Sign-up for residents: the shift list, 接龙, withdrawing, check-in and hours."""

from __future__ import annotations

from datetime import date

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.routing import is_question
from bot.services.common.arguments import as_number, only_numbers
from bot.services.common.keywords import folded
from bot.services.common.when import moment_data
from bot.services.volunteering import attendance, signups
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.rosters import ShiftDetail, shift_data, shift_detail, shift_list
from bot.services.volunteering.shift_spec import parse_day
from bot.services.volunteering.signups import Refused
from handlers.access import actor_of, admin_here, community_here, oversees_hours
from handlers.volunteering.common import bounded, duty, refusal, shift_numbers
from models import SignUpStatus

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
        return _detail(shift_detail(ctx.session, ctx.now, ctx.zone, community, number))
    day: date | None = None
    if text:
        day = parse_day(text, ctx.now, ctx.zone)
        if day is None:
            raise DomainError("volunteering.list_usage")
    found = shift_list(ctx.session, ctx.now, ctx.zone, community, ctx.circle, day, LIST_LIMIT)
    return Reply(
        "volunteering.shift_list",
        {
            "where": found.where,
            "shifts": found.shifts,
            "more": found.more,
            "day": [day.year, day.month, day.day, day.weekday()] if day else None,
        },
    )


def _detail(detail: ShiftDetail) -> Reply:
    data = {
        "shift": detail.shown,
        "signup_until": detail.signup_until,
        "cancel_until": detail.cancel_until,
    }
    if not detail.open:
        return Reply("volunteering.shift_detail", data)
    number = detail.number
    return Reply(
        "volunteering.shift_detail",
        data,
        choices=[
            [
                Choice("volunteering.signup_button", f"/signup {number}", translated=True),
                Choice("volunteering.cancel_button", f"/cancel {number}", translated=True),
            ]
        ],
    )


def mine(ctx: Context, args: str) -> Reply:
    """`我的报名`: the shifts I signed up for, as `值班表 我的` shows them."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    return _mine(ctx)


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
    """Sign up for shifts (`报名 12`, `报名 12 13`); a full shift puts me on its waitlist. A bare
    `报名` lists the shifts there are to sign up for, and how, as `值班表` does."""
    if not args.strip():
        return [list_shifts(ctx, "")]
    numbers = shift_numbers(bounded(args), "volunteering.signup_usage", MAX_SIGNUPS)
    community = community_here(ctx)
    done = signups.sign_up_for(ctx.session, duty(ctx), ctx.resident, community, numbers)
    replies: list[Reply | Envelope] = []
    for outcome in done.outcomes:
        if isinstance(outcome, Refused):
            replies.append(refusal(outcome))
        else:
            replies += _joined(ctx, done.days, outcome)
    return [*replies, *done.notices]


def _joined(ctx: Context, days: int, joined: signups.Joined) -> list[Reply]:
    """The sign-up answered; one held for approval is said plainly in a group, its reason
    (the person's absences) only to them."""
    shift = joined.signup.shift
    data = joined.shown | {
        "name": ctx.resident.display_name,
        "status": joined.signup.status.value,
        "position": joined.position,
        "cancel_until": moment_data(shift.cancel_until, ctx.zone, ctx.now),
        "noshows": joined.noshows,
        "days": days,
    }
    if not ctx.is_group or joined.signup.status != SignUpStatus.PENDING:
        return [Reply("volunteering.signed_up", data)]
    return [
        Reply("volunteering.signed_up", data | {"reason": False}),
        Reply("volunteering.signed_up", data, audience=Audience.PRIVATE),
    ]


def cancel(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Withdraw from shifts (`取消报名 12`), before their cutoff; the waitlists move up. Alone,
    `取消报名` withdraws from the one shift signed up for here, as 我不去了 does."""
    if not folded(bounded(args)):
        withdrawn = _the_one_withdrawn(ctx)
        if withdrawn is None:
            raise DomainError("volunteering.nothing_to_withdraw", here=ctx.is_group)
        return withdrawn
    numbers = shift_numbers(bounded(args), "volunteering.cancel_usage", MAX_SIGNUPS)
    done = signups.withdraw_from(ctx.session, duty(ctx), ctx.resident, community_here(ctx), numbers)
    return _withdrawn_replies(ctx, done)


def numbers_alone(words: str) -> bool:
    """Whether the words after 取消 make it a withdrawal: shift numbers alone (取消 2)."""
    return bool(words) and only_numbers(words)


def alone(words: str) -> bool:
    """Whether 我不去了 stands alone, a withdrawal (an apology after it is read past)."""
    return not folded(words)


def not_going(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`我不去了`: withdraw from the one shift I signed up for here, or say which of several
    to name; with none it is chat in a group."""
    if not alone(bounded(args)):
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    withdrawn = _the_one_withdrawn(ctx)
    if withdrawn is None:
        return [] if ctx.is_group else [_mine(ctx)]
    return withdrawn


def _the_one_withdrawn(ctx: Context) -> list[Reply | Envelope] | None:
    """The withdrawal from the one shift signed up for here, or the several to name one of;
    None where there is none."""
    went = signups.not_going(ctx.session, duty(ctx), ctx.resident, community_here(ctx), ctx.circle)
    if went.withdrew is not None:
        return _withdrawn_replies(ctx, went.withdrew)
    if not went.choices:
        return None
    shown = [
        shift_data(view, ctx.zone) | {"status": s.status.value, "late": late}
        for view, s, late in went.choices
    ]
    data = {"name": ctx.resident.display_name, "shifts": shown}
    return [Reply("volunteering.which_to_withdraw", data)]


def _withdrawn_replies(ctx: Context, done: signups.WithdrewFrom) -> list[Reply | Envelope]:
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
    """Check in to my shift (`签到`, or `签到 12`); asked (`签到？`), say whether I may."""
    number = _optional_number(args, "volunteering.checkin_usage")
    resident = ctx.resident
    if is_question(ctx.incoming.text):
        return [_open_to_attend(ctx, number, leaving=False)]
    done = attendance.check_in(ctx.session, duty(ctx), resident, community_here(ctx), number)
    data = done.shown | {
        "name": resident.display_name,
        "at": f"{ctx.now.astimezone(ctx.zone):%H:%M}",
    }
    return [Reply("volunteering.checked_in", data), *done.notices]


def arrived(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`我到了`: check in to my shift open for check-in now; without one it is chat in a
    group, and answered as `签到` is in private."""
    if not alone(bounded(args)):
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    resident = ctx.resident
    if ctx.is_group and not attendance.may_check_in(
        ctx.session, duty(ctx), resident, community_here(ctx)
    ):
        return []
    return checkin(ctx, "")


def checkout(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Check out of my shift (`签退`); the time since check-in, within the shift, counts.
    Asked (`签退？`), say whether I may."""
    number = _optional_number(args, "volunteering.checkout_usage")
    resident = ctx.resident
    if is_question(ctx.incoming.text):
        return [_open_to_attend(ctx, number, leaving=True)]
    done = attendance.check_out(ctx.session, duty(ctx), resident, community_here(ctx), number)
    data = done.shown | {
        "name": resident.display_name,
        "minutes": done.served.hours.minutes,
    }
    return [Reply("volunteering.checked_out", data), *done.notices]


def _open_to_attend(ctx: Context, number: int | None, leaving: bool) -> Reply:
    """Whether I may check in (or out) now, asked as a question: 签到？, 签退？"""
    shown = attendance.open_to_attend(
        ctx.session, duty(ctx), ctx.resident, community_here(ctx), number, leaving
    )
    return Reply("volunteering.checkout_open" if leaving else "volunteering.checkin_open", shown)


def hours(ctx: Context, args: str) -> Reply:
    """My confirmed hours; circle admins in their group see the circle's and community's,
    secretaries and grid workers in private their communities'."""
    text = folded(bounded(args))
    if text not in ("", *_MINE):
        raise DomainError(
            "volunteering.hours_usage", admin=admin_here(ctx), community=oversees_hours(ctx)
        )
    shown = attendance.hours_shown(ctx.session, ctx.now, ctx.zone, actor_of(ctx), bool(text))
    if isinstance(shown, attendance.CircleHours):
        return _circle_hours(shown)
    if isinstance(shown, list):
        return Reply(
            "volunteering.community_hours",
            {"communities": [[c.name, _totals(c.whole), c.top] for c in shown]},
            audience=Audience.PRIVATE,
        )
    return Reply(
        "volunteering.my_hours",
        {
            "name": ctx.resident.display_name,
            "total": shown.total,
            "month": shown.month,
            "shifts": shown.shifts,
            "projects": shown.projects,
            "registered": shown.registered,
            "waiting": shown.waiting,
            "emptied": shown.emptied,
            "here": shown.here,
        },
        audience=Audience.PRIVATE,
    )


def my_hours(ctx: Context, args: str) -> Reply:
    """我的时长: my own confirmed hours, whoever asks and wherever."""
    return hours(ctx, args or "我的")


def _circle_hours(found: attendance.CircleHours) -> Reply:
    community = found.community
    return Reply(
        "volunteering.circle_hours",
        {
            "circle": found.circle,
            "community": community.name,
            "here": _totals(found.here),
            "whole": _totals(community.whole),
            "top": community.top,
        },
    )


def _totals(totals: attendance.Totals) -> list[int]:
    return [totals.minutes, totals.projects, totals.volunteers]
