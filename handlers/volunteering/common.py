"""What the duty commands share: reading numbers and people, and the duty a command acts in."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Reply
from bot.services.common import arguments
from bot.services.common.arguments import number_and_rest, numbers_and_ranges
from bot.services.common.quiet import default_quiet
from bot.services.volunteering.notices import Duty
from bot.services.volunteering.shifts import MAX_NUMBERS, Who
from bot.services.volunteering.signups import Refused

MAX_ARGUMENT = 500

bounded = partial(arguments.bounded, limit=MAX_ARGUMENT)


def shift_numbers(text: str, usage: str, limit: int = MAX_NUMBERS) -> list[int]:
    """Shift numbers and ranges (`12 13`, `12-20`), each once, at most `limit` of them."""
    return numbers_and_ranges(text, usage, limit, too_many="volunteering.too_many_numbers")


def duty(ctx: Context) -> Duty:
    """The duty a command acts in: now, the zone, the duty settings, how messages go."""
    return Duty(
        now=ctx.now,
        zone=ctx.zone,
        settings=ctx.settings.volunteering,
        language=ctx.default_language,
        repost_after=timedelta(seconds=ctx.settings.volunteering.roster_repost_seconds),
        quiet=default_quiet(ctx.settings),
    )


def shift_and_person(ctx: Context, args: str, usage: str) -> tuple[int, Who | None]:
    """A shift number and maybe someone on it: `12`, `12 2`, `12 @张三`, or a mention."""
    number, rest = number_and_rest(bounded(args), usage)
    mention = ctx.incoming.mentions[0] if ctx.incoming.mentions else None
    return number, Who(rest, mention) if rest or mention else None


def shift_and_someone(ctx: Context, args: str, usage: str) -> tuple[int, Who]:
    """A shift number and someone on it, who must be named."""
    number, who = shift_and_person(ctx, args, usage)
    if who is None:
        raise DomainError(usage)
    return number, who


def refusal(outcome: Refused) -> Reply:
    """A shift of a several-shift command that could not be done, with the reason."""
    return Reply(outcome.key, outcome.data)
