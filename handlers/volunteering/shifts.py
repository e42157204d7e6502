"""Shifts for admins: making, changing and cancelling them, attendance, approvals, rules."""

from __future__ import annotations

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.services.common.arguments import barred, only_numbers, split_items
from bot.services.common.keywords import folded
from bot.services.volunteering import arranging, attendance, reminders, signups
from bot.services.volunteering.shift_spec import parse_items, parse_shift, spaced_changes
from handlers.access import actor_of, community_here
from handlers.volunteering.common import (
    SHIFT_WORDS,
    bounded,
    duty,
    length_typed,
    shift_and_people,
    shift_and_someone,
    shift_numbers,
)


def shift(ctx: Context, args: str) -> Reply:
    """Create a shift, or a rota of shifts, in this circle (admins)."""
    circle = ctx.require_circle()
    items = parse_shift(bounded(args), ctx.now, ctx.zone)
    created = arranging.create_shifts(ctx.session, duty(ctx), actor_of(ctx), circle, items)
    shifts, first = created.shifts, created.first
    if len(shifts) == 1:
        number = shifts[0].number
        return Reply(
            "volunteering.shift_created",
            {"shift": first, "started": created.started},
            choices=[[Choice("volunteering.signup_button", f"/signup {number}", translated=True)]],
        )
    return Reply(
        "volunteering.rota_created",
        {
            "title": items.title,
            "place": shifts[0].place,
            "count": len(shifts),
            "first": first,
            "last": created.last,
            "capacity": shifts[0].capacity,
            "role": first["role"],
            "started": created.started,
        },
        choices=[[Choice("volunteering.list_button", "/shifts", translated=True)]],
    )


