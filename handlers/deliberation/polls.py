"""Polls: opening, voting, results, closing and settings."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Envelope, Reply
from bot.services.common.arguments import as_number, number_and_rest, numbers_or_none, split_items
from bot.services.common.quiet import default_quiet
from bot.services.deliberation import polls, votable
from bot.services.deliberation.poll_spec import PollSpec, parse_poll, parse_settings
from handlers.deliberation.parsing import at_most_one_number, bounded, when_shown, where
from handlers.deliberation.replies import refused, told

# The option words a vote may be said with (不同意 tried before 同意).
_SAID_OPTIONS = sorted(
    (word for words in polls.YES_NO_WORDS.values() for word in words if not word.isascii()),
    key=len,
    reverse=True,
)
# A vote said as people say it: 我投同意, 投反对票, 我投1.
VOTE_SAID = re.compile(rf"我?(?:投|选|選)(?:个|個)?({'|'.join(_SAID_OPTIONS)}|\d{{1,2}})票?")


def poll(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Open a poll: `/poll 问题 | 选项 | 选项 | 截止 3天 | 匿名`."""
    ctx.require_circle()
    return post_poll(ctx, parse_poll(bounded(args), ctx.now, ctx.zone))


def post_poll(ctx: Context, spec: PollSpec) -> list[Reply | Envelope]:
    """Open the poll `spec` describes from this circle and post it wherever it belongs."""
    posted = polls.post(
        ctx.session, where(ctx), spec, ctx.settings.deliberation, default_quiet(ctx.settings)
    )
    return posted_replies(posted)


def posted_replies(posted: polls.Posted) -> list[Reply | Envelope]:
    """A poll's messages, and a note of how many chats it went to when it is more than one."""
    if len(posted.envelopes) <= 1:
        return list(posted.envelopes)
    chats = len(posted.envelopes)
    return [
        *posted.envelopes,
        Reply("deliberation.poll_posted", {"number": posted.number, "chats": chats}),
    ]


def vote_request(text: str) -> polls.VoteRequest:
    """A vote as typed (some words): by numbers, or in words."""
    numbers = numbers_or_none(text)
    if not numbers:
        return _in_words(text)
    if len(numbers) == 1:
        return polls.VoteRequest(None, numbers)
    return polls.VoteRequest(numbers[0], numbers[1:])


def _in_words(text: str) -> polls.VoteRequest:
    """An option in words: `同意` in this circle's open poll, or `2 同意` in poll 2."""
    head, *rest = text.split(maxsplit=1)
    number = as_number(head)
    if number is not None and rest:
        return polls.VoteRequest(number, [], rest[0])
    return polls.VoteRequest(None, [], text)


def vote(ctx: Context, args: str) -> Reply:
    """Vote: `投票 1` (option 1 of this circle's open poll), `投票 同意` (the option's words),
    `投票 2 1 3` or `投票 2 同意` (poll 2); privately, `投票 2` offers poll 2's options. A bare
    `投票` offers the open poll's options (in a group, its own; privately, the sender's)."""
    text = bounded(args)
    if not text and not ctx.is_group:
        return votable.my_ballot(ctx.session, where(ctx), ctx.settings.secret)
    if not text:
        offered = polls.ballot(ctx.session, where(ctx), ctx.settings.secret, None)
        # Offered to the one who asked: where there are no buttons, their bare number votes.
        offered.choices = [[replace(c, personal=True) for c in row] for row in offered.choices]
        offered.data = offered.data | {"asker": ctx.resident.display_name}
        return offered
    request = vote_request(text)
    if not ctx.is_group and request.number is None and request.picks:
        # Without a circle, one number can only name the poll.
        return polls.ballot(ctx.session, where(ctx), ctx.settings.secret, request.picks[0])
    here = polls.shown_here(ctx.session, where(ctx), request.number)
    try:
        done = polls.vote(
            ctx.session, where(ctx), ctx.settings.secret, request, ctx.settings.deliberation
        )
    except DomainError as refusal:
        # A refusal may name the poll's options: a chat it was not put to does not see them.
        if here:
            raise
        return refused(ctx, refusal)
    voted = done.poll
    data: dict[str, Any] = {
        "number": voted.number,
        "question": voted.question,
        "kind": voted.kind.value,
        "anonymous": voted.anonymous,
        "changed": done.changed,
        # An anonymous choice is never echoed: a confirmation may be stored in an outbox.
        "chosen": [] if voted.anonymous else [[o.position, o.label] for o in done.chosen],
        "deadline": when_shown(ctx, voted.closes_at),
    }
    return Reply("deliberation.voted", data, audience=Audience.TOAST)


def mine(ctx: Context, args: str) -> Reply:
    """`我的投票`: the polls I may vote in now, as a bare `投票` offers them privately; typed in a
    group, answered privately too (what someone has left to vote in is theirs alone)."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    try:
        offered = votable.my_ballot(ctx.session, where(ctx), ctx.settings.secret)
    except DomainError as refusal:
        return refused(ctx, refusal)
    offered.audience = Audience.PRIVATE
    return offered


def open_polls(ctx: Context, args: str) -> Reply:
    """`投票列表`: the open polls, offered as a bare `投票` offers them; a number after it is no
    vote, so nothing after it is read."""
    return vote(ctx, "")


def result(ctx: Context, args: str) -> Reply:
    """Results so far, or final: `/result 2`, or the latest poll of this circle; privately,
    the one poll the sender sees, or a choice of the newest."""
    number = at_most_one_number(args, "deliberation.result_usage")
    return polls.result(ctx.session, where(ctx), ctx.settings.secret, number)


def close(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Close a poll early (its owner, or an admin); the result goes where it was posted."""
    number = at_most_one_number(args, "deliberation.close_usage")
    secret, folder = ctx.settings.secret, ctx.settings.data_path
    closed = polls.close(ctx.session, where(ctx), secret, number, folder)
    return list(closed.envelopes) or [Reply("deliberation.closed", {"number": closed.number})]


def pollset(ctx: Context, args: str) -> list[Reply]:
    """Change an open poll's settings: `/pollset 2 截止 5天 | 匿名`, or `，` between them when
    there is no bar."""
    number, rest = number_and_rest(bounded(args), "deliberation.pollset_usage")
    items = split_items(rest, "，")
    if not items:
        raise DomainError("deliberation.pollset_usage")
    changes = parse_settings(items, ctx.now, ctx.zone)
    state = polls.change(
        ctx.session,
        where(ctx),
        number,
        changes,
        ctx.settings.deliberation,
        default_quiet(ctx.settings),
    )
    changed = Reply(
        "deliberation.settings_changed",
        {
            "number": state.number,
            "deadline": when_shown(ctx, state.closes_at),
            "anonymous": state.anonymous,
            "hidden": state.hidden,
            "per_household": state.per_household,
            "changeable": state.changeable,
            "quorum": state.quorum,
        },
    )
    return told(ctx, changed, state.here)
