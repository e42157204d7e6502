"""Polls: opening, voting, results, closing and settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Envelope, Reply
from bot.services.common.access import community_of, home_community
from bot.services.common.arguments import number_and_rest, numbers_in, split_items
from bot.services.common.quiet import default_quiet
from bot.services.deliberation import poll_views, polls
from bot.services.deliberation.poll_spec import PollSpec, parse_poll, parse_settings
from bot.services.deliberation.schedule import closing_envelopes
from handlers.access import actor_of
from handlers.deliberation.parsing import bounded, when_text
from models import Circle, Poll


def poll(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Open a poll: `/poll 问题 | 选项 | 选项 | 截止 3天 | 匿名`."""
    circle = ctx.require_circle()
    return post_poll(ctx, circle, parse_poll(bounded(args), ctx.now, ctx.zone))


def post_poll(ctx: Context, circle: Circle, spec: PollSpec) -> list[Reply | Envelope]:
    """Open the poll `spec` describes from `circle` and post it wherever it belongs."""
    rules = ctx.settings.deliberation
    opened = polls.open_poll(
        ctx.session,
        ctx.now,
        actor_of(ctx),
        circle,
        spec,
        default_days=rules.default_poll_days,
        reminder_hours=rules.reminder_hours,
        quiet=default_quiet(ctx.settings),
    )
    reply = poll_views.poll_reply(ctx.session, opened, ctx.zone, ctx.now)
    envelopes = poll_views.to_postings(
        ctx.session, opened, reply, ctx.default_language, key=poll_views.message_key(opened)
    )
    if len(envelopes) <= 1:
        return list(envelopes)
    posted = Reply("deliberation.poll_posted", {"number": opened.number, "chats": len(envelopes)})
    return [*envelopes, posted]


def _poll(ctx: Context, number: int) -> Poll:
    if ctx.circle is not None:
        return polls.find_poll(ctx.session, community_of(ctx.session, ctx.circle.place), number)
    return polls.find_poll(ctx.session, home_community(ctx.session, ctx.resident), number)


def _poll_here(ctx: Context) -> Poll:
    if ctx.circle is None:
        raise DomainError("deliberation.poll_number_needed")
    return polls.only_open_poll(ctx.session, ctx.circle)


def vote(ctx: Context, args: str) -> Reply:
    """Vote: `投票 1` (option 1 of this circle's open poll) or `投票 2 1 3` (poll 2)."""
    numbers = numbers_in(bounded(args), "deliberation.vote_usage")
    if not numbers:
        raise DomainError("deliberation.vote_usage")
    if len(numbers) == 1:
        target, picks = _poll_here(ctx), numbers
    else:
        target, picks = _poll(ctx, numbers[0]), numbers[1:]
    done_vote = polls.cast(
        ctx.session,
        ctx.now,
        ctx.settings.secret,
        ctx.resident,
        target,
        picks,
        refresh_every=timedelta(seconds=ctx.settings.deliberation.live_edit_seconds),
        batch_every=timedelta(minutes=ctx.settings.deliberation.anonymous_tally_minutes),
    )
    voted = done_vote.poll
    data: dict[str, Any] = {
        "number": voted.number,
        "question": voted.question,
        "kind": voted.kind.value,
        "anonymous": voted.anonymous,
        "changed": done_vote.changed,
        # An anonymous choice is never echoed: a confirmation may be stored in an outbox.
        "chosen": [] if voted.anonymous else [[o.position, o.label] for o in done_vote.chosen],
        "deadline": when_text(ctx, voted.closes_at),
    }
    return Reply("deliberation.voted", data, audience=Audience.TOAST)


def result(ctx: Context, args: str) -> Reply:
    """Results so far, or final: `/result 2`, or the latest poll of this circle."""
    numbers = numbers_in(bounded(args), "deliberation.result_usage")
    if len(numbers) > 1:
        raise DomainError("deliberation.result_usage")
    if numbers:
        shown = _poll(ctx, numbers[0])
    elif ctx.circle is not None:
        found = polls.polls_here(ctx.session, ctx.circle, open_only=False)
        if not found:
            raise DomainError("deliberation.no_poll_here")
        shown = found[0]
    else:
        raise DomainError("deliberation.poll_number_needed")
    polls.require_visible(shown)
    chart = Path(shown.chart) if shown.chart else None
    image = chart if chart is not None and chart.exists() else None
    return poll_views.result_reply(ctx.session, shown, ctx.zone, ctx.settings.secret, image)


def close(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Close a poll early (its owner, or an admin); the result goes where it was posted."""
    numbers = numbers_in(bounded(args), "deliberation.close_usage")
    if len(numbers) > 1:
        raise DomainError("deliberation.close_usage")
    target = _poll(ctx, numbers[0]) if numbers else _poll_here(ctx)
    secret = ctx.settings.secret
    closed = polls.close_early(ctx.session, ctx.now, actor_of(ctx), target, secret)
    envelopes = closing_envelopes(
        ctx.session,
        ctx.now,
        closed,
        secret,
        ctx.zone,
        ctx.settings.data_path,
        ctx.default_language,
    )
    return list(envelopes) or [Reply("deliberation.closed", {"number": closed.number})]


def pollset(ctx: Context, args: str) -> Reply:
    """Change an open poll's settings: `/pollset 2 截止 5天 | 匿名`."""
    number, rest = number_and_rest(bounded(args), "deliberation.pollset_usage")
    items = split_items(rest)
    if not items:
        raise DomainError("deliberation.pollset_usage")
    target = _poll(ctx, number)
    changes = parse_settings(items, ctx.now, ctx.zone)
    polls.change_settings(
        ctx.session,
        ctx.now,
        actor_of(ctx),
        target,
        changes,
        reminder_hours=ctx.settings.deliberation.reminder_hours,
        quiet=default_quiet(ctx.settings),
    )
    target.refresh_at = ctx.now
    return Reply(
        "deliberation.settings_changed",
        {
            "number": target.number,
            "deadline": when_text(ctx, target.closes_at),
            "anonymous": target.anonymous,
            "hidden": target.hidden,
            "per_household": target.per_household,
            "changeable": target.changeable,
            "quorum": target.quorum_percent,
        },
    )