def edit_shift(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Change shifts: `/editshift 12 | 3人`, `/editshift 12-20 | 09:00-11:00` (admins); without
    a bar `，` parts the items (`/editshift 12，3人`)."""
    typed = bounded(args)
    items = split_items(typed, "，")
    if not barred(typed):
        # 修改班次 12，13，3人: every leading item of numbers names shifts.
        count = next((i for i, item in enumerate(items) if not only_numbers(item)), len(items))
        items = [" ".join(items[:count]), *items[count:]]
        if count == 0 and items[1:]:
            items = _numbers_then_changes(items[1], ctx) + items[2:]
    if len(items) < 2:
        raise DomainError("volunteering.edit_usage")
    numbers = shift_numbers(items[0], "volunteering.edit_usage")
    community = community_here(ctx)
    changes = parse_items(items[1:], ctx.now, ctx.zone)
    edited = arranging.edit_shifts(
        ctx.session, duty(ctx), actor_of(ctx), community, numbers, changes
    )
    reply = Reply(
        "volunteering.shifts_edited",
        {
            "numbers": [s.number for s in edited.shifts],
            "changed": edited.changed,
            "told": len({s.resident_id for s in edited.told}),
        },
    )
    return [reply, *edited.notices]


def _numbers_then_changes(item: str, ctx: Context) -> list[str]:
    """`12 13 3人 东门` (spaces only) as the shift numbers and each change, told by their shapes."""
    words = item.split()
    count = next((i for i, word in enumerate(words) if not only_numbers(word)), len(words))
    changes = spaced_changes(" ".join(words[count:]), ctx.now, ctx.zone)
    if count == 0 or changes is None:
        raise DomainError("volunteering.edit_usage")
    return [" ".join(words[:count]), *changes]


def cancel_shift(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Cancel shifts that have not started: `/cancelshift 12`, `/cancelshift 12-20` (admins)."""
    numbers = shift_numbers(bounded(args), "volunteering.cancel_shift_usage")
    community = community_here(ctx)
    cancelled = arranging.cancel_shifts(ctx.session, duty(ctx), actor_of(ctx), community, numbers)
    reply = Reply(
        "volunteering.shifts_cancelled",
        {
            "numbers": [s.number for s in cancelled.shifts],
            "told": len({s.resident_id for s in cancelled.told}),
        },
    )
    return [reply, *cancelled.notices]


def attend(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Confirm attendance: everyone on shift 12 (`/attend 12`), one (`/attend 12 2`) or several
    (`/attend 12 @张三 @李四`) (admins)."""
    number, named = shift_and_people(ctx, args, "volunteering.attend_usage")
    community = community_here(ctx)
    confirmed = attendance.confirm_attendance(
        ctx.session, duty(ctx), actor_of(ctx), community, number, named
    )
    people = [[s.signup.resident.display_name, s.hours.minutes] for s in confirmed.served]
    left = [signup.resident.display_name for signup in confirmed.left]
    refused = [[r.key, r.data] for r in confirmed.refused]
    data = confirmed.shown | {"people": people, "others": len(left), "refused": refused}
    replies: list[Reply | Envelope] = [Reply("volunteering.attendance_confirmed", data)]
    if left:
        # Whose attendance is the admin's own or their household's is said only to them.
        replies.append(
            Reply(
                "volunteering.not_own_attendance",
                {"names": left, "number": confirmed.shift.number},
                audience=Audience.PRIVATE,
            )
        )
    return [*replies, *confirmed.notices]


def noshow(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Mark someone on a started shift absent: `/noshow 12 2` or `/noshow 12 @张三` (admins)."""
    number, who = shift_and_someone(ctx, args, "volunteering.noshow_usage")
    community = community_here(ctx)
    marked = attendance.mark_absent(ctx.session, duty(ctx), actor_of(ctx), community, number, who)
    return [_about_person("volunteering.noshow_marked", marked), *marked.notices]


def undo_checkin(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Undo someone's check-in: `/undocheckin 12 @张三` (admins), before marking them absent."""
    number, who = shift_and_someone(ctx, args, "volunteering.undo_checkin_usage")
    community = community_here(ctx)
    undone = attendance.undo_check_in_of(
        ctx.session, duty(ctx), actor_of(ctx), community, number, who
    )
    return [_about_person("volunteering.checkin_undone", undone), *undone.notices]


def fix_hours(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Correct one person's recorded hours: `/fixhours 3 @张三 1.5h` (admins); the group
    sees the new length, the volunteer is told privately, points follow privately."""
    words = bounded(args).split()
    if words[:1] and folded(words[0]) in SHIFT_WORDS:
        words = words[1:]
    minutes, cut = _length_at_end(words)
    number, who = shift_and_someone(ctx, " ".join(words[:-cut]), "volunteering.fix_hours_usage")
    community = community_here(ctx)
    fixed = attendance.correct_hours_of(
        ctx.session, duty(ctx), actor_of(ctx), community, number, who, minutes
    )
    data = fixed.shown | {
        "name": fixed.signup.resident.display_name,
        "was": fixed.was,
        "minutes": fixed.minutes,
    }
    return [Reply("volunteering.hours_corrected", data), *fixed.notices]


def _length_at_end(words: list[str]) -> tuple[int, int]:
    """The minutes of the length typed last, after at least the shift's number, and how many
    words it takes (its parts may stand apart: `1 小时 30 分`)."""
    for cut in range(min(len(words) - 1, 4), 0, -1):
        minutes = length_typed(" ".join(words[-cut:]))
        if minutes is not None:
            return minutes, cut
    raise DomainError("volunteering.fix_hours_usage")


def _about_person(template: str, marked: attendance.Marked) -> Reply:
    return Reply(template, marked.shown | {"name": marked.signup.resident.display_name})


def approve(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Approve a sign-up that waits for approval after no-shows (admins)."""
    return _decide(ctx, args, approved=True)


def decline(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Decline a sign-up that waits for approval after no-shows (admins)."""
    return _decide(ctx, args, approved=False)


def _decide(ctx: Context, args: str, approved: bool) -> list[Reply | Envelope]:
    number, who = shift_and_someone(ctx, args, "volunteering.approve_usage")
    community = community_here(ctx)
    decided = signups.decide(
        ctx.session, duty(ctx), actor_of(ctx), community, number, who, approved
    )
    name = decided.signup.resident.display_name
    data = decided.shown | {"name": name, "approved": approved}
    return [Reply("volunteering.decided", data), *decided.notices]


def dutyrules(ctx: Context, args: str) -> Reply:
    """Show, or change (secretaries), the community's duty reminders, cutoff and no-show rule."""
    shown = reminders.rules_shown(
        ctx.session,
        ctx.now,
        ctx.zone,
        ctx.resident,
        community_here(ctx),
        bounded(args),
        ctx.settings.volunteering,
    )
    current = shown.rules
    return Reply(
        "volunteering.rules",
        {
            "community": shown.community,
            "day_before": current.day_before_at.strftime("%H:%M") if current.day_before_at else "",
            "hour_before": int(current.hour_before.total_seconds() // 60)
            if current.hour_before
            else 0,
            "cancel": int(current.cancel_before.total_seconds() // 60),
            "noshow_limit": current.noshow_limit or 0,
            "noshow_days": current.noshow_window.days,
            "changed": shown.changed,
            "editable": shown.editable,
        },
    )
